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
# The "upgrade" that breaks the boot. The initrd's switch-root re-executes systemd from the new
# root, and falls back to /sbin/init when that is gone: so break both. PID 1 exits, the kernel
# panics (panic=-1 reboots).
mv /usr/lib/systemd/systemd /usr/lib/systemd/systemd.broken
rm /sbin/init
printf '#!/bin/sh\nexit 1\n' >/sbin/init
chmod +x /sbin/init
sync
vmtest_expect_lost_boots 2
systemctl reboot
