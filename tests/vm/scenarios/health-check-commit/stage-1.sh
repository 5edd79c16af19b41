#!/bin/bash
# Health checks and automatic commit (auto_rollback_boots off): the upgrade's application check
# fails at the next boot, so that boot is not good and rewind auto-commit does not commit; once
# the application is fixed, starting rewind-boot-good.service runs the checks again, they pass,
# the boot counts good and rewind-auto-commit.timer commits. The test shortens the grace period
# and the timer (an empty OnXxx= resets every trigger, so reset once).
set -euxo pipefail
mkdir -p /etc/rewind /etc/systemd/system/rewind-auto-commit.timer.d
echo 'auto_commit_after = 30s' >>/etc/rewind/rewind.conf
printf '[Timer]\nOnBootSec=\nOnBootSec=20s\nOnUnitActiveSec=20s\n' \
	>/etc/systemd/system/rewind-auto-commit.timer.d/test.conf
rewind begin --name hc2 /srv/data
echo after >/srv/data/marker
mkdir -p /etc/rewind/health.d/required.d
cat >/etc/rewind/health.d/required.d/10-app <<'CHECK'
#!/bin/sh
# Takes a while, as a real one that waits for a service: auto-commit waits for it too.
sleep 30
[ -e /etc/app-ok ] && exit 0
echo "vmtest: the application does not answer"
exit 1
CHECK
chmod 755 /etc/rewind/health.d/required.d/10-app
sync
systemctl reboot
