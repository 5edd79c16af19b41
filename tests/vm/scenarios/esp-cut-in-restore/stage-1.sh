#!/bin/bash
# The ESP changed by the "upgrade" (a new kernel entry and files, the old entry's initrd broken),
# then rollback --reboot. In the real root after the merge, the power is cut as soon as
# rewind-outcome.service starts putting the ESP back (stage-1.cut-when): the next boot must
# finish the restore, from the restore-esp tag on root's origin.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
new=6.1.0-99-amd64
vmtest_esp_hashes >"$VMTEST_STATE/esp-before"
echo before >/etc/rewind-marker
rewind begin --name r1 /
echo after >/etc/rewind-marker
vmtest_esp_upgrade "$new" yes 4M
rewind rollback --reboot
