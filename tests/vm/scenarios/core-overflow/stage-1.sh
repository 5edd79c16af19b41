#!/bin/bash
# A snapshot that overflows can no longer be rolled back: rewind must refuse, say so plainly,
# and the system must still boot.
set -euxo pipefail
echo before >/srv/data/marker
rewind begin --name o1 /srv/data:32M
dd if=/dev/urandom of=/srv/data/blob bs=1M count=80 conv=fsync status=none
sync
rewind status | tee "$VMTEST_STATE/status"
grep -qiE 'overflow|invalid' "$VMTEST_STATE/status"
set +e
rewind rollback --now >"$VMTEST_STATE/out" 2>&1
rc=$?
set -e
cat "$VMTEST_STATE/out"
[ "$rc" -eq 6 ]
grep -qi 'overflow' "$VMTEST_STATE/out"
# Nothing was changed: the data is as the upgrade left it, still mounted.
[ -e /srv/data/blob ]
mountpoint -q /srv/data
systemctl reboot
