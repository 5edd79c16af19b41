#!/bin/bash
# The one-shot entry was used (the harness saw a lost boot) and consumed; the normal entry booted.
set -eu
. /usr/local/lib/vmtest/vmtest.sh
vmtest_assert [ ! -e /sys/firmware/efi/efivars/LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f ]
grep -q 'init=/bin/false' /proc/cmdline && vmtest_fail "booted the broken entry"
bootctl status --no-pager 2>/dev/null | grep -iE 'current entry|default entry' || true
systemd-analyze time || true
systemd-analyze blame --no-pager 2>/dev/null | head -n 12 || true
echo "stage 2: the one-shot boot was lost as expected and the default entry booted"
