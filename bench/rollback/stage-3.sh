#!/bin/bash
# Benchmark, stage 3: this boot rolled a thin data volume back (LVM's metadata swap in the
# initramfs) after 128 MiB of changes. Kernel start to the stage's start, against stage 1's boot.
set -euo pipefail
up=$(cut -d' ' -f1 /proc/uptime)
idle=$(cat "$VMTEST_STATE/up-idle")
. /usr/local/lib/vmtest/vmtest.sh
[ ! -e /mnt/tbench/change ] && [ "$(sha256sum </mnt/tbench/before)" = "$(cat "$VMTEST_STATE/tbench-sum")" ] ||
	vmtest_fail "the thin volume was not rolled back"
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg1)" ] || vmtest_fail "snapshots left"
printf '%-64s %s\n' "boot with a thin member armed (128 MiB changed) / nothing armed" \
	"$(awk -v a="$up" -v b="$idle" 'BEGIN { printf "%.2f", a / b }')  (${up} s / ${idle} s, kernel start to the stage; goal <= 1.1)"
