#!/bin/bash
# Nobody at the console. A real kernel upgrade (the newer bookworm ABI, through apt and Debian's
# hooks) and an upgrade that breaks userspace: the new kernel boots, but PID 1 dies. With
# auto_rollback_boots = 2 (recorded at begin, no initramfs rebuild), two boots fail; the loader's
# default pattern keeps picking the upgrade's entry, so the third boot rolls back under the new
# kernel: its initramfs finds no modules for itself in the rolled-back root and reboots into the
# rollback entry before switch-root. Three boots never reach a stage.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
mid=$(cat /etc/machine-id)
uname -r >"$VMTEST_STATE/old"
mkdir -p /etc/rewind
echo 'auto_rollback_boots = 2' >>/etc/rewind/rewind.conf
vmtest_esp_hashes >"$VMTEST_STATE/esp-before"
echo before >/etc/rewind-marker
echo before >/srv/data/marker
rewind begin --name ka / /srv/data

echo after >/etc/rewind-marker
echo after >/srv/data/marker
new=$(vmtest_kernel_upgrade)
[ "$new" != "$(cat "$VMTEST_STATE/old")" ]
echo "$new" >"$VMTEST_STATE/new"
ls -l /boot/efi/loader/entries
ls "/boot/efi/loader/entries/$mid-$new"*.conf
# The upgrade that breaks userspace (as in auto-rollback): PID 1 exits, panic=-1 reboots.
mv /usr/lib/systemd/systemd /usr/lib/systemd/systemd.broken
rm /sbin/init
printf '#!/bin/sh\nexit 1\n' >/sbin/init
chmod +x /sbin/init
sync
vmtest_expect_lost_boots 3
systemctl reboot
