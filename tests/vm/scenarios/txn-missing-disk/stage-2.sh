#!/bin/bash
# Without the data disk: root was NOT rolled back alone; the journal and status say why.
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
[ ! -e /dev/disk/by-id/virtio-data ]
echo "root: before $(cat "$VMTEST_STATE/root-before") upgraded $(cat "$VMTEST_STATE/root-after") now $(sum /opt/txn)"
[ "$(sum /opt/txn)" = "$(cat "$VMTEST_STATE/root-after")" ]
journalctl -b --no-pager | grep -i rewind | tee "$VMTEST_STATE/journal"
grep -q 'vg1/data has no snapshot yet; waiting up to 60 s' "$VMTEST_STATE/journal"
grep -q 'NOT ROLLING BACK transaction m1: vg1/data has no snapshot' "$VMTEST_STATE/journal"
rewind status | tee "$VMTEST_STATE/status"
grep -q 'Transaction m1: armed' "$VMTEST_STATE/status"
grep -q 'MISSING: vg1/data' "$VMTEST_STATE/status"
grep -q 'NOT rolled back' "$VMTEST_STATE/status"
# rollback by hand is refused the same way, nothing changes.
rc=0; rewind rollback || rc=$?
[ "$rc" = 6 ]
systemctl reboot
