# shellcheck shell=bash
# The system disk: the cached OS tree + the project's Debian package (installed with dpkg -i, so
# the package is what is tested) + the guest harness files,
# with a fresh initramfs, as a raw GPT disk: p1 ESP (systemd-boot, BLS entry), p2 PV vg0 (vg0/root).
# Cached in $BASE_DIR/sys-<key>/sys.img, key = hash of the layer tree (which holds the guest files
# and config) and of the functions that assemble the disk.

SYS_DISK_MB=4096
ROOT_LV_MB=2560
ESP_START_S=2048                 # 1 MiB
ESP_END_S=526335                 # 256 MiB ESP
PV_START_S=526336
PV_END_S=8386559                 # 4 GiB disk, aligned, before the backup GPT

# build_layer DIR: the project's .deb (tools/deb, no tests) and the harness's guest files in DIR;
# assemble_sys installs the package in the guest tree.
build_layer() {
	local l=$1 log=$2 g=$VM_DIR/guest u b deb
	b=$(mktemp -d /var/tmp/rewind-vm-deb.XXXXXX)
	info "the Debian package (tools/deb, without its tests)"
	deb=$(cd "$REPO_TOP" && B=$b REWIND_DEB_BUILD_ONLY=1 tools/deb 2>"$log" | tail -n 1)
	if [ -z "$deb" ] || [ ! -f "$deb" ]; then
		cat "$log" "$b/deb/build.log" 2>/dev/null | tail -n 40 >&2
		die "building the package failed (log: $log)"
	fi
	install -Dm644 "$deb" "$l/var/cache/vmtest/rewind.deb"
	rm -rf "$b"
	install -Dm755 "$g/vmtest-stage" "$l/usr/local/lib/vmtest/vmtest-stage"
	install -Dm644 "$g/vmtest.sh" "$l/usr/local/lib/vmtest/vmtest.sh"
	install -Dm644 "$g/vmtest-stage.service" "$l/etc/systemd/system/vmtest-stage.service"
	install -Dm755 "$g/vmtest-generator" "$l/etc/systemd/system-generators/vmtest-generator"
	mkdir -p "$l/etc/systemd/system/multi-user.target.wants" "$l/etc/kernel" "$l/srv/data" \
		"$l/boot/efi" "$l/etc/dracut.conf.d"
	ln -sf ../vmtest-stage.service "$l/etc/systemd/system/multi-user.target.wants/"
	for u in serial-getty@ttyS0.service dracut-shutdown.service e2scrub_reap.service \
		e2scrub_all.timer fstrim.timer apt-daily.timer apt-daily-upgrade.timer; do
		ln -sf /dev/null "$l/etc/systemd/system/$u"
	done
	# TCG is slow, slower still when runs share the host: give units 5 min, not 90 s (and
	# the fstab devices their own 5 min: udev's coldplug can take more than 90 s under load)
	install -Dm644 /dev/stdin "$l/etc/systemd/system.conf.d/vmtest.conf" <<-EOT
	[Manager]
	DefaultTimeoutStartSec=300s
	EOT
	echo "$GUEST_MACHINE_ID" >"$l/etc/machine-id"
	echo "$GUEST_MACHINE_ID" >"$l/etc/kernel/entry-token"
	echo vmtest >"$l/etc/hostname"
	echo "$GUEST_CMDLINE" >"$l/etc/kernel/cmdline"
	echo "layout=bls" >"$l/etc/kernel/install.conf"
	cat >"$l/etc/fstab" <<-EOT
	/dev/mapper/vg0-root  /          ext4  errors=remount-ro  0 1
	UUID=$ESP_UUID        /boot/efi  vfat  umask=0077,x-systemd.device-timeout=300s  0 1
	/dev/vg1/data         /srv/data  ext4  defaults,x-systemd.device-timeout=300s  0 2
	EOT
	# image/dracut.conf is baked into the cached base; here it gets slim: only these drivers
	{ cat "$VM_DIR/image/dracut.conf"; echo 'compress="zstd"'
	  echo 'drivers=" virtio_pci virtio_blk virtio_scsi virtio_console sd_mod ext4 dm_mod dm_snapshot dm_bufio dm_thin_pool vfat "'
	  echo 'add_dracutmodules+=" rewind "'
	} >"$l/etc/dracut.conf.d/50-vmtest.conf"
}

# make_esp IMG ROOT: a FAT ESP laid out as bootctl install + kernel-install (layout=bls) would.
make_esp() {
	local img=$1 root=$2 mid=$GUEST_MACHINE_ID e
	mkfs.vfat -F 32 -n ESP -i "$ESP_VOLID" -C "$img" $(((ESP_END_S - ESP_START_S + 1) / 2)) >/dev/null ||
		die "mkfs.vfat"
	e=$(mktemp -d)
	printf 'timeout 0\ndefault %s-*\neditor no\n' "$mid" >"$e/loader.conf"
	printf 'type1\n' >"$e/entries.srel"
	cat >"$e/entry.conf" <<-EOT
	title      Debian GNU/Linux 12 (bookworm)
	version    $KVER
	machine-id $mid
	sort-key   debian
	options    $GUEST_CMDLINE
	linux      /$mid/$KVER/linux
	initrd     /$mid/$KVER/initrd.img-$KVER
	EOT
	mmd -i "$img" ::/EFI ::/EFI/BOOT ::/EFI/systemd ::/EFI/Linux ::/loader ::/loader/entries \
		"::/$mid" "::/$mid/$KVER" &&
	mcopy -i "$img" "$SDBOOT_EFI" ::/EFI/BOOT/BOOTX64.EFI &&
	mcopy -i "$img" "$SDBOOT_EFI" ::/EFI/systemd/systemd-bootx64.efi &&
	mcopy -i "$img" "$e/loader.conf" "$e/entries.srel" ::/loader/ &&
	mcopy -i "$img" "$e/entry.conf" "::/loader/entries/$mid-$KVER.conf" &&
	mcopy -i "$img" "$root/boot/vmlinuz-$KVER" "::/$mid/$KVER/linux" &&
	mcopy -i "$img" "$root/boot/initrd.img-$KVER" "::/$mid/$KVER/initrd.img-$KVER" || die "mtools"
	rm -rf "$e"
}

