#!/bin/bash
# Nobody at the console, and the upgrade breaks the boot before any initramfs runs: the real
# kernel-install puts in a new kernel (the new default) whose initrd is garbage, and the old
# entry's initrd gets clobbered too, so every kernel panics before userspace (panic=-1 reboots).
# The initramfs never gets to count. systemd-boot's counters do: with auto_rollback_boots = 2,
# begin gave every entry "+2" and 91-rewind.install gave the new one "+2" as well; when all are
# used up, systemd-boot falls back to rewind's rollback entry, which rolls root back.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
. "$VMTEST_SCENARIO/esp.sh"
kver=$(uname -r)
mkdir -p /etc/rewind
echo 'auto_rollback_boots = 2' >>/etc/rewind/rewind.conf

# The harness's loader.conf says "default <machine-id>-*": systemd-boot would keep booting a
# failed Debian entry, and begin says so. Commit takes the counters back.
grep -q "^default $mid-\*" "$esp/loader/loader.conf"
esp_hashes >"$VMTEST_STATE/esp-0"
rewind begin --name k0 / 2>&1 | tee "$VMTEST_STATE/begin-k0"
grep -q "would still not boot the rollback entry rewind-k0+3.conf" "$VMTEST_STATE/begin-k0"
[ -f "$entries/$mid-$kver+2.conf" ] && [ ! -e "$entries/$mid-$kver.conf" ]
rewind status | tee "$VMTEST_STATE/status-k0"
grep -q "$mid-$kver+2.conf: 2 tries left" "$VMTEST_STATE/status-k0"
rewind commit
esp_hashes >"$VMTEST_STATE/esp-1"
diff "$VMTEST_STATE/esp-0" "$VMTEST_STATE/esp-1"

# As begin advised: no default line, so systemd-boot boots the first entry with tries left.
sed -i '/^default /d' "$esp/loader/loader.conf"
esp_hashes >"$VMTEST_STATE/esp-before"
echo before >/etc/rewind-marker
rewind begin --name k1 / 2>&1 | tee "$VMTEST_STATE/begin-k1"
! grep -q "would still not boot" "$VMTEST_STATE/begin-k1" || exit 1
[ -f "$entries/$mid-$kver+2.conf" ]

# The upgrade.
echo after >/etc/rewind-marker
head -c 1M /dev/urandom >"/tmp/initrd.img-$new"
kernel-install --verbose add "$new" "/boot/vmlinuz-$kver" "/tmp/initrd.img-$new"
ls -l "$entries"
[ -f "$entries/$mid-$new+2.conf" ]
! grep -q rd.rewind "$entries/$mid-$new+2.conf" || exit 1
grep -qx "$mid-$new" "$esp/rewind/k1/counted"
head -c 1M /dev/urandom >"$esp/$mid/$kver/initrd.img-$kver"
sync

# Two tries of the new entry, two of the old one: four boots die before any initramfs.
vmtest_expect_lost_boots 4
systemctl reboot
