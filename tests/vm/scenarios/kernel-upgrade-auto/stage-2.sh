#!/bin/bash
# Two boots were lost; the third, on the kernel of before the upgrade, rolled back in the initramfs:
# root and data rolled back, the ESP mounted and put back as it was before begin, modules loading,
# and no emergency mode on the way.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
vmtest_boot_complete
old=$(cat "$VMTEST_STATE/old") new=$(cat "$VMTEST_STATE/new") mid=$(cat /etc/machine-id)
cat /proc/cmdline
journalctl -b --no-pager | grep -i rewind | grep -iE 'boots|roll' | tee "$VMTEST_STATE/journal"
grep -q 'auto_rollback_boots = 2: ROLLING BACK' "$VMTEST_STATE/journal"
[ "$(uname -r)" = "$old" ]
grep -qx before /etc/rewind-marker
grep -qx before /srv/data/marker
[ -L /sbin/init ]
[ -x /usr/lib/systemd/systemd ]
[ ! -e "/lib/modules/$new" ]
findmnt /boot/efi
modprobe isofs
lsmod | grep -q '^isofs '
vmtest_no_emergency
journalctl -b -u rewind-outcome.service --no-pager
vmtest_esp_hashes >"$VMTEST_STATE/esp-after"
diff "$VMTEST_STATE/esp-before" "$VMTEST_STATE/esp-after"
[ ! -e "/boot/efi/$mid/$new" ]
[ -z "$(vmtest_oneshot)" ]
rewind status
[ -z "$(lvs --noheadings -o lv_name -S 'lv_name=~rewind')" ]

