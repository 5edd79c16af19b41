#!/bin/bash
# After the boot that rolled back: the thin volume holds its content of before begin, merged by
# LVM's metadata swap in the initramfs (the snapshot's thin device is now vg1/tdata, the rewind
# tags are gone). Then rollback --now of the thin volume alone (no merge to wait for), and a
# commit that keeps the changes.
set -euxo pipefail
pool_tid_ok() { [ "$(dmsetup status "$1-pool-tpool" | awk '{print $4}')" = "$(lvs --noheadings -o transaction_id "$1/pool" | xargs)" ]; }
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }

grep -qx before /etc/rewind-thin-marker
mountpoint -q /srv/tdata
[ "$(sum /srv/tdata)" = "$(cat "$VMTEST_STATE/tdata.before")" ]
lvs -a -o lv_name,lv_attr,segtype,origin,pool_lv,lv_tags,thin_id vg0 vg1
[ -z "$(lvs -a --noheadings -o lv_name vg1 | grep rewind || true)" ]
[ -z "$(lvs --noheadings -o lv_tags vg1/tdata | tr -d ' ')" ]
journalctl -b -o short-monotonic --no-pager | grep -E 'rewind|sysroot.mount' | tee "$VMTEST_STATE/journal"
merged=$(grep -n 'Rolling back vg1/tdata from the thin snapshot tdata-rewind-th1' "$VMTEST_STATE/journal" | head -n 1 | cut -d: -f1)
mounted=$(grep -n -E 'Mounted sysroot.mount|Mounted /sysroot' "$VMTEST_STATE/journal" | head -n 1 | cut -d: -f1)
[ -n "$merged" ] && [ -n "$mounted" ] && [ "$merged" -lt "$mounted" ]
jq -e '.volumes[] | select(.volume == "vg1/tdata") | .result == "rolled-back" and (has("merging") | not)' /run/rewind/outcome.json
# Root (thick) merges in the background: wait for rewind-merge.service.
for _ in $(seq 1 150); do
	[ "$(systemctl show -P ExecMainExitTimestampMonotonic rewind-merge.service)" != 0 ] && break
	sleep 2
done
[ "$(systemctl show -P Result rewind-merge.service)" = success ]

# rollback --now of the thin volume alone: a metadata swap, whatever was written.
before=$(sum /srv/tdata)
pool_tid_ok vg1
rewind begin --name th2 /srv/tdata
pool_tid_ok vg1
dd if=/dev/urandom of=/srv/tdata/tree/big bs=1M count=64 status=none
rm /srv/tdata/tree/a
sync
t0=$(date +%s.%N)
rewind rollback --now | tee "$VMTEST_STATE/now"
t1=$(date +%s.%N)
echo "thin rollback --now after 64 MiB: $(echo "$t1 - $t0" | bc -l 2>/dev/null || awk "BEGIN{print $t1-$t0}") s"
grep -q 'merged' "$VMTEST_STATE/now"
mountpoint -q /srv/tdata
[ "$(sum /srv/tdata)" = "$before" ]
[ -z "$(lvs -a --noheadings -o lv_name vg1 | grep rewind || true)" ]
[ -z "$(lvs --noheadings -o lv_tags vg1/tdata | tr -d ' ')" ]
[ ! -e /run/rewind/merging ] || [ "$(cat /run/rewind/merging)" != th2 ]
pool_tid_ok vg1

# commit keeps the changes and drops the thin snapshot.
rewind begin --name th3 /srv/tdata
echo committed >/srv/tdata/tree/c
sync
rewind commit
grep -qx committed /srv/tdata/tree/c
[ -z "$(lvs -a --noheadings -o lv_name vg1 | grep rewind || true)" ]
rewind status | tee "$VMTEST_STATE/status-end"
