#!/bin/bash
# Still changed after a reboot with nothing armed; and the initramfs stage cost of such a boot.
set -euxo pipefail
grep -qx after /etc/rewind-marker
grep -qx after /srv/data/marker
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0 vg1)" ]
[ ! -e /run/rewind/outcome.json ]
# The stage ran in the initramfs; print what it cost (monotonic start -> finish).
journalctl -b -o short-monotonic --no-pager -u rewind-initrd.service | tee "$VMTEST_STATE/idle"
grep -q 'Finished.*rewind-initrd' "$VMTEST_STATE/idle" || grep -q 'Finished rewind' "$VMTEST_STATE/idle"
start=$(grep -m1 -E 'Starting' "$VMTEST_STATE/idle" | sed -E 's/^\[ *([0-9.]+)\].*/\1/')
end=$(grep -m1 -E 'Finished' "$VMTEST_STATE/idle" | sed -E 's/^\[ *([0-9.]+)\].*/\1/')
echo "initramfs stage with nothing armed: $(echo "$end - $start" | bc -l 2>/dev/null || awk "BEGIN{print $end-$start}") s (TCG VM)"
