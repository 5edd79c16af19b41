#!/bin/bash
# The default entry boots again, without any rd.rewind option.
set -euxo pipefail
. "$VMTEST_SCENARIO/esp.sh"
! grep -q 'rd.rewind' /proc/cmdline || exit 1
grep -qx before /etc/rewind-marker
[ "$(uname -r)" != "$new" ]
