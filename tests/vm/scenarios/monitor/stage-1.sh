#!/bin/bash
# Fill monitor: a snapshot filling up is extended from the VG's free space by the timer; with the
# VG full it cannot be, and rewind says so loudly. No silent invalidation.
set -euxo pipefail
size() { lvs --noheadings --units b --nosuffix -o lv_size vg1/data-rewind-m1 | tr -d ' '; }
rewind begin --name m1 /srv/data:32M
before=$(size)
dd if=/dev/urandom of=/srv/data/burst1 bs=1M count=27 conv=fsync status=none
rewind status
# rewind-monitor.timer runs every minute.
for i in $(seq 1 30); do [ "$(size)" -gt "$before" ] && break; sleep 5; done
rewind status
[ "$(size)" -gt "$before" ]
journalctl -b --no-pager -u rewind-monitor.service | grep -i 'extend'

# Now with the VG full: the next fill-up cannot be absorbed.
lvcreate -q -y -l 100%FREE -n filler vg1
grown=$(size)
dd if=/dev/urandom of=/srv/data/burst2 bs=1M count=$(( grown * 3 / 10 / 1048576 )) conv=fsync status=none
rewind status
for i in $(seq 1 30); do
	journalctl -b --no-pager -u rewind-monitor.service | grep -qi 'overflow' && break
	sleep 5
done
journalctl -b --no-pager -u rewind-monitor.service | tail -n 12
journalctl -b --no-pager -p err -u rewind-monitor.service | grep -qi 'overflow'
[ "$(size)" -eq "$grown" ]
rewind commit
lvremove -q -y vg1/filler
