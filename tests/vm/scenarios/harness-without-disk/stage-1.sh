#!/bin/bash
# stage-1.without: this boot has no data disk. The guest got here without waiting for /srv/data
# (its fstab mount was skipped, not failed: guest/vmtest-generator) and sees no vg1.
set -eu
. /usr/local/lib/vmtest/vmtest.sh
ls /dev/disk/by-id/ | grep virtio- || true
vmtest_assert [ ! -e /dev/disk/by-id/virtio-data ]
vmtest_assert [ -e /dev/disk/by-id/virtio-sys ]
vmtest_assert [ -e /dev/disk/by-id/virtio-ctl ]
mountpoint -q /srv/data && vmtest_fail "/srv/data is mounted"
vgs vg1 >/dev/null 2>&1 && vmtest_fail "vg1 is there"
systemctl show -p ConditionResult -p ActiveState -p Result srv-data.mount
vmtest_assert [ "$(systemctl show -P ConditionResult srv-data.mount)" = no ]
vmtest_assert [ "$(systemctl show -P Result srv-data.mount)" = success ]
systemctl is-failed -q local-fs.target && vmtest_fail "local-fs.target failed"
echo "left out" >"$VMTEST_STATE/stage-1"
echo "stage 1: no data disk in this boot"
