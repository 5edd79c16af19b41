#!/bin/bash
# The clock is behind the time begin recorded, yet this boot is confirmed.
set -euxo pipefail
now=$(date -u +%s); began=$(cat "$VMTEST_STATE/begin-clock")
echo "clock now $now, begin recorded at $began"
[ "$now" -lt "$began" ]
for _ in $(seq 1 60); do
	systemctl is-active -q rewind-boot-good.service && break
	sleep 2
done
journalctl -b --no-pager -u rewind-boot-good.service | tee "$VMTEST_STATE/good"
grep -q 'Boot confirmed' "$VMTEST_STATE/good"
lvs --noheadings -o lv_tags vg0/root-rewind-r1 | tee "$VMTEST_STATE/tags"
grep -q 'rewind:good=1' "$VMTEST_STATE/tags"
! grep -q 'rewind:pending' "$VMTEST_STATE/tags" || exit 1
systemctl reboot
