#!/bin/bash
# tests/vm/host/test-slot-stall.sh: the stall watchdog's clock starts when QEMU does, not while a
# run waits in guest_slot for another run's guest. Host only: no QEMU (./qemu-system-x86_64 is a
# fake, first in PATH), no root, no device-mapper; about 10 s.
#
# Two processes run the harness's own run_scenario (tests/vm/lib: new_disks, boot_stage, qemu_boot,
# guest_slot, qemu_watch, classify, report) at once, on one guest slot, with
# REWIND_VM_STALL_SECS=2. The first ("holder") gets the slot; its stage waits for a file. The
# second ("waiter") queues for the slot; the test releases the holder only STALL_SECS + 4 s after
# the waiter said "waiting for a free guest slot". The waiter's boot must then pass on its first
# try: no "stalled", no retry, one QEMU start per run, and its result line says it waited.
# Ends with "N passed, N failed" (tools/check).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
STALL=2

# --run-one SCENARIO_DIR (one "run" process): what tests/vm/run does for one scenario once the images exist, with
# throwaway disks (new_disks makes qcow2 overlays over the tiny files below).
if [ "${1:-}" = --run-one ]; then
	. "$HERE/../lib/common.sh"
	. "$HERE/../lib/qemu.sh"
	. "$HERE/../lib/scenario.sh"
	OPT_TIMEOUT=60 OPT_KEEP_LOGS=1 OPT_SHOW='' OPT_STRICT='' ACCEL=tcg ACCEL_ARGS=(-accel tcg)
	SYS_IMG=$T/sys.img BASE_DIR=$T
	run_scenario "$2"
	[ "$SCEN_OK" = 1 ]
	exit
fi

passed=0 failed=0
check() { # check DESCRIPTION CMD...: one PASS/FAIL line
	local d=$1
	shift
	if "$@"; then echo "PASS $d"; passed=$((passed + 1)); else echo "FAIL $d"; failed=$((failed + 1)); fi
}

for t in qemu-img mkfs.ext4 flock timeout tar; do
	command -v "$t" >/dev/null || { echo "FAIL missing $t (tools/deps.sh)"; echo "0 passed, 1 failed"; exit 1; }
done
T=$(mktemp -d /tmp/rewind-vm-host.XXXXXX) || exit 1
mkdir -p "$T/bin" "$T/cache" "$T/logs" "$T/holder" "$T/waiter"
ln -s "$HERE/qemu-system-x86_64" "$T/bin/qemu-system-x86_64"
truncate -s 1M "$T/sys.img" "$T/data.img" "$T/vars.fd"
# the holder's stage ends when the test releases it (60 s at most)
printf '#!/bin/bash\nfor ((i = 0; i < 600; i++)); do [ -e "$FAKE_RELEASE" ] && exit 0; sleep 0.1; done\nexit 1\n' \
	>"$T/holder/stage-1.sh"
printf '#!/bin/sh\ntrue\n' >"$T/waiter/stage-1.sh"
chmod +x "$T/holder/stage-1.sh" "$T/waiter/stage-1.sh"
unset QEMU REWIND_VM_JOBS REWIND_VM_SRC
export PATH="$T/bin:$PATH" T REWIND_VM_CACHE=$T/cache REWIND_VM_LOGS=$T/logs REWIND_VM_STALL_SECS=$STALL \
	OVMF_VARS=$T/vars.fd FAKE_QEMU_LOG=$T/qemu-starts FAKE_RELEASE=$T/release
if [ "$(command -v qemu-system-x86_64)" != "$T/bin/qemu-system-x86_64" ]; then
	echo "FAIL the fake QEMU is not first in PATH"; echo "0 passed, 1 failed"; exit 1
fi
trap 'touch "$FAKE_RELEASE"' EXIT # interrupted: the holder's stage ends at once
t0=$(date +%s%3N)

bash "$HERE/${0##*/}" --run-one "$T/holder" >"$T/holder.log" 2>&1 &
holder=$!
# the holder's QEMU runs (it logs its start before it writes its pid file): the slot is taken
for ((i = 0; i < 300; i++)); do
	[ -s "$T/qemu-starts" ] && break
	kill -0 "$holder" 2>/dev/null || break
	sleep 0.1
done
bash "$HERE/${0##*/}" --run-one "$T/waiter" >"$T/waiter.log" 2>&1 &
waiter=$!
for ((i = 0; i < 300; i++)); do
	grep -q 'waiting for a free guest slot' "$T/waiter.log" && break
	kill -0 "$waiter" 2>/dev/null || break
	sleep 0.1
done
waiting_at=$(date +%s%3N)
sleep $((STALL + 4))
touch "$FAKE_RELEASE"
wait "$holder"; holder_rc=$?
wait "$waiter"; waiter_rc=$?
trap - EXIT
secs=$((($(date +%s%3N) - t0) / 1000))

touch "$T/qemu-starts"
for r in holder waiter; do sed "s/^/  $r: /" "$T/$r.log"; done
sed 's/^/  qemu started (ms pid stage): /' "$T/qemu-starts"
waiter_start=$(awk 'NR == 2 { print $1 }' "$T/qemu-starts")
check "the holder's scenario passed" [ "$holder_rc" = 0 ]
check "the waiter's scenario passed" [ "$waiter_rc" = 0 ]
check "the waiter queued for the slot while the holder's guest ran" \
	grep -q 'waiting for a free guest slot' "$T/waiter.log"
check "the waiter's QEMU started more than $STALL s (the stall limit) after it queued" \
	[ $((${waiter_start:-0} - waiting_at)) -gt $((STALL * 1000)) ]
check "no boot was declared stalled" eval '! grep -rqs stalled "$T/holder.log" "$T/waiter.log" "$T/logs"'
check "no boot was retried" eval '! grep -qs retried "$T/holder.log" "$T/waiter.log"'
check "QEMU started once per run" [ "$(wc -l <"$T/qemu-starts")" = 2 ]
check "the waiter's result line says it waited for a guest slot" \
	grep -Eq '^PASS waiter stage-1 .*; waited [0-9]+ s for a guest slot' "$T/waiter.log"
echo "($secs s)"
if [ "$failed" = 0 ]; then rm -rf "$T"; else echo "kept: $T"; fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
