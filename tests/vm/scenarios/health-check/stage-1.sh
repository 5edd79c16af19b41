#!/bin/bash
# Nobody at the console, and the upgrade breaks the application: the boot itself comes up, but a
# required health check in /etc/rewind/health.d fails. rewind-health.service fails, so
# boot-complete.target is never reached and the boot is not counted good; its OnFailure= starts
# rewind-failed-boot.timer (grace shortened here to 60 s), which reboots the unconfirmed boot.
# With auto_rollback_boots = 2 the third boot rolls back in the initramfs, taking the check (and
# the broken application) with it.
# The failed boots reach multi-user.target, so they run a stage (stage-2, stage-3: failed-boot.sh)
# that checks the state and then waits for rewind's reboot (a stage ended by a clean reboot
# passes); they are not lost boots.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
vmtest_auto_rollback_boots 2
mkdir -p /etc/systemd/system/rewind-failed-boot.timer.d
printf '[Timer]\nOnActiveSec=\nOnActiveSec=60s\n' \
	>/etc/systemd/system/rewind-failed-boot.timer.d/vmtest.conf
systemctl daemon-reload
[ -L /etc/systemd/system/boot-complete.target.requires/rewind-health.service ]
# Nothing installed: the verb passes.
rewind health-check | tee "$VMTEST_STATE/none"
grep -q 'No health checks installed' "$VMTEST_STATE/none"

echo before >/etc/rewind-marker
rewind begin --name hc1 /
echo after >/etc/rewind-marker
# The "upgrade": the application's check fails; a wanted check fails too (a warning only), a
# file that is not executable and an editor backup are skipped.
mkdir -p /etc/rewind/health.d/required.d /etc/rewind/health.d/wanted.d
cat >/etc/rewind/health.d/required.d/10-app <<'CHECK'
#!/bin/sh
[ -e /etc/app-ok ] && exit 0
echo "vmtest: the application does not answer"
exit 1
CHECK
printf '#!/bin/sh\nexit 0\n' >/etc/rewind/health.d/required.d/20-ok
printf '#!/bin/sh\nexit 1\n' >/etc/rewind/health.d/required.d/20-ok~
printf '#!/bin/sh\nexit 1\n' >/etc/rewind/health.d/required.d/30-not-executable
printf '#!/bin/sh\nexit 3\n' >/etc/rewind/health.d/wanted.d/10-nice-to-have
chmod 755 /etc/rewind/health.d/required.d/10-app /etc/rewind/health.d/required.d/20-ok \
	/etc/rewind/health.d/required.d/20-ok~ /etc/rewind/health.d/wanted.d/10-nice-to-have
# By hand: exit 1, every check's line and the summary.
rc=0
rewind health-check >"$VMTEST_STATE/by-hand" || rc=$?
cat "$VMTEST_STATE/by-hand"
[ "$rc" = 1 ]
grep -q '^required 10-app .*FAILED (exit status 1' "$VMTEST_STATE/by-hand"
grep -q '^wanted   10-nice-to-have .*failed (warning)' "$VMTEST_STATE/by-hand"
! grep -qE '20-ok~|30-not-executable' "$VMTEST_STATE/by-hand" || exit 1
grep -q 'FAILED: 1 of 2 required checks failed or timed out' "$VMTEST_STATE/by-hand"
# The boot that began it is not counted: no reboot for it.
rc=0
rewind boot-failed || rc=$?
[ "$rc" = 3 ]
sync
systemctl reboot
