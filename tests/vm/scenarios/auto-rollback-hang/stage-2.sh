#!/bin/bash
# The hung boot was rebooted by rewind-boot-deadline.timer; the next one rolled back in the
# initramfs, which took the hanging service with it.
set -euxo pipefail
grep -qx before /etc/rewind-marker
[ ! -e /etc/systemd/system/upgrade-hang.service ]
rewind merge-wait # the merges go on in the background after the boot (merge = background)
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0)" ]
journalctl -b --no-pager | grep -i 'rewind' | grep -iE 'boots|roll' | tee "$VMTEST_STATE/journal"
grep -q '1 boot in a row failed' "$VMTEST_STATE/journal"
grep -q '"rolled-back"' /run/rewind/outcome.json
