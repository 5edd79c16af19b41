#!/bin/bash
# Root and data armed, and the data disk is not there at the next boot (stage-2.without): the
# boot waits for it (rd.rewind.wait=, 60 s by default), then merges nothing. Stage 3 has the disk
# again: both are rolled back.
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
# A data disk that may be absent must not hold the boot (the operator's fstab would say so too).
sed -i 's|\(/srv/data[[:space:]]\+ext4[[:space:]]\+\)\([^[:space:]]*\)|\1\2,nofail|' /etc/fstab
grep /srv/data /etc/fstab
mkdir -p /opt/txn && seq 1 1000 >/opt/txn/a
mkdir -p /srv/data/tree && seq 1 2000 >/srv/data/tree/a
sync
sum /opt/txn >"$VMTEST_STATE/root-before"; sum /srv/data >"$VMTEST_STATE/data-before"
rewind begin --name m1 / /srv/data
echo changed >/opt/txn/a; echo changed >/srv/data/tree/a; sync
sum /opt/txn >"$VMTEST_STATE/root-after"; sum /srv/data >"$VMTEST_STATE/data-after"
rewind rollback
rewind status | grep -q 'Transaction m1: armed'
systemctl reboot
