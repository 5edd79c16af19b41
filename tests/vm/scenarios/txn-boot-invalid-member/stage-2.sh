#!/bin/bash
# Nothing was merged: root and data both hold their upgraded content; the outcome and status
# say which volume stopped it and what to do; the transaction is disarmed (no retry at every boot).
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
root=$(sum /opt/txn); data=$(sum /srv/data)
echo "root: before $(cat "$VMTEST_STATE/root-before") after $(cat "$VMTEST_STATE/root-after") now $root"
echo "data: before $(cat "$VMTEST_STATE/data-before") after $(cat "$VMTEST_STATE/data-after") now $data"
[ "$root" = "$(cat "$VMTEST_STATE/root-after")" ]
[ "$data" = "$(cat "$VMTEST_STATE/data-after")" ]
journalctl -b --no-pager | grep -E 'rewind' | tee "$VMTEST_STATE/journal"
grep -q 'NOT ROLLING BACK transaction v1: vg1/data has an invalid (overflowed) snapshot' "$VMTEST_STATE/journal"
cat /run/rewind/outcome.json
grep -q '"result":"failed"' <(tr -d ' \n' </run/rewind/outcome.json)
rewind status | tee "$VMTEST_STATE/status"
grep -q 'NOT rolled back' "$VMTEST_STATE/status"
grep -q 'vg1/data .*snapshot invalid (overflowed)' "$VMTEST_STATE/status"
grep -q 'Transaction v1: open' "$VMTEST_STATE/status"
lvs -a -o lv_name,lv_attr,lv_tags vg0 vg1
rewind commit
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0 vg1)" ]
