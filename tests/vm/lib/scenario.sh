# shellcheck shell=bash
# Running one scenario: one boot per stage, verdicts, logs.
# Scenario files (besides stage-N.sh):
#   expect-fail             the scenario must fail (its verdict is inverted): proves the harness
#                           catches failures. Its non-comment lines, if any, are extended regexps
#                           that "stage-N: REASON" of the failure must match (e.g. stage-1: exited 1).
#                           --strict ignores expect-fail.
#   allow-final-reboot      the last stage may end by rebooting instead of exiting 0
#   stage-N.lost-boots      K: after stage N, K boots are expected NOT to reach a stage (the guest
#                           must go down by itself, e.g. a failing boot); a stage may also print
#                           "@@VMTEST LOST-BOOTS K" (vmtest_expect_lost_boots K) to its output.
#   stage-N.cut-when        ERE: the boot after stage N loses power (QEMU is SIGKILLed) as soon
#                           as the console matches it, e.g. in the middle of a merge; that boot
#                           counts as a lost boot (one more besides stage-N.lost-boots)
#   stage-N.cut-during      ERE: stage N's own boot loses power (SIGKILL) as soon as the console or
#                           the stage's output (boot-K.out) matches it, polled continuously (a cut
#                           lands within milliseconds, e.g. between two LVM commands). That stage
#                           then passes as "stage-N (power cut)" and stage N+1 runs at the next
#                           boot; it fails if it exits or reboots with no match, or if the power
#                           was cut before it started.
#   stage-N.without         serials, one per line (only "data": the stage needs sys, scratch and
#                           ctl): the boot that runs stage N has no such disk; later boots have it
#                           again. The guest skips /srv/data in that boot (guest/vmtest-generator).
#   rtc-offset              signed seconds: the guest's clock (QEMU -rtc base=, set at each QEMU
#                           start) differs from the host's by that much in every boot, e.g. -3600
#   stage-N.rtc-offset      the same for the boot that runs stage N only (wins over rtc-offset)
#   timeout                 seconds per boot for this scenario (overrides --timeout)
#   allow-emergency         emergency mode is part of the scenario (the guest must get out of it
#                           by itself): the watchdog stops QEMU only on the UEFI shell

# first_line FILE: its first line that is neither blank nor a comment.
first_line() { grep -v -e '^#' -e '^[[:space:]]*$' "$1" | head -n 1; }

# boot_opts DIR [N]: the settings of the next boot from the scenario files, for a boot that runs
# stage N or, without N, a lost boot: sets CUT_DURING, WITHOUT (" data"), RTC_OFFSET (seconds).
# Returns 1 with WHY when a file is malformed.
boot_opts() {
	local dir=$1 n=${2:-} f=$1/rtc-offset v
	CUT_DURING= WITHOUT= RTC_OFFSET=
	[ -n "$n" ] && [ -e "$dir/stage-$n.rtc-offset" ] && f=$dir/stage-$n.rtc-offset
	if [ -e "$f" ]; then
		v=$(first_line "$f" | tr -d ' \t'); v=${v#+}
		[[ $v =~ ^-?[0-9]+$ ]] || { WHY="${f##*/}: not a signed number of seconds: \"$v\""; return 1; }
		if [ "${v#-}" != "$v" ]; then RTC_OFFSET=$((-10#${v#-})); else RTC_OFFSET=$((10#$v)); fi
	fi
	[ -n "$n" ] || return 0
	if [ -e "$dir/stage-$n.cut-during" ]; then
		CUT_DURING=$(first_line "$dir/stage-$n.cut-during")
		[ -n "$CUT_DURING" ] || { WHY="stage-$n.cut-during holds no regexp"; return 1; }
	fi
	[ -e "$dir/stage-$n.without" ] || return 0
	for v in $(grep -v '^#' "$dir/stage-$n.without"); do
		case $v in
		data) WITHOUT="$WITHOUT $v" ;;
		sys|scratch|ctl) WHY="stage-$n.without: the stage cannot run without the $v disk"; return 1 ;;
		*) WHY="stage-$n.without: no disk has the serial \"$v\" (sys data scratch ctl)"; return 1 ;;
		esac
	done
}

# proto OUT KEY: the argument of the last "@@VMTEST KEY ..." line, or nothing.
proto() { sed -n "s/^@@VMTEST $2 *//p" "$1" | tail -n 1; }
has_proto() { grep -q "^@@VMTEST $2\b" "$1"; }

