#!/bin/bash
# The new kernel runs. The operator rolls back with the plain command of the man page and reboots
# the usual way: the next boot is the rollback entry, which boots the kernel of before begin.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
[ "$(uname -r)" = "$(cat "$VMTEST_STATE/new")" ]
grep -qx after /etc/rewind-marker
findmnt /boot/efi
rewind rollback 2>&1 | tee "$VMTEST_STATE/rollback"
[ "$(vmtest_oneshot)" = 'rewind-ku[+.]*conf' ]
vmtest_reboot
