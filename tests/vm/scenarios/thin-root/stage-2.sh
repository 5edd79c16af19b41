#!/bin/bash
# On the thin root: a transaction of root and /srv/tdata, both thin, rolled back at the next boot.
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }

findmnt -n -o SOURCE / | grep -qx /dev/mapper/vg0-troot
[ "$(lvs --noheadings -o segtype vg0/troot | xargs)" = thin ]
mountpoint -q /srv/tdata
mkdir -p /srv/tdata/tree /opt/thin-tree
seq 1 5000 >/srv/tdata/tree/a
echo keep >/srv/tdata/tree/b
seq 1 3000 >/opt/thin-tree/a
echo keep >/opt/thin-tree/b
echo before >/etc/rewind-thin-marker
sync
sum /srv/tdata >"$VMTEST_STATE/tdata.before"
sum /opt/thin-tree >"$VMTEST_STATE/root.before"

rewind begin --name tr1 / /srv/tdata
lvs -a -o lv_name,lv_attr,segtype,origin,pool_lv,lv_tags vg0 vg1
[ "$(lvs --noheadings -o segtype,origin vg0/troot-rewind-tr1 | xargs)" = "thin troot" ]
[ "$(lvs --noheadings -o segtype,origin vg1/tdata-rewind-tr1 | xargs)" = "thin tdata" ]
rewind status

# The "upgrade".
echo after >/etc/rewind-thin-marker
echo changed >/opt/thin-tree/a
rm /opt/thin-tree/b
touch /etc/added-by-upgrade
echo changed >/srv/tdata/tree/a
rm /srv/tdata/tree/b
dd if=/dev/urandom of=/srv/tdata/tree/new bs=1M count=30 status=none
sync

rewind rollback
rewind status | grep -qi armed
systemctl reboot
