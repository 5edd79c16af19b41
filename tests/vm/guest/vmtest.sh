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

# vmtest_upgrade_kernel_in TXID: the first stage of the kernel-upgrade scenarios. The ESP's hashes
# and the running kernel are kept in $VMTEST_STATE (esp-before, old); markers on root and data;
# `rewind begin --name TXID / /srv/data`; then a real kernel upgrade (new: its version). Checks
# that kernel-install put it on the ESP with an initramfs that has the rewind module.
vmtest_upgrade_kernel_in() {
	local mid new
	mid=$(cat /etc/machine-id)
	uname -r >"$VMTEST_STATE/old"
	vmtest_esp_hashes >"$VMTEST_STATE/esp-before"
	echo before >/etc/rewind-marker
	echo before >/srv/data/marker
	rewind begin --name "$1" / /srv/data
	echo after >/etc/rewind-marker
	echo after >/srv/data/marker
	new=$(vmtest_kernel_upgrade)
	[ "$new" != "$(cat "$VMTEST_STATE/old")" ] || vmtest_fail "the upgrade installed no new kernel"
	echo "$new" >"$VMTEST_STATE/new"
	ls -l /boot/efi/loader/entries "/boot/efi/$mid"
	compgen -G "/boot/efi/loader/entries/$mid-$new[+.]*conf" || vmtest_fail "no entry for $new"
	[ -f "/boot/efi/$mid/$new/linux" ] || vmtest_fail "no kernel $new on the ESP"
	# The new kernel's initramfs has the whole rewind module, its kernel check included.
	# (whole listing first: grep -q would close the pipe early, and pipefail report lsinitrd's EPIPE)
	lsinitrd "/boot/efi/$mid/$new/initrd.img-$new" >"$VMTEST_STATE/lsinitrd-$new"
	grep -q rewind-initrd-kernel.service "$VMTEST_STATE/lsinitrd-$new" ||
		vmtest_fail "the initramfs of $new lacks rewind-initrd-kernel.service"
}

# vmtest_kernel_rolled_back: after vmtest_upgrade_kernel_in and a rollback, on the boot that
# followed it: the kernel of before the upgrade, root and data rolled back, the ESP mounted and as
# before begin (hashes), modules loading, no emergency mode, no one-shot, no snapshot left.
vmtest_kernel_rolled_back() {
	local old new mid
	old=$(cat "$VMTEST_STATE/old") new=$(cat "$VMTEST_STATE/new") mid=$(cat /etc/machine-id)
	vmtest_boot_complete
	cat /proc/cmdline
	[ "$(uname -r)" = "$old" ] || vmtest_fail "kernel $(uname -r), not $old"
	grep -qx before /etc/rewind-marker || vmtest_fail "root not rolled back"
	grep -qx before /srv/data/marker || vmtest_fail "data not rolled back"
	[ ! -e "/lib/modules/$new" ] || vmtest_fail "the rolled-back root has /lib/modules/$new"
	findmnt /boot/efi || vmtest_fail "/boot/efi is not mounted"
	modprobe isofs && lsmod | grep -q '^isofs ' || vmtest_fail "modules do not load"
	vmtest_no_emergency
	journalctl -b -u rewind-outcome.service --no-pager
	vmtest_esp_hashes >"$VMTEST_STATE/esp-after"
	diff "$VMTEST_STATE/esp-before" "$VMTEST_STATE/esp-after" || vmtest_fail "the ESP is not as before begin"
	[ ! -e "/boot/efi/$mid/$new" ] || vmtest_fail "the upgrade's kernel is still on the ESP"
	[ -z "$(vmtest_oneshot)" ] || vmtest_fail "a one-shot is left: $(vmtest_oneshot)"
	rewind status
	rewind merge-wait || vmtest_fail "the background merges did not finish"
	[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind')" ] || vmtest_fail "snapshots left"
}

# vmtest_kernel_default: the default entry boots the old kernel again, without rd.rewind options.
vmtest_kernel_default() {
	! grep -q 'rd.rewind' /proc/cmdline || vmtest_fail "rd.rewind options on the default entry"
	[ "$(uname -r)" = "$(cat "$VMTEST_STATE/old")" ] || vmtest_fail "not the old kernel"
	grep -qx before /etc/rewind-marker || vmtest_fail "root changed"
	findmnt /boot/efi || vmtest_fail "/boot/efi is not mounted"
	vmtest_no_emergency
}

# vmtest_esp_upgrade NEW [BREAK_OLD] [SIZE]: an "upgrade" on the ESP without a real kernel: a new
# entry for version NEW (the running kernel's copy, an initrd of SIZE random bytes, default 1M);
# with BREAK_OLD = yes the running kernel's initrd is overwritten with garbage too.
vmtest_esp_upgrade() {
	local new=$1 break_old=${2:-no} size=${3:-1M} esp=/boot/efi mid kver
	mid=$(cat /etc/machine-id) kver=$(uname -r)
	mkdir -p "$esp/$mid/$new"
	cp "$esp/$mid/$kver/linux" "$esp/$mid/$new/linux"
	head -c "$size" /dev/urandom >"$esp/$mid/$new/initrd.img-$new"
	sed -e "s/$kver/$new/g" "$esp/loader/entries/$mid-$kver.conf" >"$esp/loader/entries/$mid-$new.conf"
	[ "$break_old" != yes ] || head -c "$size" /dev/urandom >"$esp/$mid/$kver/initrd.img-$kver"
	sync
}

# vmtest_break_init: an upgrade that breaks userspace. switch-root re-executes systemd from the
# new root and falls back to /sbin/init when that is gone: both are broken, PID 1 exits and the
# kernel panics (panic=-1 reboots).
vmtest_break_init() {
	mv /usr/lib/systemd/systemd /usr/lib/systemd/systemd.broken
	rm /sbin/init
	printf '#!/bin/sh\nexit 1\n' >/sbin/init
	chmod +x /sbin/init
	sync
}
