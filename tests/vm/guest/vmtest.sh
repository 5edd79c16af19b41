# Helpers for scenario stages: `. /usr/local/lib/vmtest/vmtest.sh` in a stage-N.sh.

# vmtest_fail MSG: print MSG and exit 1.
vmtest_fail() { echo "FAIL: $*" >&2; exit 1; }

# vmtest_assert CMD...: run CMD, fail the stage with its text if it fails.
vmtest_assert() { "$@" || vmtest_fail "assertion failed: $*"; }

# vmtest_reboot: end this stage by rebooting the guest; the harness boots the next stage.
vmtest_reboot() { sync; systemctl reboot; sleep infinity; }

# vmtest_expect_lost_boots K: tell the harness that the next K boots will not reach a stage
# (e.g. boots that fail on purpose before an automatic rollback). Say it before rebooting.
# It is a line on the stage's stdout (the results port, which only one process can open).
vmtest_expect_lost_boots() { printf '\n@@VMTEST LOST-BOOTS %d\n' "$1"; }

# vmtest_auto_rollback_boots N: set auto_rollback_boots = N in rewind.conf, and rebuild the
# initramfs that systemd-boot loads, because the initramfs stage reads rewind.conf from it.
vmtest_auto_rollback_boots() {
	local kver
	kver=$(uname -r)
	mkdir -p /etc/rewind
	echo "auto_rollback_boots = $1" >>/etc/rewind/rewind.conf
	dracut -f "/boot/initrd.img-$kver" "$kver"
	lsinitrd "/boot/initrd.img-$kver" | grep "etc/rewind/rewind.conf" >/dev/null
	cp "/boot/initrd.img-$kver" "/boot/efi/$(cat /etc/machine-id)/$kver/initrd.img-$kver"
	sync
}

# vmtest_host_clock: the host's clock (seconds since the epoch) when QEMU started this boot; the
# guest's own clock may differ on purpose (rtc-offset). From an SMBIOS OEM string.
vmtest_host_clock() {
	grep -ao 'vmtest\.host-clock=[0-9]*' /sys/firmware/dmi/tables/DMI | head -n 1 | cut -d= -f2
}

# vmtest_kernel_upgrade: a real kernel upgrade, offline: apt installs the linux-image-amd64
# metapackage, which pulls the newer bookworm kernel ABI, from the image's local repository
# (tests/vm/lib/base.sh), through Debian's own hooks (dracut, kernel-install, rewind's plugin).
# Prints the new kernel's version.
vmtest_kernel_upgrade() {
	apt-get -q update >&2
	DEBIAN_FRONTEND=noninteractive apt-get -q -y install linux-image-amd64 >&2
	ls /lib/modules | sort -V | tail -n 1
}

# vmtest_esp_hashes: the sha256 of every file on the ESP, rewind's own directory and
# systemd-boot's random seed left out (they change at every boot).
vmtest_esp_hashes() {
	(cd /boot/efi && find . -type f ! -path './rewind/*' ! -iname random-seed -print0 |
		sort -z | xargs -0 sha256sum)
}

# vmtest_efivar NAME: systemd-boot's EFI variable NAME (a UTF-16 string), or nothing.
vmtest_efivar() {
	local v=/sys/firmware/efi/efivars/$1-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f
	# efivarfs files cannot seek: read the whole file, then drop the 4 attribute bytes
	[ -e "$v" ] || return 0
	cat "$v" | tail -c +5 | iconv -f UTF-16LE -t UTF-8 | tr -d '\0'
}

# vmtest_oneshot: LoaderEntryOneShot, what systemd-boot boots next (nothing when none).
vmtest_oneshot() { vmtest_efivar LoaderEntryOneShot; }

# vmtest_no_emergency: this boot never entered emergency or rescue mode.
vmtest_no_emergency() {
	local t
	for t in emergency.target rescue.target; do
		[ "$(systemctl show -P ActiveEnterTimestampMonotonic "$t")" = 0 ] ||
			vmtest_fail "this boot entered $t"
	done
}

# vmtest_boot_complete: wait until rewind-boot-good.service ran (after boot-complete.target and
# systemd-bless-boot.service): what rewind leaves for after the boot is counted is done then
# (the rollback entry a restore kept for systemd-bless-boot is gone). systemd-bless-boot must not
# have failed.
vmtest_boot_complete() {
	local i
	for i in $(seq 1 150); do
		systemctl is-active -q rewind-boot-good.service && break
		sleep 2
	done
	systemctl is-active -q rewind-boot-good.service || vmtest_fail "rewind-boot-good.service did not run"
	! systemctl is-failed -q systemd-bless-boot.service || vmtest_fail "systemd-bless-boot.service failed"
}
