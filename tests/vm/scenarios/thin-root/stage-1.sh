#!/bin/bash
# Root on a thin volume: copy the running root into vg0/troot (thin pool vg0/pool), point the
# boot entry, the kernel command line and fstab at it, and put /srv/tdata on a thin pool in vg1.
# The next boot runs from thin volumes only (besides vg1/data, not used here).
set -euxo pipefail
df -m /
lvcreate -q --type thin-pool -L 1150M -n pool vg0
lvcreate -q -V 2560M -T vg0/pool -n troot
mkfs.ext4 -q /dev/vg0/troot
mkdir -p /mnt/troot
mount /dev/vg0/troot /mnt/troot
cp -ax /. /mnt/troot/
sed -i 's|^/dev/mapper/vg0-root |/dev/mapper/vg0-troot |' /mnt/troot/etc/fstab
lvcreate -q --type thin-pool -L 320M -n pool vg1
lvcreate -q -V 1G -T vg1/pool -n tdata
mkfs.ext4 -q /dev/vg1/tdata
mkdir -p /mnt/troot/srv/tdata
echo '/dev/vg1/tdata /srv/tdata ext4 defaults,x-systemd.device-timeout=300s 0 2' >>/mnt/troot/etc/fstab
sed -i 's|root=/dev/mapper/vg0-root rd.lvm.lv=vg0/root|root=/dev/mapper/vg0-troot rd.lvm.lv=vg0/troot|' \
	/mnt/troot/etc/kernel/cmdline /boot/efi/loader/entries/*.conf
grep -h troot /boot/efi/loader/entries/*.conf /mnt/troot/etc/kernel/cmdline
umount /mnt/troot
lvs -a -o lv_name,lv_attr,segtype,pool_lv,data_percent,metadata_percent vg0 vg1
sync
systemctl reboot
