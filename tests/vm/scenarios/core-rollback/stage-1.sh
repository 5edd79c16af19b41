#!/bin/bash
# Root + data transaction: begin, change both, rollback (both armed: root is root, data is
# mounted and busy), reboot. Stage 2 checks the initramfs merged both before mounting them.
set -euxo pipefail
echo before >/etc/rewind-marker
echo before >/srv/data/marker
sync
rewind begin --name t1 / /srv/data
rewind status
lvs -o lv_name,origin,lv_tags vg0 vg1
[ "$(lvs --noheadings -o lv_name -S 'lv_tags=rewind:txn=t1' | wc -l)" -eq 2 ]

# The "upgrade".
echo after >/etc/rewind-marker
touch /etc/added-by-upgrade
echo after >/srv/data/marker
dd if=/dev/urandom of=/srv/data/blob bs=1M count=20 status=none
sync

rewind rollback
rewind status | tee "$VMTEST_STATE/status-armed"
grep -qi armed "$VMTEST_STATE/status-armed"
systemctl reboot
