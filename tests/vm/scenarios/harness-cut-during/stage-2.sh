#!/bin/bash
# Stage 1 lost power at its cut line: its marker (written and synced 1 s later) is not there, and
# the scratch filesystem it had mounted was not unmounted: ext4 replayed its journal at this boot.
set -eu
. /usr/local/lib/vmtest/vmtest.sh
vmtest_assert [ -e "$VMTEST_STATE/armed" ]
[ ! -e "$VMTEST_STATE/survived" ] || vmtest_fail "stage 1 ran on for 1 s after its cut line"
journalctl -k -b --no-pager | grep -E 'EXT4-fs .*(recovery|orphan)' || true
journalctl -k -b --no-pager | grep -qE 'EXT4-fs \([^)]*\): recovery complete' ||
	vmtest_fail "no ext4 journal recovery: the previous boot went down cleanly"
echo "stage 2: stage 1 lost power at its cut line (no marker, ext4 recovered)"
