#!/bin/bash
# After restore 1: back at the baseline, open again. Run 2 writes 200 MiB to each volume so that
# the next restore's merge takes a while, and the power is cut in the middle of it
# (stage-2.cut-when: the boot after this stage is lost), root merged already.
set -euxo pipefail
. ./common.sh
check_restored 1
test_run 2
dd if=/dev/urandom of=/var/tmp/bl-blob bs=1M count=200 status=none
dd if=/dev/urandom of=/srv/data/bl-blob bs=1M count=200 status=none
sync
rewind rollback --reboot
