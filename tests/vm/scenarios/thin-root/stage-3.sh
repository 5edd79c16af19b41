#!/bin/bash
# After the boot that rolled both thin volumes back: content as before begin, merged in the
# initramfs by LVM's metadata swap, no snapshot, no transaction tag left, root's ESP restore
# tag handled; then a transaction that is committed keeps its changes.
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }

findmnt -n -o SOURCE / | grep -qx /dev/mapper/vg0-troot
grep -qx before /etc/rewind-thin-marker
[ ! -e /etc/added-by-upgrade ]
[ "$(sum /opt/thin-tree)" = "$(cat "$VMTEST_STATE/root.before")" ]
[ "$(sum /srv/tdata)" = "$(cat "$VMTEST_STATE/tdata.before")" ]
lvs -a -o lv_name,lv_attr,segtype,origin,pool_lv,lv_tags,thin_id vg0 vg1
[ -z "$(lvs -a --noheadings -o lv_name vg0 vg1 | grep rewind || true)" ]
journalctl -b -o short-monotonic --no-pager | grep -E 'rewind|sysroot.mount' | tee "$VMTEST_STATE/journal"
for v in troot tdata; do
	merged=$(grep -n "Rolling back vg[01]/$v from the thin snapshot $v-rewind-tr1" "$VMTEST_STATE/journal" | head -n 1 | cut -d: -f1)
	mounted=$(grep -n -E 'Mounted sysroot.mount|Mounted /sysroot' "$VMTEST_STATE/journal" | head -n 1 | cut -d: -f1)
	[ -n "$merged" ] && [ -n "$mounted" ] && [ "$merged" -lt "$mounted" ]
done
jq -e '[.volumes[] | .result] == ["rolled-back", "rolled-back"] and ([.volumes[] | has("merging")] | any | not)' /run/rewind/outcome.json
# Nothing merges in the background: rewind-merge.service had nothing to do.
[ ! -e /run/rewind/merging ]
rewind status | tee "$VMTEST_STATE/status-after"
grep -qi 'rolled back' "$VMTEST_STATE/status-after"
# No transaction tag left anywhere (rewind:restore-esp is dropped once the ESP is back, or
# stays only while the ESP is pending: rewind status says which).
[ -z "$(lvs --noheadings -o lv_tags vg1/tdata | tr -d ' ')" ]
! lvs --noheadings -o lv_tags vg0/troot | grep -q 'rewind:txn' || exit 1

# Commit keeps the changes.
rewind begin --name tr2 / /srv/tdata
echo committed >/opt/thin-tree/c
echo committed >/srv/tdata/tree/c
sync
rewind commit
pool_tid_ok() { [ "$(dmsetup status "$1-pool-tpool" | awk '{print $4}')" = "$(lvs --noheadings -o transaction_id "$1/pool" | xargs)" ]; }
pool_tid_ok vg0
pool_tid_ok vg1
grep -qx committed /opt/thin-tree/c
grep -qx committed /srv/tdata/tree/c
[ -z "$(lvs -a --noheadings -o lv_name vg0 vg1 | grep rewind || true)" ]
