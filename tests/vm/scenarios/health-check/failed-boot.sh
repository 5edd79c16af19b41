#!/bin/bash
# A boot whose required health check fails (sourced by stage-2.sh and stage-3.sh with K, the
# number of this failed boot): rewind-health.service failed, boot-complete.target and
# rewind-boot-good.service never ran, the boot is counted unconfirmed (rewind:pending=K), the
# results are in /run/rewind/health.json, and rewind-failed-boot.timer reboots the boot.
K=$1
for i in $(seq 1 150); do
	systemctl is-failed -q rewind-health.service && break
	sleep 2
done
systemctl status --no-pager rewind-health.service || true
systemctl is-failed -q rewind-health.service
! systemctl is-active -q boot-complete.target || exit 1
! systemctl is-active -q rewind-boot-good.service || exit 1
systemctl is-active -q rewind-failed-boot.timer # OnFailure=
journalctl -b --no-pager -u rewind-health.service | tee "$VMTEST_STATE/journal-$K"
grep -q 'vmtest: the application does not answer' "$VMTEST_STATE/journal-$K" # the check's output
grep -q 'Required health check 10-app FAILED: exit status 1' "$VMTEST_STATE/journal-$K"
grep -q '"result":"failed"' <(tr -d ' \n' </run/rewind/health.json)
rewind status | tee "$VMTEST_STATE/status-$K"
grep -q "0 reached boot-complete.target, $K since then did not" "$VMTEST_STATE/status-$K"
grep -q 'Health checks (this boot): FAILED' "$VMTEST_STATE/status-$K"
rewind status --json | tr -d ' \n' | grep -q '"health":{"boot_id"'
touch "$VMTEST_STATE/failed-boot-$K-checked"
sync
# rewind-failed-boot.service reboots this boot within the timer's 60 s; the stage passes when the
# reboot ends it. If it never comes, the boot times out and the stage fails.
echo "vmtest: waiting for rewind-failed-boot.timer to reboot failed boot $K"
sleep infinity
