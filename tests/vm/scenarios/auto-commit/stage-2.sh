#!/bin/bash
set -euxo pipefail
systemctl list-timers --all --no-pager | grep rewind || true
for i in $(seq 1 60); do
	[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg1)" ] && break
	sleep 5
done
journalctl -b --no-pager -u rewind-auto-commit.service -u rewind-boot-good.service | tail -n 20
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg1)" ]
journalctl -b --no-pager -u rewind-auto-commit.service | grep -q 'Committed transaction c2 automatically'
grep -qx after /srv/data/marker
