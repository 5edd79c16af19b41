#!/bin/bash
# Nobody at the console: an upgrade breaks /sbin/init, so every boot dies right after the
# initramfs. With auto_rollback_boots = 2 the initramfs counts the boots that never reached
# boot-complete.target and, at the third, rolls root back by itself.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
vmtest_auto_rollback_boots 2

echo before >/etc/rewind-marker
rewind begin --name a1 /
echo after >/etc/rewind-marker
# The "upgrade" that breaks the boot: PID 1 exits, the kernel panics (panic=-1 reboots).
vmtest_break_init
vmtest_expect_lost_boots 2
systemctl reboot
