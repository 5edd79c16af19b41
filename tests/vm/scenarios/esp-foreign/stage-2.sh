#!/bin/bash
# The rollback entry booted: what rewind owns is as before begin; every foreign file is byte for
# byte as it was at the rollback.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
vmtest_boot_complete
esp=/boot/efi mid=$(cat /etc/machine-id) new=6.1.0-99-amd64
grep -q 'rd.rewind.rollback=f1' /proc/cmdline
for _ in $(seq 1 30); do systemctl is-active -q rewind-outcome.service && break; sleep 2; done
journalctl -b -u rewind-outcome.service --no-pager
(cd "$esp" && sha256sum -c "$VMTEST_STATE/foreign")
vmtest_esp_hashes | grep -v -e ' \./EFI/other' -e ' \./EFI/UpdateCapsule' >"$VMTEST_STATE/owned-after"
diff "$VMTEST_STATE/owned-before" "$VMTEST_STATE/owned-after"
[ ! -e "$esp/loader/entries/$mid-$new.conf" ]
[ ! -e "$esp/$mid/$new" ]
[ ! -e "$esp/rewind/f1" ]
