#!/bin/bash
# stage-1.cut-during: the power is cut during this stage's own command, a fraction of a second after
# the line it prints. Around that line the command prints guest-clock ticks every 10 ms (bash
# builtins only: $EPOCHREALTIME, read -t), so boot-1.out shows how fast lines reach the host and
# how many more did after the cut line (the latency); 1 s later it writes and syncs a marker that
# must never reach the disk (stage 2 checks).
set -eu
echo armed >"$VMTEST_STATE/armed"
sync
mkfifo /run/vmtest-tick
exec 9<>/run/vmtest-tick               # nobody writes it: read -t 0.01 is a sleep without a fork
tick() { echo "tick $1 $EPOCHREALTIME"; read -r -t 0.01 -u 9 _ || true; }
for ((i = -20; i < 0; i++)); do tick "$i"; done
echo "vmtest: cut here $EPOCHREALTIME"
for ((i = 1; i <= 100; i++)); do tick "$i"; done
echo "1 s after the cut line" >"$VMTEST_STATE/survived"
sync
echo "still running 1 s after the cut line: the power was not cut"
