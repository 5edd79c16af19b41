#!/bin/bash
# One instant across volumes: a writer keeps a counter on root and on /srv/data in lockstep
# (root first, then data) while `rewind begin` snapshots both. In the snapshots the two
# counters may differ by at most one, root ahead; snapshots taken one after the other would
# show the counters far apart.
set -euxo pipefail
write_pair() {
	local i=0
	while :; do
		i=$((i + 1))
		echo $i >/var/tmp/lockstep.new && mv /var/tmp/lockstep.new /var/tmp/lockstep
		echo $i >/srv/data/lockstep.new && mv /srv/data/lockstep.new /srv/data/lockstep
	done
}
write_pair &
writer=$!
sleep 2
rewind begin --name i1 / /srv/data
sleep 1
kill $writer
wait $writer || true

mkdir -p /mnt/snap-root /mnt/snap-data
mount -o ro,noload /dev/vg0/root-rewind-i1 /mnt/snap-root
mount -o ro,noload /dev/vg1/data-rewind-i1 /mnt/snap-data
r=$(cat /mnt/snap-root/var/tmp/lockstep)
d=$(cat /mnt/snap-data/lockstep)
now_r=$(cat /var/tmp/lockstep)
umount /mnt/snap-root /mnt/snap-data
echo "snapshot counters: root=$r data=$d (live counter at the end: $now_r)"
# The writer went on well past the snapshot instant, so the check has teeth.
[ "$now_r" -gt $((r + 10)) ]
[ $((r - d)) -ge 0 ] && [ $((r - d)) -le 1 ]
rewind commit
