# rebuild_initramfs: rebuild the initramfs of every installed kernel the way Debian does when a
# kernel package is configured, so that the next boot loads one with (postinst) or without
# (postrm remove) the dracut module 90rewind:
#  - /boot/initrd.img-KVER with dracut, as dracut's /etc/kernel/postinst.d/dracut does: the file
#    GRUB loads, and the one kernel-install copies;
#  - with systemd-boot (bootctl is-installed, the test of systemd-boot's own kernel hook
#    zz-systemd-boot), "kernel-install add KVER /boot/vmlinuz-KVER": on Debian 12 its
#    85-initrd.install copies /boot/initrd.img-KVER to the entry's directory on the ESP, where
#    kernel-install's layout says (it builds no initramfs itself). "dracut --regenerate-all" is
#    not used: with a BLS layout it writes ESP/MACHINE-ID/KVER/initrd, which the entries
#    written by kernel-install on Debian 12 (initrd.img-KVER) do not load.
# Only when the dracut package builds this system's initramfs: never replace the initramfs of
# another generator (initramfs-tools). A failure is a warning that names the commands to run, not
# a failed configuration: rewind itself refuses what needs the module ("rewind check", a
# rollback of root: exit 7), and an unconfigured package would fail every apt run after it.
# REWIND_NO_INITRAMFS=1 skips it (image builders that run dracut themselves).
dracut_generates() {
	case "$(dpkg-query -W -f='${db:Status-Want} ${db:Status-Status}' dracut 2>/dev/null)" in
	"install installed" | "install unpacked" | "install half-configured" | \
		"install triggers-awaited" | "install triggers-pending" | "hold installed")
		return 0 ;;
	esac
	return 1
}

# After a rebuild on the machine itself (its running kernel is one of /boot's, so not a chroot):
# ask "rewind check" whether the initramfs the next boot loads (the entry systemd-boot picks, or
# /boot/initrd.img of the running kernel) has rewind now. Exit 7 is exactly "it lacks the
# module"; its other findings (space, the ESP) are not this script's business.
verify_initramfs() {
	_out= _rc=0
	[ -f "/boot/vmlinuz-$(uname -r)" ] || return 0
	command -v rewind >/dev/null 2>&1 || return 0
	_out=$(rewind check 2>&1) || _rc=$?
	[ "$_rc" -eq 7 ] || return 0
	echo "rewind: warning: the initramfs the next boot loads still lacks rewind ('rewind check'):" >&2
	printf '%s\n' "$_out" | grep -E 'initramfs|dracut|rebuild|kernel-install' | sed 's/^/rewind:   /' >&2
	return 0
}

rebuild_initramfs() {
	_why=$1 _failed= _esp= _kimg= _kver=
	if [ "${REWIND_NO_INITRAMFS:-}" = 1 ]; then
		echo "rewind: REWIND_NO_INITRAMFS=1: not rebuilding the initramfs ($_why)"
		return 0
	fi
	for _kimg in /boot/vmlinuz-*; do
		[ -f "$_kimg" ] && break
	done
	[ -f "$_kimg" ] || return 0 # no kernel here (a container, a chroot without one)
	if ! dracut_generates; then
		[ "$_why" = remove ] && return 0
		echo "rewind: warning: the dracut package is not installed, so this system's initramfs lacks" >&2
		echo "rewind: the module 90rewind: rewind can roll back data volumes, not root." >&2
		echo "rewind: To roll back root too: apt install dracut" >&2
		return 0
	fi
	if command -v bootctl >/dev/null 2>&1 && bootctl is-installed --quiet 2>/dev/null &&
		command -v kernel-install >/dev/null 2>&1; then
		_esp=1
	fi
	for _kimg in /boot/vmlinuz-*; do
		[ -f "$_kimg" ] || continue
		_kver=${_kimg#/boot/vmlinuz-}
		echo "rewind: rebuilding /boot/initrd.img-$_kver with dracut ($_why)"
		if ! dracut -q --force "/boot/initrd.img-$_kver" "$_kver"; then
			_failed="$_failed
  dracut --force /boot/initrd.img-$_kver $_kver"
			[ -n "$_esp" ] && _failed="$_failed
  kernel-install add $_kver $_kimg"
			continue
		fi
		[ -n "$_esp" ] || continue
		echo "rewind: kernel-install add $_kver $_kimg (systemd-boot: the ESP's copy)"
		kernel-install add "$_kver" "$_kimg" || _failed="$_failed
  kernel-install add $_kver $_kimg"
	done
	if [ -z "$_failed" ]; then
		[ "$_why" != remove ] && verify_initramfs
		return 0
	fi
	echo "rewind: warning: the initramfs could not be rebuilt; the next boot may load one" >&2
	if [ "$_why" = remove ]; then
		echo "rewind: that still has rewind's module (harmless without a transaction). Run:$_failed" >&2
	else
		echo "rewind: without rewind's module, and root cannot be rolled back until you run:$_failed" >&2
		echo "rewind: then 'rewind check' says whether the next boot's initramfs has rewind." >&2
	fi
	return 0
}
