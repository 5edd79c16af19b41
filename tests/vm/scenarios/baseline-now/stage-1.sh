#!/bin/bash
# Baseline mode with 'rollback --now', online, thick and thin members mixed: /srv/data (thick) and
# /srv/tdata (a thin volume in a thin pool of vg1). Two runs each undone by rollback --now: the
# merges run to their end, the new baseline snapshots are taken while the volumes are unmounted,
# then they are mounted again; then commit ends it.
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
pool_tid_ok() { [ "$(dmsetup status vg1-pool-tpool | awk '{print $4}')" = "$(lvs --noheadings -o transaction_id vg1/pool | xargs)" ]; }

lvcreate -q --type thin-pool -L 256M -n pool vg1
lvcreate -q -V 512M -T vg1/pool -n tdata
mkfs.ext4 -q /dev/vg1/tdata
mkdir -p /srv/tdata
mount /dev/vg1/tdata /srv/tdata
mkdir -p /srv/data/bn /srv/tdata/bn
seq 1 4000 >/srv/data/bn/a; echo keep >/srv/data/bn/b
seq 1 3000 >/srv/tdata/bn/a; echo keep >/srv/tdata/bn/b
sync
data=$(sum /srv/data/bn); tdata=$(sum /srv/tdata/bn)

rewind begin --name bn --baseline /srv/data:200M /srv/tdata
for run in 1 2; do
	echo "run $run" >/srv/data/bn/b; rm -f /srv/data/bn/a
	echo "run $run" >/srv/tdata/bn/b; rm -f /srv/tdata/bn/a
	dd if=/dev/urandom of=/srv/data/bn/blob bs=1M count=16 conv=fsync status=none
	dd if=/dev/urandom of=/srv/tdata/bn/blob bs=1M count=16 conv=fsync status=none
	sync
	t0=$(date +%s%N)
	rewind rollback --now
	echo "run $run: rollback --now took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	mountpoint -q /srv/data && mountpoint -q /srv/tdata
	[ "$(sum /srv/data/bn)" = "$data" ]
	[ "$(sum /srv/tdata/bn)" = "$tdata" ]
	lvs -a -o lv_name,lv_attr,origin,pool_lv,lv_tags vg1
	[ "$(lvs --noheadings -o lv_attr vg1/data-rewind-bn | xargs | cut -c1)" = s ]
	[ "$(lvs --noheadings -o lv_attr vg1/tdata-rewind-bn | xargs | cut -c1)" = V ]
	[ "$(lvs --noheadings -o origin,pool_lv vg1/tdata-rewind-bn | xargs)" = "tdata pool" ]
	for s in data tdata; do
		lvs --noheadings -o lv_tags "vg1/$s-rewind-bn" | grep -q "rewind:restores=$run"
	done
	! lvs -a --noheadings -o lv_tags vg1 | grep -q 'rewind-base:' || exit 1
	pool_tid_ok
	rewind status --json | jq -e --argjson n "$run" '.transactions[0] | .baseline and .restores == $n and .state == "open"'
	[ ! -e /run/rewind/merging ]
done
# commit ends it: run 3's changes stay.
echo "run 3" >/srv/data/bn/b; echo "run 3" >/srv/tdata/bn/b; sync
rewind commit
[ -z "$(lvs -a --noheadings -o lv_name vg1 | grep rewind || true)" ]
grep -qx 'run 3' /srv/data/bn/b && grep -qx 'run 3' /srv/tdata/bn/b
pool_tid_ok
