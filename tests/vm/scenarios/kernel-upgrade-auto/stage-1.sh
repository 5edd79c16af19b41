#!/bin/bash
# Nobody at the console. A real kernel upgrade (the newer bookworm ABI, through apt and Debian's
# hooks) and an upgrade that breaks userspace: the new kernel boots, but PID 1 dies. With
# auto_rollback_boots = 2 (recorded at begin, no initramfs rebuild), begin gave every entry two
# tries and the plugin gave the new one two: two boots of the new kernel fail (measured: systemd-boot
# then falls back to the old kernel's entry, whose tries are left, although the loader.conf default
# pattern matches both), and the third boot's initramfs rolls root and data back.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
mkdir -p /etc/rewind
echo 'auto_rollback_boots = 2' >>/etc/rewind/rewind.conf
vmtest_upgrade_kernel_in ka
# The upgrade that breaks userspace (as in auto-rollback): PID 1 exits, panic=-1 reboots.
vmtest_break_init
vmtest_expect_lost_boots 2
systemctl reboot
