#!/bin/bash
# rd.rewind=0: the stage did not look, so rewind-outcome.service ran boot-finish, which found the
# record of a restore whose merge runs while the system uses the volume.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
grep -qw 'rd.rewind=0' /proc/cmdline
[ ! -e /run/rewind/stage ]
journalctl -b -o short-monotonic --no-pager -u rewind-outcome.service | tee "$VMTEST_STATE/journal.2"
grep -q 'BASELINE LOST' "$VMTEST_STATE/journal.2"
lvs -a -o lv_name,lv_attr,origin,lv_tags vg1
# No record left for a later stage to take a snapshot from. (The merging snapshot keeps
# rewind:baseline until its merge ends: LVM changes nothing of a merging snapshot.)
! lvs -a --noheadings -o lv_tags vg1 | grep -q 'rewind-base:' || exit 1
rewind merge-wait
# Rolled back (the merge the cut interrupted ran to its end), and no snapshot taken of it.
[ "$(sum /srv/data/bl)" = "$(cat "$VMTEST_STATE/data.base")" ]
[ "$(lvs -a --noheadings -o lv_name vg1 | grep -c rewind)" = 0 ]
normal=$(cat "$VMTEST_STATE/normal-entry")
bootctl set-default "$normal"
rm /boot/efi/loader/entries/vmtest-norewind.conf
echo run2 >/srv/data/bl/b
sync
