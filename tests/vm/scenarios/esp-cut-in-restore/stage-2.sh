#!/bin/bash
# The boot after the cut: the rollback entry again (the initramfs keeps pointing the next boot at
# it until the ESP is back), and rewind-outcome.service finished the restore.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
vmtest_boot_complete
esp=/boot/efi
grep -q 'rd.rewind.rollback=r1' /proc/cmdline
grep -qx before /etc/rewind-marker
for _ in $(seq 1 30); do systemctl is-active -q rewind-outcome.service && break; sleep 2; done
journalctl -b -u rewind-outcome.service --no-pager
vmtest_esp_hashes >"$VMTEST_STATE/esp-after"
diff "$VMTEST_STATE/esp-before" "$VMTEST_STATE/esp-after"
! compgen -G "$esp/loader/entries/rewind-r1[+.]*conf" || exit 1
[ ! -e "$esp/rewind/r1" ]
! lvs --noheadings -o lv_tags vg0/root | grep -q restore-esp || exit 1
[ -z "$(vmtest_oneshot)" ]
