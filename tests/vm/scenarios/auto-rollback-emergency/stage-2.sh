#!/bin/bash
# Two boots ended in emergency mode and were rebooted by rewind-failed-boot.timer; the third
# rolled back in the initramfs, which took the bad fstab line with it.
set -euxo pipefail
grep -qx before /etc/rewind-marker
! grep -q no-such-label /etc/fstab || exit 1
rewind merge-wait # the merges go on in the background after the boot (merge = background)
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0)" ]
journalctl -b --no-pager | grep -i 'rewind' | grep -iE 'boots|roll' | tee "$VMTEST_STATE/journal"
grep -q '2 boots in a row failed' "$VMTEST_STATE/journal"
grep -q '"rolled-back"' /run/rewind/outcome.json
