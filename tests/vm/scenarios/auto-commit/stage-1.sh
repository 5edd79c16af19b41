#!/bin/bash
# A healthy upgrade: once the transaction is older than auto_commit_after and a boot reached
# boot-complete.target, rewind-auto-commit.timer commits it by itself. The test shortens the
# grace period and the timer's first run. (An empty OnXxx= resets every trigger, so reset once.)
set -euxo pipefail
mkdir -p /etc/rewind /etc/systemd/system/rewind-auto-commit.timer.d
echo 'auto_commit_after = 30s' >>/etc/rewind/rewind.conf
printf '[Timer]\nOnBootSec=\nOnBootSec=20s\nOnUnitActiveSec=20s\n' \
	>/etc/systemd/system/rewind-auto-commit.timer.d/test.conf
rewind begin --name c2 /srv/data
echo after >/srv/data/marker
sync
systemctl reboot
