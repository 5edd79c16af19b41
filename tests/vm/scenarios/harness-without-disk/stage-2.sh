#!/bin/bash
# The next boot has the data disk again, mounted at /srv/data as usual.
set -eu
. /usr/local/lib/vmtest/vmtest.sh
vmtest_assert [ -e "$VMTEST_STATE/stage-1" ]
vmtest_assert [ -e /dev/disk/by-id/virtio-data ]
vmtest_assert mountpoint -q /srv/data
vmtest_assert vgs vg1
[ -e /run/systemd/generator.early/srv-data.mount ] && vmtest_fail "the generator acted in a boot with the data disk"
findmnt -n /srv/data
echo "stage 2: the data disk is back"
