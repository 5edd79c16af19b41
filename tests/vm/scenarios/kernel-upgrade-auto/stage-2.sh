#!/bin/bash
# Two boots were lost; the third, on the kernel of before the upgrade, rolled back in the initramfs:
# root and data rolled back, the ESP mounted and put back as it was before begin, modules loading,
# and no emergency mode on the way.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
journalctl -b --no-pager | grep -i rewind | grep -iE 'boots|roll' | tee "$VMTEST_STATE/journal"
grep -q 'auto_rollback_boots = 2: ROLLING BACK' "$VMTEST_STATE/journal"
[ -L /sbin/init ]
[ -x /usr/lib/systemd/systemd ]
vmtest_kernel_rolled_back
