#!/bin/bash
# Benchmark, stage 2: this boot rolled root back after 256 MiB of changes. Kernel start to the
# stage's start, against the boot of stage 1 that had nothing armed. Then a thin data volume is
# armed for stage 3.
set -euo pipefail
up=$(cut -d' ' -f1 /proc/uptime)
idle=$(cat "$VMTEST_STATE/up-idle")
. /usr/local/lib/vmtest/vmtest.sh
[ ! -e /var/tmp/bench-blob ] || vmtest_fail "root was not rolled back"
printf '%-64s %s\n' "boot with root armed (256 MiB changed) / boot with nothing armed" \
	"$(awk -v a="$up" -v b="$idle" 'BEGIN { printf "%.2f", a / b }')  (${up} s / ${idle} s, kernel start to the stage; goal <= 1.2)"
t0=$(date +%s%N)
rewind merge-wait >/dev/null
echo "root's merge ended $(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s after the stage started"
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0)" ] || vmtest_fail "snapshots left"

# A thin member armed for the next boot: 128 MiB written to /mnt/tbench (mounted, so armed).
mountpoint -q /mnt/tbench || vmtest_fail "/mnt/tbench is not mounted"
sha256sum </mnt/tbench/before >"$VMTEST_STATE/tbench-sum"
rewind begin --name tboot /mnt/tbench >/dev/null
dd if=/dev/urandom of=/mnt/tbench/change bs=1M count=128 conv=fsync status=none
rewind rollback >/dev/null
rewind status | grep -qi armed || vmtest_fail "the thin volume is not armed"
systemctl reboot
