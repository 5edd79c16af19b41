#!/bin/bash
# On real efivarfs, which keeps systemd-boot's variables immutable: LoaderEntryDefault set with
# `bootctl set-default` before begin and changed by the upgrade, and a one-shot already set
# (`bootctl set-oneshot`) when the operator runs `rollback --reboot`. The rollback entry must
# boot, and the default must be put back.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
mid=$(cat /etc/machine-id) kver=$(uname -r) new=6.1.0-99-amd64
bootctl set-default "$mid-$kver.conf"
[ "$(vmtest_efivar LoaderEntryDefault)" = "$mid-$kver.conf" ]
lsattr /sys/firmware/efi/efivars/LoaderEntryDefault-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f
echo before >/etc/rewind-marker
rewind begin --name v1 /

echo after >/etc/rewind-marker
vmtest_esp_upgrade "$new"
bootctl set-default "$mid-$new.conf"
bootctl set-oneshot "$mid-$new.conf"
[ "$(vmtest_oneshot)" = "$mid-$new.conf" ]
sync
rewind rollback --reboot
