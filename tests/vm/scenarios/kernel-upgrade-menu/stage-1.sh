#!/bin/bash
# A real kernel upgrade: apt installs the newer bookworm kernel ABI (a new `uname -r`) through
# Debian's hooks: dracut builds its initramfs, kernel-install puts it on the ESP as the new default.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
vmtest_upgrade_kernel_in km
vmtest_reboot
