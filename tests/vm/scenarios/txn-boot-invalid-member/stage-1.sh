#!/bin/bash
# Root and data armed, then the data snapshot overflows before the reboot. The boot must merge
# neither: root from before the upgrade with data from after it is a state nobody chose.
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }

mkdir -p /opt/txn && seq 1 1000 >/opt/txn/a && echo keep >/opt/txn/b
mkdir -p /srv/data/tree && seq 1 2000 >/srv/data/tree/a && sync
sum /opt/txn >"$VMTEST_STATE/root-before"; sum /srv/data >"$VMTEST_STATE/data-before"
rewind begin --name v1 / /srv/data:32M
echo changed >/opt/txn/a; rm /opt/txn/b
echo changed >/srv/data/tree/a; sync
rewind rollback
rewind status | tee "$VMTEST_STATE/status-armed"
grep -q 'Transaction v1: armed' "$VMTEST_STATE/status-armed"
# The overflow, after arming: 80 MB into a 32 MiB snapshot.
dd if=/dev/urandom of=/srv/data/blob bs=1M count=80 status=none conv=fsync
rewind status | tee "$VMTEST_STATE/status-overflowed"
grep -q 'INVALID (overflowed)' "$VMTEST_STATE/status-overflowed"
sum /opt/txn >"$VMTEST_STATE/root-after"; sum /srv/data >"$VMTEST_STATE/data-after"
systemctl reboot
