#!/bin/bash
# stage-2.rtc-offset wins over rtc-offset: this boot's clock is a day ahead of the host's.
set -eu
. /usr/local/lib/vmtest/vmtest.sh
. "$VMTEST_SCENARIO/check.sh"
echo "guest-epoch $(date +%s)"
check_clock
# a day and an hour (and the time between the boots) later than stage 1's clock
d=$(($(date +%s) - $(cat "$VMTEST_STATE/stage-1-clock") - 90000))
echo "stage 2 - stage 1 (guest clocks) = 90000 s + $d s"
vmtest_assert [ "$d" -ge 0 ]