# classify OUT SERIAL QRC: sets VERDICT (exited|rebooted|cut|lost|fail) and WHY. cut: the power
# was cut (stage-N.cut-during) after the stage started.
classify() {
	local out=$1 serial=$2 qrc=$3 rc down=
	grep -q 'reboot: Restarting system' "$serial" && down=rebooted
	grep -q 'reboot: Power down' "$serial" && down="powered off"
	if [ "${WATCH_WHY#power cut}" != "$WATCH_WHY" ]; then
		has_proto "$out" START || { VERDICT=lost WHY=$WATCH_WHY; return; }
		[ -n "${CUT_DURING:-}" ] && { VERDICT=cut WHY=$WATCH_WHY; return; }
	fi
	if [ -n "$WATCH_WHY" ]; then VERDICT=fail WHY=$WATCH_WHY; return; fi
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		VERDICT=fail WHY="timed out after ${BOOT_TIMEOUT} s"
		has_proto "$out" START || WHY="$WHY, the stage never started"
		has_proto "$out" EXIT && WHY="$WHY, stage exited $(proto "$out" EXIT) but the guest did not power off"
		return
	fi
	if ! has_proto "$out" START; then
		VERDICT=lost WHY="guest went down (${down:-no reboot line, qemu rc $qrc}) before the stage"
		return
	fi
	if has_proto "$out" EXIT; then
		rc=$(proto "$out" EXIT)
		if [ "$rc" = 0 ]; then VERDICT=exited WHY="exited 0"
		else VERDICT=fail WHY="exited $rc"; fi
		return
	fi
	rc=$(proto "$out" REBOOTING)
	has_proto "$out" TERM && rc=${rc:-143}
	if [ -z "$rc" ]; then
		VERDICT=fail WHY="the stage never reported (guest ${down:-died}, qemu rc $qrc)"
	elif [ "$rc" != 0 ] && [ "$rc" != 143 ]; then
		VERDICT=fail WHY="exited $rc while a reboot was pending"
	elif [ -z "$down" ]; then
		VERDICT=fail WHY="stage ended with a reboot but the guest did not go down cleanly (qemu rc $qrc)"
	else
		VERDICT=rebooted WHY="$down"
	fi
}

# boot_stage SCEN N LABEL: one boot that should run stage N (or, for LABEL lost-*, should not),
# with the settings of boot_opts. ELAPSED leaves out the time spent waiting for a guest slot.
boot_stage() {
	local scen=$1 n=$2 label=$3 ctl=$WORK/ctl t0 ts waited=0 qpid tpid=
	BOOTNO=$((BOOTNO + 1))
	local out=$LOGDIR/boot-$BOOTNO.out serial=$LOGDIR/boot-$BOOTNO.serial
	rm -rf "$ctl"; mkdir -p "$ctl/scenario"
	cp -rL "$scen/." "$ctl/scenario/" && echo "$n" >"$ctl/stage" &&
		tar -C "$ctl" --owner=0 --group=0 -cf "$WORK/ctl.tar" ./stage ./scenario || die "ctl tar"
	info "boot $BOOTNO: $label"
	local try retried='' qrc
	for try in 1 2; do
		# The state before the boot, for a retry: the boot loader already changes it (one-shot
		# variable, boot counters on the ESP) before the guest can hang.
		qemu-img snapshot -c pre "$WORK/sys.qcow2" && qemu-img snapshot -c pre "$WORK/data.qcow2" &&
			cp "$WORK/vars.fd" "$WORK/vars.fd.pre" || die "snapshot before boot $BOOTNO"
		: >"$out"; : >"$serial"
		rm -f "$WORK/qemu.pid"     # qemu_watch waits for QEMU's new one
		ts=$(now_ms); [ "$try" = 1 ] && t0=$ts
		qemu_boot "$WORK" "$WORK/ctl.tar" "$out" "$serial" "$LOGDIR/boot-$BOOTNO.qemu" "$BOOT_TIMEOUT" &
		qpid=$!
		if [ -n "$OPT_SHOW" ]; then
			tail -n +1 -F --pid="$qpid" "$out" 2>/dev/null | grep --line-buffered -v '^@@VMTEST' &
			tpid=$!
		fi
		qemu_watch "$WORK" "$serial" "$qpid" "$out" "$ts"
		waited=$((waited + QEMU_T0 - ts))
		{ wait "$qpid"; } 2>/dev/null; qrc=$? # no "Killed" line for a stopped guest
		[ -n "$tpid" ] && wait "$tpid" 2>/dev/null
		if [ -n "$WATCH_STALL" ] && [ "$try" = 1 ]; then
			mv "$serial" "$serial.stalled"
			qemu-img snapshot -a pre "$WORK/sys.qcow2" && qemu-img snapshot -a pre "$WORK/data.qcow2" &&
				cp "$WORK/vars.fd.pre" "$WORK/vars.fd" || die "restore before retrying boot $BOOTNO"
			qemu-img snapshot -d pre "$WORK/sys.qcow2"; qemu-img snapshot -d pre "$WORK/data.qcow2"
			info "boot $BOOTNO: $WATCH_WHY; retrying it once from the same disks and EFI variables"
			retried="; retried once after the guest stalled before init (log: ${serial##*/}.stalled)"
			continue
		fi
		qemu-img snapshot -d pre "$WORK/sys.qcow2"; qemu-img snapshot -d pre "$WORK/data.qcow2"
		break
	done
	classify "$out" "$serial" "$qrc"
	ELAPSED=$(secs $((t0 + waited)))
	NOTE=; [ -n "$UP_SECS" ] && NOTE="; stage started after $UP_SECS s"
	NOTE="$NOTE$retried"
	[ "$waited" -ge 2000 ] && NOTE="$NOTE; waited $((waited / 1000)) s for a guest slot"
	[ -n "${WITHOUT:-}" ] && NOTE="$NOTE; disks left out:$WITHOUT"
	[ -n "${RTC_OFFSET:-}" ] && NOTE="$NOTE; guest clock $RTC_OFFSET s off"
	if [ "${label#lost}" != "$label" ]; then
		if [ "$VERDICT" = lost ]; then VERDICT=ok
		elif [ "$VERDICT" != fail ]; then VERDICT=fail WHY="a boot expected to be lost ran the stage"; fi
	fi
}

