#!/bin/bash
# The ESP changed by the "upgrade" (a new kernel entry and files, the old entry's initrd broken),
# then rollback --reboot. In the real root after the merge, the power is cut as soon as
# rewind-outcome.service starts putting the ESP back (stage-1.cut-when): the next boot must
# finish the restore, from the restore-esp tag on root's origin.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
esp=/boot/efi mid=$(cat /etc/machine-id) kver=$(uname -r) new=6.1.0-99-amd64
entries=$esp/loader/entries
vmtest_esp_hashes >"$VMTEST_STATE/esp-before"
echo before >/etc/rewind-marker
rewind begin --name r1 /
echo after >/etc/rewind-marker
mkdir -p "$esp/$mid/$new"
cp "$esp/$mid/$kver/linux" "$esp/$mid/$new/linux"
head -c 4M /dev/urandom >"$esp/$mid/$new/initrd.img-$new"
sed -e "s/$kver/$new/g" "$entries/$mid-$kver.conf" >"$entries/$mid-$new.conf"
head -c 4M /dev/urandom >"$esp/$mid/$kver/initrd.img-$kver"
sync
rewind rollback --reboot
