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
