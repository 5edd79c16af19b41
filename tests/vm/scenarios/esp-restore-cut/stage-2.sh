#!/bin/bash
# The boot after the power cut: the rollback was rolled forward (root's merge resumed, data's
# started), and the ESP was put back from the restore-esp tag on root's origin, not from a lost
# outcome file.
set -euxo pipefail
. "$VMTEST_SCENARIO/esp.sh"
. /usr/local/lib/vmtest/vmtest.sh
vmtest_boot_complete
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
journalctl -b --no-pager | grep -i rewind | tee "$VMTEST_STATE/journal"
# The cut lands within a second of the console line: data's merge had started or not; either
# way this boot took it on. Say which.
grep -E 'Resuming the merge of vg1/data|Rolling back vg1/data' "$VMTEST_STATE/journal"
grep -q 'Resuming the merge of vg0/root' "$VMTEST_STATE/journal"
echo "root: before $(cat "$VMTEST_STATE/root-before") now $(sum /opt/txn)"
echo "data: before $(cat "$VMTEST_STATE/data-before") now $(sum /srv/data)"
[ "$(sum /opt/txn)" = "$(cat "$VMTEST_STATE/root-before")" ]
[ "$(sum /srv/data)" = "$(cat "$VMTEST_STATE/data-before")" ]
for _ in $(seq 1 30); do systemctl is-active -q rewind-outcome.service && break; sleep 2; done
journalctl -b -u rewind-outcome.service --no-pager
esp_hashes >"$VMTEST_STATE/esp-after"
diff "$VMTEST_STATE/esp-before" "$VMTEST_STATE/esp-after"
! compgen -G "$entries/rewind-x1[+.]*conf" || exit 1
[ ! -e "$esp/rewind/x1" ]
rewind merge-wait # the merges go on in the background after the boot (merge = background)
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0 vg1)" ]
! lvs --noheadings -o lv_tags vg0/root | grep -q restore-esp || exit 1
grep -q '"rolled-back"' /run/rewind/outcome.json
