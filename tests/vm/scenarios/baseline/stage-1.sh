#!/bin/bash
# Baseline mode for test machines: begin --baseline once; each "test run" changes root, data and
# the ESP, then 'rewind rollback --reboot' returns to the baseline and keeps it. Run 1 here.
set -euxo pipefail
. ./common.sh
mkdir -p /opt/bl /srv/data/bl
seq 1 3000 >/opt/bl/a
for i in 1 2 3; do echo "file $i" >"/opt/bl/f$i"; done
echo baseline >/etc/rewind-bl-marker
seq 1 4000 >/srv/data/bl/a; echo keep >/srv/data/bl/b; echo keep >/srv/data/bl/c
sync
sum /opt/bl >"$VMTEST_STATE/root.base"
sum /srv/data/bl >"$VMTEST_STATE/data.base"
# Room for the 200 MiB that stage 2 writes to each volume.
rewind begin --name bl --baseline / /srv/data:400M | tee "$VMTEST_STATE/begin.out"
grep -q '^Baseline bl is open' "$VMTEST_STATE/begin.out"
rewind status --json | jq -e '.transactions[0].baseline == true and .transactions[0].restores == 0'
lvs --noheadings -o lv_tags vg0/root-rewind-bl | grep -q 'rewind:baseline'
test_run 1
rewind rollback --reboot
