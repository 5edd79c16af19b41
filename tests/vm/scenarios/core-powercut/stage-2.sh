#!/bin/bash
# The boot after the power cut found the merge still running and polled it to its end.
set -euxo pipefail
grep -qx before /etc/rewind-marker
[ ! -e /var/tmp/upgrade-blob ]
[ -z "$(lvs --noheadings -o lv_name -S 'lv_name=~rewind' vg0)" ]
journalctl -b --no-pager | grep 'rewind' | grep -iE 'resum|merg' | tee "$VMTEST_STATE/journal"
grep -q 'Resuming the merge of vg0/root' "$VMTEST_STATE/journal"
grep -q '"rolled-back"' /run/rewind/outcome.json
