#!/bin/bash
# Not a test: the fuzz targets' seeds from a real guest (tests/fuzz/corpus-NAME/guest-*), each in
# its target's input format, printed base64 between markers. tools/fuzz-seeds-from-vm LOGDIR
# writes them into the tree. It fails only when a seed cannot be made.
set -euo pipefail
seed() { # NAME FILE: print FILE as the seed NAME ("corpus/file")
	echo "@@SEED $1"
	base64 -w0 <"$2"
	echo
	echo "@@END"
}
t=$(mktemp -d)
esp=/boot/efi
vars=/sys/firmware/efi/efivars
guid=4a67b082-0a4c-41cf-b6c7-440b29bb8c4f
rewind begin --name s1 / /srv/data >/dev/null

# Kernel command line, rewind.conf, the tags of a snapshot as lvs reports them.
seed cmdline/guest /proc/cmdline
seed conf/guest /etc/rewind/rewind.conf
lvs --noheadings -o lv_tags vg0/root-rewind-s1 | tr -d ' \n' >"$t/tags"
seed tags/guest "$t/tags"
# LVM's report exactly as lvm.c asks for it (the VG fields too, as begin and the monitor ask).
lvs --reportformat json --units b --nosuffix --binary -a -o \
	lv_name,vg_name,lv_tags,lv_attr,origin,lv_size,snap_percent,lv_dm_path,lv_path,lv_snapshot_invalid,lv_merging,pool_lv,data_percent,metadata_percent,lv_metadata_size,vg_free,vg_extent_size \
	>"$t/lvm"
seed lvm/guest "$t/lvm"
# A snapshot's device-mapper status: target, "%%", parameters.
dmsetup status vg1-data--rewind--s1 | awk '{ print $3; print "%%"; $1 = $2 = $3 = ""; sub(/^ +/, ""); print }' >"$t/dm"
seed dm-status/guest "$t/dm"
# loader.conf, then the entries: the booted one and the rollback entry.
{
	cat "$esp/loader/loader.conf"
	for e in "$esp/loader/entries/$(cat /etc/machine-id)-$(uname -r).conf" "$esp"/loader/entries/rewind-s1*.conf; do
		echo '%%'
		cat "$e"
	done
} >"$t/entry"
seed entry/guest "$t/entry"
seed manifest/guest "$esp/rewind/s1/manifest.json"
# EFI variables as efivarfs gives them (attributes, then the value).
for v in LoaderEntrySelected LoaderInfo LoaderEntries LoaderDevicePartUUID; do
	[ -e "$vars/$v-$guid" ] && seed "efivar/guest-$v" "$vars/$v-$guid"
done
rewind commit >/dev/null
rm -rf "$t"
