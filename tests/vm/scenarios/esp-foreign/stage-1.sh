#!/bin/bash
# The ESP is shared: another OS's loader and the firmware's capsules live there too. rewind owns
# only the boot entries, loader.conf, the kernels and initrds they load and its own directory:
# a rollback puts those back and leaves every other file as it is at the rollback, whether it was
# there before begin, added after it, or changed after it.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
esp=/boot/efi new=6.1.0-99-amd64
mkdir -p "$esp/EFI/other" "$esp/EFI/UpdateCapsule"
head -c 300K /dev/urandom >"$esp/EFI/other/grubx64.efi"
printf 'menuentry other {}\n' >"$esp/EFI/other/grub.cfg"
head -c 64K /dev/urandom >"$esp/EFI/UpdateCapsule/fw-1.cap"
vmtest_esp_hashes | grep -v -e ' \./EFI/other' -e ' \./EFI/UpdateCapsule' >"$VMTEST_STATE/owned-before"
rewind begin --name f1 /

# After begin: the firmware stages another capsule, the other OS updates its loader and adds a
# tree; the upgrade adds a kernel entry and breaks the old entry's initrd.
head -c 64K /dev/urandom >"$esp/EFI/UpdateCapsule/fw-2.cap"
head -c 300K /dev/urandom >"$esp/EFI/other/grubx64.efi"
mkdir -p "$esp/EFI/other2"
echo other2 >"$esp/EFI/other2/boot.efi"
(cd "$esp" && sha256sum EFI/other/grubx64.efi EFI/other/grub.cfg EFI/UpdateCapsule/fw-1.cap \
	EFI/UpdateCapsule/fw-2.cap EFI/other2/boot.efi) >"$VMTEST_STATE/foreign"
vmtest_esp_upgrade "$new" yes
rewind rollback --reboot
