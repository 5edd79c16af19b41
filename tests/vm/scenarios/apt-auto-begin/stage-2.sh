#!/bin/bash
# After the rollback: neither package is known to dpkg, their files are gone, data is as before,
# no transaction is open and the package record went with the rolled-back root.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
txid=$(cat "$VMTEST_STATE/txid")
! dpkg -s rewind-vm-good >/dev/null 2>&1 || vmtest_fail "rewind-vm-good is still installed"
! dpkg -s rewind-vm-broken >/dev/null 2>&1 || vmtest_fail "rewind-vm-broken is still known to dpkg"
[ ! -e /usr/share/rewind-vm-good/marker ]
[ ! -e /usr/share/rewind-vm-broken/marker ]
grep -qx before /srv/data/marker
dpkg --audit
rewind merge-wait || vmtest_fail "the background merges did not finish"
rewind status | tee "$VMTEST_STATE/status-after"
grep -q 'No transaction is open' "$VMTEST_STATE/status-after"
[ "$(rewind status --json | jq '.transactions | length')" -eq 0 ]
[ ! -e "/var/lib/rewind/txn/$txid.packages.json" ]
grep -q "$txid" /var/lib/rewind/history.jsonl
# apt still works, and with no transaction open the next run would begin one: the hook is there.
grep -q 'rewind apt-hook' /etc/apt/apt.conf.d/80rewind
