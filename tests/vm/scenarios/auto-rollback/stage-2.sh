#!/bin/bash
# Two boots died; the third rolled back in the initramfs and came up healthy.
set -euxo pipefail
[ -L /sbin/init ]
[ -x /usr/lib/systemd/systemd ]
grep -qx before /etc/rewind-marker
rewind merge-wait # the merges go on in the background after the boot (merge = background)
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0)" ]
journalctl -b --no-pager | grep -i 'rewind' | grep -iE 'boots|roll' | tee "$VMTEST_STATE/journal"
grep -qiE 'ROLLING BACK' "$VMTEST_STATE/journal"
grep -q '"rolled-back"' /run/rewind/outcome.json
