#!/bin/bash
# rollback --now with the data volume also mounted in another mount namespace (unshare -m):
# unmounting it here leaves it open, and LVM would only defer the merge to the next activation
# (erasing everything written until then) while rewind printed "merged". It must refuse, change
# nothing, and leave the volume mounted; once the holder is gone, the same command rolls back.
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }

mkdir -p /srv/data/tree && seq 1 2000 >/srv/data/tree/a && echo keep >/srv/data/tree/b && sync
before=$(sum /srv/data)
rewind begin --name n1 /srv/data
# The "upgrade".
echo changed >/srv/data/tree/a; rm /srv/data/tree/b; echo new >/srv/data/tree/c; sync
after=$(sum /srv/data)
[ "$before" != "$after" ]

# A second mount namespace keeps its copy of the mount, so the device stays open.
unshare -m --propagation private sleep 600 &
holder=$!
sleep 2
set +e
rewind rollback --now >"$VMTEST_STATE/out" 2>&1
rc=$?
set -e
cat "$VMTEST_STATE/out"
[ "$rc" -ne 0 ]
grep -q 'still open after unmounting it here' "$VMTEST_STATE/out"
grep -q "pid $holder (sleep) has it mounted at /srv/data in another mount namespace" "$VMTEST_STATE/out"
grep -q 'Nothing was rolled back' "$VMTEST_STATE/out"
# Nothing changed: mounted again, upgraded content, snapshot not merging, transaction open.
mountpoint -q /srv/data
[ "$(sum /srv/data)" = "$after" ]
lvs -a -o lv_name,lv_attr,lv_tags vg1
[ "$(lvs --noheadings -o lv_attr vg1/data-rewind-n1 | tr -d ' ' | cut -c1)" = s ]
rewind status | tee "$VMTEST_STATE/status"
grep -q 'Transaction n1: open' "$VMTEST_STATE/status"

# The holder gone, the same command rolls back at once.
kill "$holder"; wait "$holder" || true
rewind rollback --now | tee "$VMTEST_STATE/out2"
grep -q 'rolled back (merging in the background)' "$VMTEST_STATE/out2"
mountpoint -q /srv/data
# Back in use at once with its old content; the merge ends behind it.
[ "$(sum /srv/data)" = "$before" ]
rewind merge-wait
[ "$(sum /srv/data)" = "$before" ]
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg1)" ]
echo "invariant: /srv/data checksum $before before begin, $after after the upgrade and the refused rollback, $(sum /srv/data) after the rollback"
