#!/bin/bash
# dracut module 90rewind: merge armed rewind snapshots back into their origins before the
# root and data volumes are mounted. See rewind-dracut(7).

# Included whenever rewind is installed: a safety net must not depend on host-only detection.
check() {
	require_binaries rewind || return 1
	return 0
}

depends() {
	echo lvm dm
	return 0
}

# dm_thin_pool and the thin tools (LVM runs thin_check when it activates a pool): a data volume on
# a thin pool is merged here too, and the lvm module includes them for root's devices only.
installkernel() {
	hostonly='' instmods dm_mod dm_snapshot dm_bufio dm_thin_pool
}

install() {
	inst_binary "$(command -v rewind)" /usr/sbin/rewind
	inst_multiple -o thin_check thin_dump thin_repair thin_restore
	# auto_rollback_boots is read by the boot stage; rebuild the initramfs after changing it.
	[[ -f /etc/rewind/rewind.conf ]] && inst_simple /etc/rewind/rewind.conf
	if dracut_module_included "systemd"; then
		inst_simple "$moddir/rewind-initrd.service" "$systemdsystemunitdir/rewind-initrd.service"
		inst_simple "$moddir/rewind-initrd-kernel.service" \
			"$systemdsystemunitdir/rewind-initrd-kernel.service"
		$SYSTEMCTL -q --root "$initdir" add-wants initrd.target rewind-initrd.service
		$SYSTEMCTL -q --root "$initdir" add-wants initrd.target rewind-initrd-kernel.service
	else
		inst_hook pre-mount 10 "$moddir/rewind-pre-mount.sh"
		inst_hook pre-pivot 60 "$moddir/rewind-pre-pivot.sh" # after usrmount (50)
	fi
}
