#!/bin/bash
# SIGKILL of begin while it holds the data origin suspended (filesystem frozen) under a write
# load: the guard process resumes it within seconds, nothing is left frozen, and the
# half-made transaction is recognised and removed by the next begin.
set -euxo pipefail
( while :; do dd if=/dev/zero of=/srv/data/load bs=64k count=16 conv=fsync status=none; done ) &
load=$!
sleep 1
rewind begin --name k1 / /srv/data >"$VMTEST_STATE/begin.out" 2>&1 &
pid=$!
# Kill it the moment the data origin is suspended.
for _ in $(seq 1 3000); do
	[ "$(dmsetup info -c --noheadings -o suspended vg1-data 2>/dev/null)" = Suspended ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.01
done
[ "$(dmsetup info -c --noheadings -o suspended vg1-data)" = Suspended ] || { cat "$VMTEST_STATE/begin.out"; echo "never saw it suspended"; exit 1; }
kill -9 "$pid"
t0=$(date +%s.%N)
for _ in $(seq 1 100); do
	[ "$(dmsetup info -c --noheadings -o suspended vg1-data)" = Active ] && break
	sleep 0.05
done
t1=$(date +%s.%N)
dmsetup info -c -o name,suspended vg0-root vg1-data
[ "$(dmsetup info -c --noheadings -o suspended vg1-data)" = Active ]
[ "$(dmsetup info -c --noheadings -o suspended vg0-root)" = Active ]
# Still mounted: the resume must not make systemd take the device for gone.
sleep 3
mountpoint -q /srv/data
echo "resumed $(echo "$t1 - $t0" | bc 2>/dev/null || awk "BEGIN{print $t1-$t0}") s after the SIGKILL"
# The writer goes on.
timeout 20 dd if=/dev/zero of=/srv/data/after bs=64k count=16 conv=fsync status=none
kill "$load"; wait "$load" || true
cat "$VMTEST_STATE/begin.out" || true
journalctl -b --no-pager | grep -E 'rewind|suspend' | tail -n 20 || true
lvs -a -o lv_name,lv_attr,lv_tags vg0 vg1
rewind status | tee "$VMTEST_STATE/status"
# Whatever the kill left is never taken for a complete transaction...
if lvs --noheadings -o lv_name -S 'lv_tags=rewind:txn=k1' | grep -q .; then
	grep -q 'Transaction k1: creating' "$VMTEST_STATE/status"
	grep -q 'begin was interrupted' "$VMTEST_STATE/status"
	! rewind rollback || exit 1
fi
# ...and the next begin removes it and begins.
rewind begin --name k2 / /srv/data 2>&1 | tee "$VMTEST_STATE/begin2.out"
[ -z "$(lvs --noheadings -o lv_name -S 'lv_tags=rewind:txn=k1')" ]
[ "$(lvs --noheadings -o lv_name -S 'lv_tags=rewind:txn=k2' | wc -l)" -eq 2 ]
rewind commit
