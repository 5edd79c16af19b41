#!/bin/bash
# A transaction that mixes a thick root and a thin data volume (vg1/tdata in the thin pool
# vg1/pool, made here): begin takes a thin snapshot (no size: the pool's fill is what status
# shows), the rollback with root in it is armed, and the reboot's initramfs merges both.
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }

lvcreate -q --type thin-pool -L 320M -n pool vg1
lvcreate -q -V 1G -T vg1/pool -n tdata
mkfs.ext4 -q /dev/vg1/tdata
mkdir -p /srv/tdata
echo '/dev/vg1/tdata /srv/tdata ext4 defaults,x-systemd.device-timeout=300s 0 2' >>/etc/fstab
systemctl daemon-reload
mount /srv/tdata
mkdir /srv/tdata/tree
seq 1 5000 >/srv/tdata/tree/a
echo keep >/srv/tdata/tree/b
dd if=/dev/urandom of=/srv/tdata/tree/blob bs=1M count=20 status=none
echo before >/etc/rewind-thin-marker
sync
sum /srv/tdata >"$VMTEST_STATE/tdata.before"

rewind begin --name th1 / /srv/tdata
lvs -a -o lv_name,lv_attr,segtype,origin,pool_lv,lv_tags vg0 vg1
# A thin snapshot of the thin origin, in its pool; root's is thick.
[ "$(lvs --noheadings -o segtype,origin,pool_lv vg1/tdata-rewind-th1 | xargs)" = "thin tdata pool" ]
[ "$(lvs --noheadings -o lv_attr vg0/root-rewind-th1 | xargs | cut -c1)" = s ]
rewind status | tee "$VMTEST_STATE/status"
grep -q 'thin snapshot; FILL is thin pool vg1/pool' "$VMTEST_STATE/status"
rewind status --json | jq -e '.transactions[0].volumes[] | select(.origin == "tdata") | .thin_pool == "vg1/pool" and .size == 0 and .fill_percent > 0'

# The "upgrade".
echo changed >/srv/tdata/tree/a
rm /srv/tdata/tree/b
dd if=/dev/urandom of=/srv/tdata/tree/new bs=1M count=30 status=none
echo after >/etc/rewind-thin-marker
sync
[ "$(sum /srv/tdata)" != "$(cat "$VMTEST_STATE/tdata.before")" ]

rewind rollback
rewind status | tee "$VMTEST_STATE/status-armed"
grep -qi armed "$VMTEST_STATE/status-armed"
systemctl reboot
