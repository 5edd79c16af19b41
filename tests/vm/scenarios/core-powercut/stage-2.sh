#!/bin/bash
# The boot after the power cut: the initramfs found both merges under way, resumed them (the
# activation did) and went on; every volume reads as before begin from the start, and the merges
# end behind it.
set -euxo pipefail
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
echo "root: before $(cat "$VMTEST_STATE/root-before") now $(sum /opt/txn)"
echo "data: before $(cat "$VMTEST_STATE/data-before") now $(sum /srv/data)"
[ "$(sum /opt/txn)" = "$(cat "$VMTEST_STATE/root-before")" ]
[ "$(sum /srv/data)" = "$(cat "$VMTEST_STATE/data-before")" ]
grep -qx before /etc/rewind-marker
[ ! -e /var/tmp/upgrade-blob ] && [ ! -e /srv/data/upgrade-blob ]
journalctl -b --no-pager | grep 'rewind' | grep -iE 'resum|merg' | tee "$VMTEST_STATE/journal"
grep -q 'Resuming the merge of vg[01]/' "$VMTEST_STATE/journal"
grep -q '"rolled-back"' /run/rewind/outcome.json
# Nothing is started twice: one start per volume, in the boot before the cut.
! grep -q 'Rolling back vg' "$VMTEST_STATE/journal" || exit 1
rewind merge-wait
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0 vg1)" ]
[ "$(sum /opt/txn)" = "$(cat "$VMTEST_STATE/root-before")" ]
[ "$(sum /srv/data)" = "$(cat "$VMTEST_STATE/data-before")" ]
[ ! -e /run/rewind/merging ]
