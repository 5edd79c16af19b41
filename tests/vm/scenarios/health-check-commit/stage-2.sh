#!/bin/bash
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
snapshots() { lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg1; }
for i in $(seq 1 150); do
	systemctl is-failed -q rewind-health.service && break
	sleep 2
done
systemctl is-failed -q rewind-health.service
! systemctl is-active -q rewind-boot-good.service || exit 1
# The timer ran (after rewind-health.service, which it is ordered after) and did not commit.
for i in $(seq 1 60); do
	journalctl -b --no-pager -u rewind-auto-commit.service | grep -q 'not committing' && break
	sleep 2
done
journalctl -b --no-pager -u rewind-auto-commit.service | tee "$VMTEST_STATE/before-fix"
grep -q 'no boot since it began has reached boot-complete.target' "$VMTEST_STATE/before-fix"
# The timer elapsed 20 s after the kernel started, before the check (30 s, after multi-user.target)
# ended: rewind-auto-commit.service waited for rewind-health.service (After=).
mono() {
	journalctl -b -o short-monotonic --no-pager -u "$1" | grep "$2" |
		sed 's/^\[ *\([0-9.]*\)\].*/\1/' | sed -n 1p || true
}
t_health=$(mono rewind-health.service 'Required health check 10-app FAILED')
t_commit=$(mono rewind-auto-commit.service 'not committing')
echo "health failed at $t_health s, auto-commit's first run at $t_commit s"
awk -v h="$t_health" -v c="$t_commit" 'BEGIN { exit !(h != "" && c != "" && c + 0 > h + 0) }'
[ -n "$(snapshots)" ]
# auto_rollback_boots is off: the failed check does not reboot (rewind boot-failed says no).
rc=0
rewind boot-failed || rc=$?
[ "$rc" = 3 ]
# The fix; then the documented way to count this boot: the checks run again and pass.
touch /etc/app-ok
systemctl start rewind-boot-good.service
systemctl is-active -q rewind-health.service
systemctl is-active -q boot-complete.target
rewind status | tee "$VMTEST_STATE/status"
grep -q 'Health checks (this boot): passed, 1 check' "$VMTEST_STATE/status"
for i in $(seq 1 60); do
	[ -z "$(snapshots)" ] && break
	sleep 5
done
journalctl -b --no-pager -u rewind-auto-commit.service -u rewind-health.service | tail -n 30
[ -z "$(snapshots)" ]
journalctl -b --no-pager -u rewind-auto-commit.service | grep -q 'Committed transaction hc2 automatically'
grep -qx after /srv/data/marker
