#!/bin/bash
# The default entry boots the old kernel again, without any rd.rewind option.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
! grep -q 'rd.rewind' /proc/cmdline || exit 1
[ "$(uname -r)" = "$(cat "$VMTEST_STATE/old")" ]
grep -qx before /etc/rewind-marker
findmnt /boot/efi
vmtest_no_emergency
