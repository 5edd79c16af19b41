#!/bin/bash
# After restore 3. Then 'rewind commit' ends baseline mode: run 4's changes are kept.
set -euxo pipefail
. ./common.sh
check_restored 3
test_run 4
rewind commit
[ -z "$(lvs -a --noheadings -o lv_name vg0 vg1 | grep rewind || true)" ]
[ ! -d /boot/efi/rewind/bl ]
systemctl reboot
