# shellcheck shell=bash
# The cached OS base: a Debian tree from mmdebstrap and the data disk (vg1/data).
# Key: hash of image/packages.list, image/dracut.conf and the functions that build the tree and the
# data disk (so cosmetic edits elsewhere in this file keep the cache). Result in $BASE_DIR:
#   tree/      the OS tree (root-owned, never modified after the build)
#   data.img   raw whole-disk PV: VG vg1, LV vg1/data (512 MiB, empty ext4), free space left
#   kver       the guest kernel version

DATA_DISK_MB=1024
DATA_LV_MB=512
MIRROR=${REWIND_VM_MIRROR:-http://deb.debian.org/debian}

base_key() {
	{ hash_files "$VM_DIR/image/packages.list" "$VM_DIR/image/dracut.conf"
	  declare -f build_base_tree make_data_disk make_lvm_disk lv_offset
	  echo "$MIRROR $DATA_DISK_MB $DATA_LV_MB"; } | sha256sum | cut -c1-16
}

# lv_offset DEV VG LV: byte offset of the LV's first extent inside DEV (one linear segment).
lv_offset() {
	local dev=$1 vg=$2 lv=$3 pe_start extent range first
	pe_start=$(lvm_host "$dev" pvs --noheadings --units b --nosuffix -o pe_start "$dev" | tr -d ' ')
	extent=$(lvm_host "$dev" vgs --noheadings --units b --nosuffix -o vg_extent_size "$vg" | tr -d ' ')
	range=$(lvm_host "$dev" lvs --noheadings -o seg_pe_ranges "$vg/$lv" | tr -d ' ')
	first=${range#*:}; first=${first%-*}
	echo $((pe_start + first * extent))
}

# make_lvm_disk IMG PART_OFFSET PART_SIZE VG LV LV_MB FSIMG: write PV/VG/LV metadata into IMG at the
# given byte range (no device-mapper needed) and copy the filesystem image FSIMG to the LV's extents.
make_lvm_disk() {
	local img=$1 off=$2 size=$3 vg=$4 lv=$5 lv_mb=$6 fsimg=$7 dev lvoff
	dev=$(losetup -f --show -o "$off" --sizelimit "$size" "$img") || die "losetup $img"
	local lvlog; lvlog=$(mktemp)
	{
		lvm_host "$dev" pvcreate -q -ff -y "$dev" &&
		lvm_host "$dev" vgcreate -q "$vg" "$dev" &&
		lvm_host "$dev" lvcreate -q --driverloaded n -an -Zn -y -L "${lv_mb}M" -n "$lv" "$vg" &&
		lvoff=$(lv_offset "$dev" "$vg" "$lv")
	} >"$lvlog" 2>&1 || { losetup -d "$dev"; cat "$lvlog" >&2; die "LVM metadata on $img failed"; }
	losetup -d "$dev"; rm -f "$lvlog"
	dd if="$fsimg" of="$img" bs=4M oflag=seek_bytes seek=$((off + lvoff)) conv=notrunc,sparse status=none ||
		die "dd into $img"
}

# make_data_disk DIR: DIR/data.img, a whole-disk PV with vg1/data (empty ext4).
make_data_disk() {
	truncate -s "${DATA_DISK_MB}M" "$1/data.img"
	mkfs.ext4 -q -F -L data "$1/data.fs" "${DATA_LV_MB}M" || die "mkfs data"
	make_lvm_disk "$1/data.img" 0 $((DATA_DISK_MB << 20)) vg1 data "$DATA_LV_MB" "$1/data.fs"
}

# The guest boots the older bookworm kernel ABI; the newer one (the linux-image-amd64 metapackage
# and what it pulls in) is downloaded into $UPGRADE_REPO, a local apt repository that is the
# guest's only apt source: a scenario upgrades the kernel offline, through Debian's own hooks.
UPGRADE_REPO=/var/lib/vmtest-repo
UPGRADE_PACKAGES="linux-image-amd64"

build_base_tree() {
	local out=$1 list
	list=$(grep -v '^#' "$VM_DIR/image/packages.list" | tr -s '\n ' ',' | sed 's/^,//;s/,$//')
	info "mmdebstrap bookworm ($list) -> $out (a few minutes, once)"
	mmdebstrap --mode=root --variant=minbase --include="$list" \
		--setup-hook='mkdir -p "$1/etc/dracut.conf.d"' \
		--setup-hook="cp '$VM_DIR/image/dracut.conf' \"\$1/etc/dracut.conf.d/50-vmtest.conf\"" \
		--customize-hook="chroot \"\$1\" sh -ec 'mkdir -p $UPGRADE_REPO/partial
			apt-get -q -y -d -o Dir::Cache::Archives=$UPGRADE_REPO/ install $UPGRADE_PACKAGES
			rm -rf $UPGRADE_REPO/partial $UPGRADE_REPO/lock
			cd $UPGRADE_REPO && apt-ftparchive packages . >Packages'" \
		--customize-hook="echo 'deb [trusted=yes] file:$UPGRADE_REPO ./' >\"\$1/etc/apt/sources.list\"" \
		--customize-hook='rm -f "$1"/etc/machine-id "$1"/var/lib/dbus/machine-id' \
		bookworm "$out" "$MIRROR" </dev/null >&2 || die "mmdebstrap failed"
}

# ensure_base: build the base unless cached; sets BASE_DIR and KVER.
ensure_base() {
	local key dir tmp
	key=$(base_key)
	dir=$CACHE_ROOT/base-$key
	if [ ! -e "$dir/done" ] || [ -n "${OPT_REBUILD_BASE:-}" ]; then
		local t0; t0=$(now_ms)
		rm -rf "$dir"; mkdir -p "$dir"
		tmp=$dir/build; mkdir -p "$tmp"
		build_base_tree "$dir/tree"
		make_data_disk "$tmp"
		mv "$tmp/data.img" "$dir/data.img"; rm -rf "$tmp"
		ls "$dir/tree/lib/modules" | sort -V | tail -1 >"$dir/kver"
		ls "$dir/tree$UPGRADE_REPO"/linux-image-[0-9]*.deb >/dev/null || die "no kernel upgrade in $UPGRADE_REPO"
		echo "$(secs "$t0")" >"$dir/build-seconds"
		touch "$dir/done"
		info "OS base built in $(cat "$dir/build-seconds") s: $dir"
	fi
	BASE_DIR=$dir
	KVER=$(cat "$dir/kver")
}
