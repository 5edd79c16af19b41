#!/bin/bash
# No rollback: the upgrade is still there and the transaction open.
set -euxo pipefail
grep -qx after /opt/rtc-marker
[ ! -e /run/rewind/outcome.json ]
rewind status | tee "$VMTEST_STATE/status"
grep -q 'Transaction r1: open' "$VMTEST_STATE/status"
rewind commit
