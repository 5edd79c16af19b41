#!/bin/bash
# The commit's intent was recorded before the first lvremove: the boot never rolled anything back
# (even though one snapshot was left), and rewind-outcome.service finished the commit: no
# snapshot, no rollback entry, both volumes at their upgraded content.
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
echo "root: upgraded $(cat "$VMTEST_STATE/root-after") now $(sum /opt/txn)"
echo "data: upgraded $(cat "$VMTEST_STATE/data-after") now $(sum /srv/data)"
[ "$(sum /opt/txn)" = "$(cat "$VMTEST_STATE/root-after")" ]
[ "$(sum /srv/data)" = "$(cat "$VMTEST_STATE/data-after")" ]
journalctl -b --no-pager | grep -i rewind | tee "$VMTEST_STATE/journal"
grep -q 'The commit of transaction c1 was interrupted: finishing it' "$VMTEST_STATE/journal"
[ ! -e /run/rewind/outcome.json ]
lvs -a -o lv_name,lv_attr,lv_tags vg0 vg1
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0 vg1)" ]
! compgen -G "/boot/efi/loader/entries/rewind-c1[+.]*conf" || exit 1
[ ! -e /boot/efi/rewind/c1 ]
rewind status | grep -q 'No transaction is open'
