#!/bin/bash
# rtc-offset: the guest's clock is an hour behind the host's; it stays there during the boot.
set -eu
. /usr/local/lib/vmtest/vmtest.sh
. "$VMTEST_SCENARIO/check.sh"
echo "guest-epoch $(date +%s)"         # the host can compare this line with its own clock
check_clock
date +%s >"$VMTEST_STATE/stage-1-clock"
