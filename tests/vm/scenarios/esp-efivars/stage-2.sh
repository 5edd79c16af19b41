#!/bin/bash
# The rollback entry booted (the one-shot was replaced), and LoaderEntryDefault is back.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
vmtest_boot_complete
mid=$(cat /etc/machine-id) kver=$(uname -r)
grep -q 'rd.rewind.rollback=v1' /proc/cmdline
grep -qx before /etc/rewind-marker
for _ in $(seq 1 30); do systemctl is-active -q rewind-outcome.service && break; sleep 2; done
journalctl -b -u rewind-outcome.service --no-pager
[ "$(vmtest_efivar LoaderEntryDefault)" = "$mid-$kver.conf" ]
[ -z "$(vmtest_oneshot)" ]
vmtest_reboot
