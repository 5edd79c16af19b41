#!/bin/bash
# rewind-units(7) followed to the letter by a new user: auto_rollback_boots set in rewind.conf and
# nothing rebuilt (the initramfs still carries the old rewind.conf), begin, then an upgrade whose
# boots end in emergency mode. begin records the policy in the transaction, so the initramfs
# counts the boots anyway and the machine comes back by itself, rolled back.
set -euxo pipefail
mkdir -p /etc/rewind
echo 'auto_rollback_boots = 2' >>/etc/rewind/rewind.conf
# The initramfs that will boot does not have it.
initrd=$(sed -n 's/^initrd *//p' /boot/efi/loader/entries/"$(cat /etc/machine-id)"-*.conf | head -n 1)
! lsinitrd -f etc/rewind/rewind.conf "/boot/efi$initrd" | grep -q '^ *auto_rollback_boots *= *[1-9]' || exit 1
mkdir -p /etc/systemd/system/rewind-failed-boot.timer.d
printf '[Timer]\nOnActiveSec=\nOnActiveSec=20s\n' \
	>/etc/systemd/system/rewind-failed-boot.timer.d/vmtest.conf
systemctl daemon-reload

mkdir -p /opt/txn && seq 1 1000 >/opt/txn/a && sync
sum() { (cd "$1" && find . -xdev -type f -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
sum /opt/txn >"$VMTEST_STATE/before"
rewind begin --name u1 /
rewind status | tee "$VMTEST_STATE/status"
grep -q 'automatic rollback after 2, recorded at begin' "$VMTEST_STATE/status"
echo changed >/opt/txn/a
mkdir -p /mnt/upgrade
echo 'LABEL=no-such-label /mnt/upgrade ext4 defaults,x-systemd.device-timeout=5s 0 2' >>/etc/fstab
sync
. /usr/local/lib/vmtest/vmtest.sh
vmtest_expect_lost_boots 2
systemctl reboot
