#!/bin/bash
# Nobody at the console. A real kernel upgrade (the newer bookworm ABI, through apt and Debian's
# hooks) and an upgrade that breaks userspace: the new kernel boots, but PID 1 dies. With
# auto_rollback_boots = 2 (recorded at begin, no initramfs rebuild), begin gave every entry two
# tries and the plugin gave the new one two: two boots of the new kernel fail (measured: systemd-boot
# then falls back to the old kernel's entry, whose tries are left, although the loader.conf default
# pattern matches both), and the third boot's initramfs rolls root and data back.
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
vmtest_expect_lost_boots 2
systemctl reboot
