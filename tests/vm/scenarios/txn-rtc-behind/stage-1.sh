#!/bin/bash
# A healthy transaction with auto_rollback_boots = 1, begun with the clock right; the next boot
# starts with the real-time clock an hour behind (stage-2.rtc-offset: a dead CMOS battery, no
# NTP yet). The old rule "begun after this boot started, by the clock" never confirmed that boot,
# and the boot after rolled back a healthy machine. The boot ID tells boots apart instead.
set -euxo pipefail
mkdir -p /etc/rewind
echo 'auto_rollback_boots = 1' >>/etc/rewind/rewind.conf
echo before >/opt/rtc-marker; sync
rewind begin --name r1 /
echo after >/opt/rtc-marker; sync
date -u +%s >"$VMTEST_STATE/begin-clock"
systemctl reboot
