#!/bin/bash
# The boot after the power cut in restore 2's merge: the initramfs rolled the merges forward,
# took the new baseline snapshots before root was mounted, and the baseline is still there.
# Run 3 ends with 'rollback --reboot' too: three runs in a row, each undone the same way.
set -euxo pipefail
. ./common.sh
[ ! -e /var/tmp/bl-blob ] && [ ! -e /srv/data/bl-blob ]
check_restored 2
journalctl -b -o short-monotonic --no-pager | grep -E 'rewind|sysroot.mount' >"$VMTEST_STATE/journal.3"
grep -q 'Resuming the merge of vg[01]/' "$VMTEST_STATE/journal.3"
# The new baseline snapshot of root was taken before root was mounted.
took=$(grep -n 'Took the new baseline snapshot vg0/root-rewind-bl' "$VMTEST_STATE/journal.3" | head -n 1 | cut -d: -f1)
mounted=$(grep -n -E 'Mounted sysroot.mount|Mounted /sysroot' "$VMTEST_STATE/journal.3" | head -n 1 | cut -d: -f1)
[ -n "$took" ] && [ -n "$mounted" ] && [ "$took" -lt "$mounted" ]
test_run 3
rewind rollback --reboot
