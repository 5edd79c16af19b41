#!/bin/bash
# Power cut in begin between root's and data's snapshot (stage-1.cut-during: the line begin
# prints once root's snapshot exists; data's lvcreate follows, with the data origin suspended).
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
mkdir -p /opt/txn && seq 1 1000 >/opt/txn/a
mkdir -p /srv/data/tree && seq 1 2000 >/srv/data/tree/a
sync
sum /opt/txn >"$VMTEST_STATE/root-before"; sum /srv/data >"$VMTEST_STATE/data-before"
sync
rewind begin --name b1 / /srv/data
# Not reached: the power is cut during begin.
sleep 600
