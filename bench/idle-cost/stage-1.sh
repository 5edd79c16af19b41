#!/bin/bash
# Benchmark: what the initramfs stage costs a boot with nothing armed, side by side with the
# cheapest LVM command that must run anyway (a bare `lvs`), in the same boot, same VM.
set -euo pipefail
ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
best() { sort -n | head -n 1; }
rb=$(for i in 1 2 3 4 5; do ms rewind boot; done | best)
lv=$(for i in 1 2 3 4 5; do ms lvs; done | best)
tr=$(for i in 1 2 3 4 5; do ms true; done | best)
echo "rewind boot, nothing armed: ${rb} ms (best of 5)"
echo "lvs:                        ${lv} ms (best of 5)"
echo "true (process start):       ${tr} ms (best of 5)"
awk -v a="$rb" -v b="$lv" 'BEGIN { printf "ratio rewind boot / lvs: %.2f\n", a / b }'
# In the initramfs, from the journal of this boot:
journalctl -b -o short-monotonic --no-pager -u rewind-initrd.service | awk '
	/Starting/ { s = substr($1, 2) + 0 } /Finished/ { f = substr($1, 2) + 0 }
	END { if (s && f) printf "rewind-initrd.service in this boot: %.3f s (start to finish)\n", f - s }'
