#!/bin/bash
# Two boots failed their required health check and were rebooted by rewind-failed-boot.timer; the
# third rolled back in the initramfs, which took the check with it: this boot is good again.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
[ -e "$VMTEST_STATE/failed-boot-1-checked" ]
[ -e "$VMTEST_STATE/failed-boot-2-checked" ]
grep -qx before /etc/rewind-marker
[ ! -e /etc/rewind/health.d/required.d/10-app ]
rewind merge-wait # the merges go on in the background after the boot (merge = background)
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0)" ]
journalctl -b --no-pager | grep -i 'rewind' | grep -iE 'boots|roll' | tee "$VMTEST_STATE/journal"
grep -q '2 boots in a row failed' "$VMTEST_STATE/journal"
grep -q '"rolled-back"' /run/rewind/outcome.json
# No check installed any more: the unit passes at once and the boot completes.
vmtest_boot_complete
systemctl is-active -q rewind-health.service
journalctl -b --no-pager -u rewind-health.service | grep -q 'No health checks installed'
