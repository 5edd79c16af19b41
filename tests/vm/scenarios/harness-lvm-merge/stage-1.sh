#!/bin/bash
# Raw LVM, no rewind: snapshot root, change it, merge the snapshot back (deferred: root is open).
set -eu
. /usr/local/lib/vmtest/vmtest.sh
echo before >/etc/vmtest-merge
rm -f /etc/vmtest-new
sync
lvcreate -s -L 256M -n rootsnap vg0/root
echo after >/etc/vmtest-merge
echo new >/etc/vmtest-new
sync
lvs -a vg0
lvconvert --merge vg0/rootsnap
lvs -a -o lv_name,lv_attr vg0
echo "merge scheduled; rebooting"
vmtest_reboot
