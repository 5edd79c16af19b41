#!/bin/bash
# Nobody at the console, and the upgrade leaves a mount in /etc/fstab that fails: every boot ends
# in emergency mode, where an unattended server would wait forever for a root password. With a
# transaction open and auto_rollback_boots = 2, rewind-failed-boot.timer reboots such a boot (its
# grace period shortened here to 20 s), the initramfs counts it, and the third boot rolls back.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
vmtest_auto_rollback_boots 2
mkdir -p /etc/systemd/system/rewind-failed-boot.timer.d
printf '[Timer]\nOnActiveSec=\nOnActiveSec=20s\n' \
	>/etc/systemd/system/rewind-failed-boot.timer.d/vmtest.conf
systemctl daemon-reload
[ -L /etc/systemd/system/emergency.target.wants/rewind-failed-boot.timer ]
# No transaction, nothing to reboot for: exit 3.
rc=0
rewind boot-failed || rc=$?
[ "$rc" = 3 ]
sync

echo before >/etc/rewind-marker
rewind begin --name f1 /
# The boot that began it has not failed: exit 3.
rc=0
rewind boot-failed || rc=$?
[ "$rc" = 3 ]
echo after >/etc/rewind-marker
# The "upgrade": a mount whose device never shows up.
mkdir -p /mnt/upgrade
echo 'LABEL=no-such-label /mnt/upgrade ext4 defaults,x-systemd.device-timeout=5s 0 2' >>/etc/fstab
sync
vmtest_expect_lost_boots 2
systemctl reboot
