#!/bin/bash
# EFI variables persist across boots (one QEMU process per boot, one vars file per scenario), and
# the lost-boots protocol works: a one-shot entry that panics at once is booted exactly once.
set -eu
. /usr/local/lib/vmtest/vmtest.sh
entries=/boot/efi/loader/entries
normal=$entries/$(cat /etc/machine-id)-$(uname -r).conf
vmtest_assert [ -e "$normal" ]
sed -e 's/^title .*/title vmtest: broken on purpose/' \
	-e 's|^options .*|options root=/dev/mapper/vg0-root rd.lvm.lv=vg0/root ro console=ttyS0 panic=-1 init=/bin/false|' \
	"$normal" >"$entries/vmtest-broken.conf"
bootctl set-oneshot vmtest-broken.conf
bootctl list --no-pager | grep -E 'title|id:' || true
vmtest_expect_lost_boots 1          # the next boot panics before any stage; then stage 2 boots
# End like "rewind rollback --reboot" does: ask for the reboot and exit 0 at once (the harness
# sees "REBOOTING 0" and the kernel's reboot line).
systemctl reboot
