#!/bin/bash
# Write to / and /srv/data, then end the stage by rebooting the guest.
set -eu
. /usr/local/lib/vmtest/vmtest.sh
. "$VMTEST_SCENARIO/expected.sh"          # helper files beside the stages are available
command -v rewind                          # the project is installed and on PATH
findmnt -n / ; findmnt -n /srv/data ; findmnt -n /boot/efi
[ "$(cat /etc/machine-id)" = "$(cat /etc/kernel/entry-token)" ]
ls /boot/efi/loader/entries/
echo "$ROOT_TEXT" >/var/lib/vmtest-persist
echo "$DATA_TEXT" >/srv/data/vmtest-persist
cat /proc/sys/kernel/random/boot_id >"$VMTEST_STATE/boot-1"
echo "stage 1 wrote the files; rebooting"
vmtest_reboot
