#!/bin/bash
# The new kernel runs. The operator rolls back, then picks the wrong entry for the next boot (as
# from the boot menu): the upgrade's kernel. Its initramfs rolls root back, finds no modules for
# itself in the rolled-back root, points the next boot at the rollback entry and reboots before
# switch-root: that boot never reaches a stage.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
new=$(cat "$VMTEST_STATE/new") mid=$(cat /etc/machine-id)
[ "$(uname -r)" = "$new" ]
rewind rollback
[ "$(vmtest_oneshot)" = 'rewind-km[+.]*conf' ]
bootctl set-oneshot "$mid-$new.conf"
[ "$(vmtest_oneshot)" = "$mid-$new.conf" ]
vmtest_expect_lost_boots 1
vmtest_reboot
