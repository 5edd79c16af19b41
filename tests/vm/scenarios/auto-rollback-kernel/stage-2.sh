#!/bin/bash
# systemd-boot used up both entries' tries and booted the rollback entry: root is rolled back,
# and rewind-outcome.service put the ESP back as it was at begin: the new kernel and its entry
# gone, the clobbered initrd restored, the boot counters off.
set -euxo pipefail
. "$VMTEST_SCENARIO/esp.sh"
. /usr/local/lib/vmtest/vmtest.sh
vmtest_boot_complete
cat /proc/cmdline
grep -q 'rd.rewind.rollback=k1' /proc/cmdline
grep -qx before /etc/rewind-marker
journalctl -b -u rewind-outcome.service --no-pager
grep -q '"rolled-back"' /run/rewind/outcome.json
ls -l "$entries"
esp_hashes >"$VMTEST_STATE/esp-after"
diff "$VMTEST_STATE/esp-before" "$VMTEST_STATE/esp-after"
[ ! -e "$esp/$mid/$new" ]
[ ! -e "$esp/rewind/k1" ]
rewind merge-wait # the merges go on in the background after the boot (merge = background)
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0)" ]
rewind status