# chroot_run ROOT CMD...: run CMD in ROOT with /proc, /sys, /dev bound.
chroot_run() {
	local r=$1 rc; shift
	mount -t proc proc "$r/proc" && mount --rbind /sys "$r/sys" && mount --rbind /dev "$r/dev" ||
		die "chroot mounts"
	chroot "$r" "$@"; rc=$?
	umount -R "$r/dev"; umount -R "$r/sys"; umount "$r/proc"
	return $rc
}

# assemble_sys OUTDIR LAYER LOGDIR: overlay tree+layer, dracut, root ext4, ESP, GPT+LVM disk.
assemble_sys() {
	local out=$1 layer=$2 log=$3 w m
	w=$(mktemp -d /var/tmp/rewind-vm-build.XXXXXX); m=$w/merged
	mkdir -p "$w/upper" "$w/work" "$m"
	mount -t overlay overlay -o "lowerdir=$BASE_DIR/tree,upperdir=$w/upper,workdir=$w/work" "$m" ||
		die "overlay mount"
	cp -a "$layer/." "$m/" || { umount "$m"; die "copy layer"; }
	info "dpkg -i rewind.deb in the guest tree"
	if ! chroot_run "$m" env REWIND_NO_INITRAMFS=1 dpkg -i /var/cache/vmtest/rewind.deb \
		>"$log/dpkg.log" 2>&1; then
		umount "$m"; tail -20 "$log/dpkg.log" >&2; die "dpkg -i failed (log: $log/dpkg.log)"
	fi
	info "dracut (kernel $KVER) in the guest tree"
	if ! chroot_run "$m" dracut -f --kver "$KVER" "/boot/initrd.img-$KVER" >"$log/dracut.log" 2>&1; then
		umount "$m"; tail -20 "$log/dracut.log" >&2; die "dracut failed (log: $log/dracut.log)"
	fi
	info "root ext4 + ESP + disk"
	mkfs.ext4 -q -F -L root -d "$m" "$w/root.fs" "${ROOT_LV_MB}M" >/dev/null || { umount "$m"; die "mkfs.ext4 -d"; }
	make_esp "$w/esp.fs" "$m"
	umount "$m"
	truncate -s "${SYS_DISK_MB}M" "$w/sys.img"
	sgdisk -n "1:$ESP_START_S:$ESP_END_S" -t 1:ef00 -c 1:ESP \
		-n "2:$PV_START_S:$PV_END_S" -t 2:8e00 -c 2:lvm "$w/sys.img" >/dev/null || die "sgdisk"
	sgdisk -p "$w/sys.img" | grep -q ' ESP$' || die "no GPT on the system disk"
	dd if="$w/esp.fs" of="$w/sys.img" bs=4M oflag=seek_bytes seek=$((ESP_START_S * 512)) \
		conv=notrunc,sparse status=none || die "dd esp"
	make_lvm_disk "$w/sys.img" $((PV_START_S * 512)) $(((PV_END_S - PV_START_S + 1) * 512)) \
		vg0 root "$ROOT_LV_MB" "$w/root.fs"
	mkdir -p "$out"; mv "$w/sys.img" "$out/sys.img"
	rm -rf "$w"
}

# ensure_system: sets SYS_IMG (cached per layer content).
ensure_system() {
	local layer log key dir t0
	t0=$(now_ms)
	layer=$(mktemp -d /var/tmp/rewind-vm-layer.XXXXXX)
	log=$(mktemp -d /var/tmp/rewind-vm-buildlog.XXXXXX)
	build_layer "$layer" "$log/deb.log"
	key=$(hash_tree "$layer")-$({ declare -f make_esp assemble_sys chroot_run make_lvm_disk
		echo "$SYS_DISK_MB $ROOT_LV_MB $ESP_END_S $PV_END_S $GUEST_CMDLINE $GUEST_MACHINE_ID $ESP_VOLID"
	} | sha256sum | cut -c1-16)
	dir=$BASE_DIR/sys-$key
	if [ ! -e "$dir/sys.img" ] || [ -n "${OPT_REBUILD:-}" ]; then
		rm -rf "$dir"
		assemble_sys "$dir" "$layer" "$log"
		info "system image built in $(secs "$t0") s: $dir"
		# Prune: keep the 3 newest system images of this base, and any used in the last 3 hours
		# (concurrent runs use them as qcow2 backing files).
		ls -dt "$BASE_DIR"/sys-* 2>/dev/null | tail -n +4 |
			while read -r old; do [ -n "$(find "$old" -maxdepth 0 -mmin +180)" ] && rm -rf "$old"; done
	else
		touch "$dir"
		info "system image cached: $dir"
	fi
	rm -rf "$layer" "$log"
	SYS_IMG=$dir/sys.img
}