# expect_matches FILE DESC: DESC matches every regexp line of FILE (none: anything matches).
expect_matches() {
	local re
	while IFS= read -r re; do
		case $re in ''|'#'*) continue ;; esac
		[[ $2 =~ $re ]] || return 1
	done <"$1"
	return 0
}

# report PASS|FAIL SCEN LABEL: one result line.
report() { printf '%s %s %s (%s s) %s%s\n' "$1" "$2" "$3" "$ELAPSED" "$WHY" "${NOTE:-}"; NOTE=; }

# run_scenario DIR: sets SCEN_OK=1 when the scenario behaved as expected.
run_scenario() {
	local dir=${1%/} name n last lost k ok=1 t0 expect_fail= label
	name=$(basename "$dir"); SCEN_OK=0
	[ -d "$dir" ] || { echo "FAIL $name (no such directory)"; return; }
	[ -e "$dir/expect-fail" ] && [ -z "$OPT_STRICT" ] && expect_fail=1
	FAIL_DESC=
	last=$(find "$dir" -maxdepth 1 -name 'stage-*.sh' | sed 's/.*stage-\([0-9]*\)\.sh$/\1/' | sort -n | tail -1)
	[ -n "$last" ] || { echo "FAIL $name (no stage-N.sh)"; return; }
	BOOT_TIMEOUT=$OPT_TIMEOUT
	[ -e "$dir/timeout" ] && BOOT_TIMEOUT=$(cat "$dir/timeout")
	WATCH_FATAL=$WATCH_FATAL_ALL
	[ -e "$dir/allow-emergency" ] && WATCH_FATAL='UEFI Interactive Shell'
	LOGDIR=$LOG_ROOT/$name-$(date +%Y%m%d-%H%M%S)-$$
	WORK=$LOGDIR/disks; BOOTNO=0
	mkdir -p "$LOGDIR"; new_disks "$WORK"
	info "scenario $name: $last stage(s), $ACCEL, logs in $LOGDIR"
	t0=$(now_ms)
	for ((n = 1; n <= last; n++)); do
		[ -x "$dir/stage-$n.sh" ] || { ELAPSED=0 WHY="stage-$n.sh missing or not executable"
			report FAIL "$name" "stage-$n"; ok=0; break; }
		label=stage-$n
		if ! boot_opts "$dir" "$n"; then
			ELAPSED=0; report FAIL "$name" "$label"; ok=0; FAIL_DESC="$label: $WHY"; break
		fi
		boot_stage "$dir" "$n" "$label"
		case $VERDICT in
		cut) label="stage-$n (power cut)" ;;
		exited|rebooted)
			if [ -n "$CUT_DURING" ]; then
				VERDICT=fail WHY="the power was never cut: \"$CUT_DURING\" never matched the console or the stage output (the stage $WHY)"
			elif [ "$VERDICT" = rebooted ] && [ "$n" = "$last" ] && [ ! -e "$dir/allow-final-reboot" ]; then
				VERDICT=fail WHY="the last stage rebooted (add allow-final-reboot to permit)"
			fi ;;
		lost) VERDICT=fail WHY="the stage never started: $WHY" ;;
		esac
		if [ "$VERDICT" = fail ]; then
			report FAIL "$name" "$label"; ok=0; FAIL_DESC="stage-$n: $WHY"; break
		fi
		report PASS "$name" "$label"
		# the boots that follow (lost ones) run without the stage's own settings
		if ! boot_opts "$dir"; then
			ELAPSED=0; report FAIL "$name" "stage-$((n + 1))"; ok=0; FAIL_DESC="stage-$((n + 1)): $WHY"; break
		fi
		lost=$(proto "$LOGDIR/boot-$BOOTNO.out" LOST-BOOTS)
		[ -e "$dir/stage-$n.lost-boots" ] && lost=$(cat "$dir/stage-$n.lost-boots")
		if [ -e "$dir/stage-$n.cut-when" ]; then
			CUT_WHEN=$(first_line "$dir/stage-$n.cut-when")
			boot_stage "$dir" $((n + 1)) "lost-boot-power-cut"
			CUT_WHEN=
			if [ "$VERDICT" = ok ] && [ "${WATCH_WHY#power cut}" != "$WATCH_WHY" ]; then
				WHY=$WATCH_WHY; report PASS "$name" "lost-boot-power-cut"
			else
				[ "$VERDICT" = ok ] && WHY="the console never matched: $CUT_WHEN"
				report FAIL "$name" "lost-boot-power-cut"; ok=0
				FAIL_DESC="lost-boot-power-cut: $WHY"; break
			fi
		fi
		for ((k = 1; k <= ${lost:-0}; k++)); do
			boot_stage "$dir" $((n + 1)) "lost-boot-$k"
			if [ "$VERDICT" = ok ]; then report PASS "$name" "lost-boot-$k"
			else report FAIL "$name" "lost-boot-$k"; ok=0; FAIL_DESC="lost-boot-$k: $WHY"; break 2; fi
		done
	done
	ELAPSED=$(secs "$t0")
	if [ "$ok" = 0 ]; then
		debugfs -R "rdump /.vmtest $LOGDIR" "$WORK/scratch.img" >/dev/null 2>&1 &&
			mv "$LOGDIR/.vmtest/"* "$LOGDIR/" 2>/dev/null; rmdir "$LOGDIR/.vmtest" 2>/dev/null
		if [ -z "$expect_fail" ]; then
			echo "--- $name: last stage output (boot-$BOOTNO.out) ---"
			grep -v '^@@VMTEST' "$LOGDIR/boot-$BOOTNO.out" | tail -n 25
			echo "--- logs: $LOGDIR ---"
		fi
	fi
	[ -z "${REWIND_VM_KEEP_DISKS:-}" ] && rm -rf "$WORK"
	if [ -n "$expect_fail" ]; then
		if [ "$ok" = 1 ]; then WHY="passed but expect-fail says it must fail"
		elif ! expect_matches "$dir/expect-fail" "$FAIL_DESC"; then
			WHY="failed, but not as expect-fail says: $FAIL_DESC"
		else SCEN_OK=1 WHY="failed as expected (expect-fail: $FAIL_DESC)"; fi
	else
		SCEN_OK=$ok WHY="$last stage(s)"
	fi
	report "$([ "$SCEN_OK" = 1 ] && echo PASS || echo FAIL)" "$name" "scenario"
	[ "$SCEN_OK" = 1 ] && [ -z "$OPT_KEEP_LOGS" ] && rm -rf "$LOGDIR"
	[ "$SCEN_OK" = 1 ] || echo "logs: $LOGDIR"
}
