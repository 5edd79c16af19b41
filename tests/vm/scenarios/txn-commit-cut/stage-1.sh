#!/bin/bash
# Power cut in commit between the two lvremoves (stage-1.cut-during: the line commit prints once
# the first snapshot is removed).
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
mkdir -p /opt/txn && seq 1 1000 >/opt/txn/a
mkdir -p /srv/data/tree && seq 1 2000 >/srv/data/tree/a
sync
rewind begin --name c1 / /srv/data
ls /boot/efi/loader/entries/rewind-c1+3.conf
echo changed >/opt/txn/a; echo changed >/srv/data/tree/a; sync
sum /opt/txn >"$VMTEST_STATE/root-after"; sum /srv/data >"$VMTEST_STATE/data-after"
sync
rewind commit
sleep 600
