#!/bin/bash
# Booted through the rollback entry: root is rolled back, and rewind-outcome.service put the
# ESP back as it was at begin (new entry and kernel gone, the broken initrd restored).
set -euxo pipefail
. "$VMTEST_SCENARIO/esp.sh"
. /usr/local/lib/vmtest/vmtest.sh
vmtest_boot_complete
grep -q 'rd.rewind.rollback=e1' /proc/cmdline
grep -qx before /etc/rewind-marker
systemctl status rewind-outcome.service --no-pager || true
journalctl -b -u rewind-outcome.service --no-pager
esp_hashes >"$VMTEST_STATE/esp-after"
diff "$VMTEST_STATE/esp-before" "$VMTEST_STATE/esp-after"
! compgen -G "$entries/rewind-e1[+.]*conf" || exit 1
[ ! -e "$entries/$mid-$new.conf" ]
[ ! -e "$esp/rewind/e1" ]
rewind status
systemctl reboot
