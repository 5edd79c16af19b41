#!/bin/bash
# A power cut in the middle of a background merge of root and data: the rollback boot started
# both merges in the initramfs, and the harness kills QEMU as soon as the console says so
# (stage-1.cut-when), while the kernel copies 400 MiB back.
# The next boot must resume both merges, never start over, and end with every byte as before
# begin.
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
mkdir -p /opt/txn && seq 1 1000 >/opt/txn/a && echo before >/etc/rewind-marker
mkdir -p /srv/data/tree && seq 1 2000 >/srv/data/tree/a && echo keep >/srv/data/tree/b
sync
sum /opt/txn >"$VMTEST_STATE/root-before"; sum /srv/data >"$VMTEST_STATE/data-before"
# data: room for the 200 MiB below (the default 20%SIZE would overflow).
rewind begin --name p1 / /srv/data:400M
echo after >/etc/rewind-marker; echo changed >/opt/txn/a
echo changed >/srv/data/tree/a; rm /srv/data/tree/b
# Enough copied-on-write data that the merges take a while.
dd if=/dev/urandom of=/var/tmp/upgrade-blob bs=1M count=200 status=none
dd if=/dev/urandom of=/srv/data/upgrade-blob bs=1M count=200 status=none
sync
rewind status
rewind rollback
systemctl reboot
