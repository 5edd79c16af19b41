#!/bin/bash
# Root holds the pre-snapshot content and, once polling finished, the snapshot LV is gone.
set -eu
. /usr/local/lib/vmtest/vmtest.sh
lvs -a -o lv_name,lv_attr,data_percent vg0
vmtest_assert [ "$(cat /etc/vmtest-merge)" = before ]
vmtest_assert [ ! -e /etc/vmtest-new ]
for i in $(seq 120); do
	lvs vg0/rootsnap >/dev/null 2>&1 || break
	[ "$i" = 5 ] && lvconvert --startpoll vg0/root || true
	sleep 1
done
lvs -a -o lv_name,lv_attr vg0
if lvs vg0/rootsnap >/dev/null 2>&1; then vmtest_fail "the snapshot LV is still there"; fi
vmtest_assert [ "$(lvs --noheadings -o lv_attr vg0/root | tr -d ' ' | cut -c1)" = - ]
echo "stage 2: root was rolled back by the merge, snapshot gone after ${i} s"
