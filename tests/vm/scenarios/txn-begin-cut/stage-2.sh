#!/bin/bash
# The half-made transaction was never taken for a complete one: the initramfs flagged it and
# rewind-outcome.service removed what the begin had created. Nothing was merged; both volumes
# hold their content of before (no upgrade ran); a new begin works.
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
echo "root: before $(cat "$VMTEST_STATE/root-before") now $(sum /opt/txn)"
echo "data: before $(cat "$VMTEST_STATE/data-before") now $(sum /srv/data)"
[ "$(sum /opt/txn)" = "$(cat "$VMTEST_STATE/root-before")" ]
[ "$(sum /srv/data)" = "$(cat "$VMTEST_STATE/data-before")" ]
systemctl is-active rewind-outcome.service || systemctl status rewind-outcome.service || true
journalctl -b --no-pager | grep -i rewind | tee "$VMTEST_STATE/journal"
grep -q 'The begin of transaction b1 was interrupted before it completed: removing what it created' "$VMTEST_STATE/journal"
lvs -a -o lv_name,lv_attr,lv_tags vg0 vg1
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0 vg1)" ]
rewind status | tee "$VMTEST_STATE/status"
grep -q 'No transaction is open' "$VMTEST_STATE/status"
rewind begin --name b2 / /srv/data
[ "$(lvs --noheadings -o lv_name -S 'lv_tags=rewind:state=open' | wc -l)" -eq 2 ]
rewind commit
