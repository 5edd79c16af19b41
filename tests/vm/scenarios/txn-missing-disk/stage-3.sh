#!/bin/bash
# The disk is back: the still-armed transaction was rolled back whole.
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
mountpoint -q /srv/data || mount /srv/data
echo "root: before $(cat "$VMTEST_STATE/root-before") now $(sum /opt/txn)"
echo "data: before $(cat "$VMTEST_STATE/data-before") now $(sum /srv/data)"
[ "$(sum /opt/txn)" = "$(cat "$VMTEST_STATE/root-before")" ]
[ "$(sum /srv/data)" = "$(cat "$VMTEST_STATE/data-before")" ]
grep -q '"rolled-back"' /run/rewind/outcome.json
rewind merge-wait # the merges go on in the background after the boot (merge = background)
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0 vg1)" ]
