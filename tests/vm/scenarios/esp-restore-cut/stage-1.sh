#!/bin/bash
# Root and data, the ESP changed by the "upgrade" (a new kernel entry and files, the old entry's
# initrd broken), then rollback --reboot. At the rollback boot the power is cut in the initramfs
# after root's merge started, before data's (stage-1.cut-when): the ESP was not restored yet. The
# next boot must start data's merge, resume root's and put the ESP back.
set -euxo pipefail
. "$VMTEST_SCENARIO/esp.sh"
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
kver=$(uname -r)
mkdir -p /opt/txn && seq 1 1000 >/opt/txn/a
mkdir -p /srv/data/tree && seq 1 2000 >/srv/data/tree/a
sync
sum /opt/txn >"$VMTEST_STATE/root-before"; sum /srv/data >"$VMTEST_STATE/data-before"
esp_hashes >"$VMTEST_STATE/esp-before"
rewind begin --name x1 / /srv/data
# The "upgrade".
echo changed >/opt/txn/a; echo changed >/srv/data/tree/a
# Enough copied-on-write data that the data merge takes a while.
dd if=/dev/urandom of=/srv/data/blob bs=1M count=90 status=none
mkdir -p "$esp/$mid/$new"
cp "$esp/$mid/$kver/linux" "$esp/$mid/$new/linux"
head -c 1M /dev/urandom >"$esp/$mid/$new/initrd.img-$new"
sed -e "s/$kver/$new/g" "$entries/$mid-$kver.conf" >"$entries/$mid-$new.conf"
head -c 1M /dev/urandom >"$esp/$mid/$kver/initrd.img-$kver"
sync
rewind rollback --reboot
