#!/bin/bash
# Through the rollback entry: the kernel of before the upgrade, root and data rolled back, the ESP
# mounted and put back as it was before begin, modules loading, and no emergency mode on the way.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
grep -q 'rd.rewind.rollback=ku' /proc/cmdline
vmtest_kernel_rolled_back
vmtest_reboot
