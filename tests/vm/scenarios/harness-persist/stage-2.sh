#!/bin/bash
# The files written before the reboot are there; this is a new boot.
set -eu
. /usr/local/lib/vmtest/vmtest.sh
. "$VMTEST_SCENARIO/expected.sh"
vmtest_assert [ "$(cat /var/lib/vmtest-persist)" = "$ROOT_TEXT" ]
vmtest_assert [ "$(cat /srv/data/vmtest-persist)" = "$DATA_TEXT" ]
vmtest_assert [ "$(cat "$VMTEST_STATE/boot-1")" != "$(cat /proc/sys/kernel/random/boot_id)" ]
vmtest_assert [ "$VMTEST_STAGE" = 2 ]
echo "stage 2: both files survived the reboot"
