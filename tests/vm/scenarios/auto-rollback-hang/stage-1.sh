#!/bin/bash
# Nobody at the console, and the upgrade leaves a service whose start never ends: multi-user.target
# waits for it forever, no emergency mode, no timeout, the boot just hangs. With auto_rollback_boots
# = 1, rewind-boot-deadline.timer (its 15 min shortened here to 150 s) reboots the unconfirmed
# boot, which then counts as failed, and the next boot rolls back.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
vmtest_auto_rollback_boots 1
mkdir -p /etc/systemd/system/rewind-boot-deadline.timer.d
printf '[Timer]\nOnBootSec=\nOnBootSec=150s\n' \
	>/etc/systemd/system/rewind-boot-deadline.timer.d/vmtest.conf
[ -L /etc/systemd/system/sysinit.target.wants/rewind-boot-deadline.timer ]
systemctl is-active rewind-boot-deadline.timer
sync

echo before >/etc/rewind-marker
rewind begin --name h1 /
echo after >/etc/rewind-marker
# The "upgrade".
cat >/etc/systemd/system/upgrade-hang.service <<'UNIT'
[Unit]
Description=A service from the upgrade whose start never ends
Before=multi-user.target
[Service]
Type=oneshot
ExecStart=/bin/sleep infinity
TimeoutStartSec=infinity
[Install]
WantedBy=multi-user.target
UNIT
systemctl enable upgrade-hang.service
sync
vmtest_expect_lost_boots 1
systemctl reboot
