#!/bin/bash
# After the rollback boot: root and data hold their pre-begin content, the snapshots and their
# tags are gone, and rewind says what happened.
set -euxo pipefail
grep -qx before /etc/rewind-marker
[ ! -e /etc/added-by-upgrade ]
grep -qx before /srv/data/marker
[ ! -e /srv/data/blob ]
lvs -a -o lv_name,lv_attr,origin,lv_tags vg0 vg1
# The merges go on in the background after the boot (merge = background): rewind-merge.service
# waits for their end. Wait for it, not for a merge-wait of our own.
for _ in $(seq 1 150); do
	[ "$(systemctl show -P ExecMainExitTimestampMonotonic rewind-merge.service)" != 0 ] && break
	sleep 2
done
systemctl status --no-pager rewind-merge.service || true
[ "$(systemctl show -P Result rewind-merge.service)" = success ]
[ "$(systemctl show -P ExecMainStatus rewind-merge.service)" = 0 ]
[ ! -e /run/rewind/merging ]
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0 vg1)" ]
[ -z "$(lvs --noheadings -o lv_tags vg0 vg1 | tr -d ' ')" ]

# The merges started in the initramfs, before /sysroot was mounted.
journalctl -b -o short-monotonic --no-pager | grep -E 'rewind|sysroot.mount' | tee "$VMTEST_STATE/journal"
merged=$(grep -n 'Rolling back vg1/data from data-rewind-t1; the merge goes on in the background' "$VMTEST_STATE/journal" | tail -n 1 | cut -d: -f1)
mounted=$(grep -n -E 'Mounted sysroot.mount|Mounted /sysroot' "$VMTEST_STATE/journal" | head -n 1 | cut -d: -f1)
[ -n "$merged" ] && [ -n "$mounted" ] && [ "$merged" -lt "$mounted" ]
# Started, not failed to start: both volumes rolled back, merging (or merged already).
grep -q '"result":"rolled-back"' /run/rewind/outcome.json
! grep -q 'did not start' "$VMTEST_STATE/journal" || exit 1

# The outcome is recorded and shown.
cat /run/rewind/outcome.json
grep -q t1 /var/lib/rewind/history.jsonl
rewind status | tee "$VMTEST_STATE/status-after"
grep -qi 'rolled back' "$VMTEST_STATE/status-after"
