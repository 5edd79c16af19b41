#!/bin/bash
# A real kernel upgrade: apt installs the newer bookworm kernel ABI (a new `uname -r`) through
# Debian's hooks: dracut builds its initramfs, kernel-install puts it on the ESP as the new default.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
mid=$(cat /etc/machine-id)
uname -r >"$VMTEST_STATE/old"
vmtest_esp_hashes >"$VMTEST_STATE/esp-before"
echo before >/etc/rewind-marker
echo before >/srv/data/marker
rewind begin --name km / /srv/data

echo after >/etc/rewind-marker
echo after >/srv/data/marker
new=$(vmtest_kernel_upgrade)
[ "$new" != "$(cat "$VMTEST_STATE/old")" ]
echo "$new" >"$VMTEST_STATE/new"
ls -l /boot/efi/loader/entries "/boot/efi/$mid"
[ -f "/boot/efi/loader/entries/$mid-$new.conf" ]
[ -f "/boot/efi/$mid/$new/linux" ]
# The new kernel's initramfs has the whole rewind module, its kernel check included.
lsinitrd "/boot/efi/$mid/$new/initrd.img-$new" | grep -q rewind-initrd-kernel.service
vmtest_reboot
