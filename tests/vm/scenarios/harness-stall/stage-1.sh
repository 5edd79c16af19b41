#!/bin/bash
# The harness retries, once, a boot whose guest stalls before init (the emulator hung), from the
# disks and EFI variables as they were before that boot. Here the stall is real and repeats: a
# one-shot entry whose kernel has no initramfs and no root, with panic=0, halts right after the
# panic, before init. The retry must boot the one-shot entry again (EFI variables restored) and
# stall again: so stage 2 fails as "stalled". Had the variables not been restored, the retry would
# boot the default entry and stage 2 would pass, and expect-fail would catch that.
set -eu
. /usr/local/lib/vmtest/vmtest.sh
entries=/boot/efi/loader/entries
normal=$entries/$(cat /etc/machine-id)-$(uname -r).conf
vmtest_assert [ -e "$normal" ]
sed -e 's/^title .*/title vmtest: stalls on purpose/' -e '/^initrd /d' \
	-e 's|^options .*|options root=/dev/nonexistent ro console=ttyS0 panic=0|' \
	"$normal" >"$entries/vmtest-stall.conf"
bootctl set-oneshot vmtest-stall.conf
systemctl reboot
