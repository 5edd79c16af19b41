#!/bin/bash
# commit leaves the origins as changed and no snapshot behind.
set -euxo pipefail
echo before >/etc/rewind-marker
echo before >/srv/data/marker
rewind begin --name c1 / /srv/data
echo after >/etc/rewind-marker
echo after >/srv/data/marker
sync
rewind commit
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0 vg1)" ]
grep -qx after /etc/rewind-marker
grep -qx after /srv/data/marker
systemctl reboot
