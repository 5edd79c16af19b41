#!/bin/bash
# The default entry of before the transaction boots.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
mid=$(cat /etc/machine-id) kver=$(uname -r)
! grep -q 'rd.rewind' /proc/cmdline || exit 1
[ "$(vmtest_efivar LoaderEntrySelected)" = "$mid-$kver.conf" ]
