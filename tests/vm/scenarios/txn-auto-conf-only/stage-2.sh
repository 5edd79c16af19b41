#!/bin/bash
# Back by itself: two boots in emergency mode were rebooted, the third rolled back.
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
echo "/opt/txn: before $(cat "$VMTEST_STATE/before"), now $(sum /opt/txn)"
[ "$(sum /opt/txn)" = "$(cat "$VMTEST_STATE/before")" ]
! grep -q no-such-label /etc/fstab || exit 1
rewind merge-wait # the merges go on in the background after the boot (merge = background)
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0)" ]
journalctl -b --no-pager | grep -i 'rewind' | grep -iE 'boots|roll' | tee "$VMTEST_STATE/journal"
grep -q '2 boots in a row failed' "$VMTEST_STATE/journal"
grep -q '"rolled-back"' /run/rewind/outcome.json
