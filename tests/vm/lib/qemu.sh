# shellcheck shell=bash
# QEMU: accelerator choice and one boot of the standard machine.

QEMU=${QEMU:-qemu-system-x86_64}
QEMU_MEM=${REWIND_VM_MEM:-2048}
QEMU_CACHE=${REWIND_VM_DISK_CACHE:-unsafe}   # guest flushes are not forced to the host disk

# TCG's CPU: QEMU's max without ERMS. With ERMS the guest kernel clears and copies pages with
# `rep stosb`/`rep movsb`, which TCG runs one byte per iteration: boots showed 22 to 74 s "soft
# lockups" in clear_page_erms, and harness-persist took 166 and 185 s against 121 to 133 s without
# (tests/vm/README.md, "Measured").
QEMU_TCG_CPU=${REWIND_VM_CPU:-max,-erms}

# choose_accel: sets ACCEL_ARGS from OPT_ACCEL (kvm|tcg|auto). auto probes KVM once per host boot
# (a kernel that panics at once; a working KVM exits in seconds, a broken one hangs: 25 s cap).
choose_accel() {
	local tcg=(-accel tcg,thread=multi -cpu "$QEMU_TCG_CPU") kvm=(-accel kvm -cpu host) probe res
	case $OPT_ACCEL in
	tcg) ACCEL_ARGS=("${tcg[@]}"); ACCEL=tcg; return ;;
	kvm) ACCEL_ARGS=("${kvm[@]}"); ACCEL=kvm; return ;;
	esac
	probe=/run/rewind-vm/kvm-probe
	if [ ! -e "$probe" ]; then
		mkdir -p /run/rewind-vm; res=tcg
		if [ -w /dev/kvm ]; then
			info "probing KVM (max 25 s)"
			timeout -k 5 25 "$QEMU" -machine q35 "${kvm[@]}" -m 256 -display none -nodefaults \
				-no-reboot -serial "file:/run/rewind-vm/kvm-probe.log" \
				-kernel "$BASE_DIR/tree/boot/vmlinuz-$KVER" \
				-append "console=ttyS0 panic=-1 root=/dev/nonexistent" >/dev/null 2>&1
			grep -q 'Kernel panic' /run/rewind-vm/kvm-probe.log && res=kvm
		fi
		echo "$res" >"$probe"
	fi
	if [ "$(cat "$probe")" = kvm ]; then ACCEL_ARGS=("${kvm[@]}"); ACCEL=kvm
	else ACCEL_ARGS=("${tcg[@]}"); ACCEL=tcg; fi
}

# guest_slot: wait for one of REWIND_VM_JOBS host-wide guest slots (default 1: on a 2-core host
# a second TCG guest makes every boot 2 to 3 times slower and 90 s device timeouts fire). The
# slot is a flock held by the calling (per-boot) subshell until QEMU exits.
guest_slot() {
	local i said=
	while :; do
		for ((i = 1; i <= ${REWIND_VM_JOBS:-1}; i++)); do
			exec 8>"$CACHE_ROOT/guest-slot-$i" && flock -n 8 && return 0
		done
		[ -z "$said" ] && info "waiting for a free guest slot (REWIND_VM_JOBS=${REWIND_VM_JOBS:-1})"
		said=1; sleep 2
	done
}

# qemu_disk SERIAL DRIVE_OPTS [DEVICE_OPTS]: add one virtio-blk disk (a -drive/-device pair,
# addressed in the guest by its serial) to QEMU_DISKS, unless $WITHOUT (stage-N.without) names it.
qemu_disk() {
	case " ${WITHOUT:-} " in *" $1 "*) return ;; esac
	QEMU_DISKS+=(-drive "if=none,id=$1,$2" -device "virtio-blk-pci,drive=$1,serial=$1${3:-}")
}

# qemu_boot DISKDIR CTL OUT SERIAL QLOG TIMEOUT: one boot, one QEMU process. Disks in DISKDIR:
# sys.qcow2, data.qcow2, scratch.img, vars.fd. Returns QEMU's (or timeout's 124) exit status.
# $WITHOUT: serials of disks to leave out of this boot; $RTC_OFFSET: seconds (signed) between the
# guest's clock and the host's, applied when QEMU starts (so after the wait for a guest slot).
qemu_boot() {
	local d=$1 ctl=$2 out=$3 serial=$4 qlog=$5 t=$6 c=$QEMU_CACHE s extra=()
	rm -f "$d/qemu.pid"
	guest_slot
	QEMU_DISKS=()
	qemu_disk sys "format=qcow2,cache=$c,file=$d/sys.qcow2" ",bootindex=1"
	qemu_disk data "format=qcow2,cache=$c,file=$d/data.qcow2"
	qemu_disk scratch "format=raw,cache=$c,file=$d/scratch.img"
	qemu_disk ctl "format=raw,readonly=on,file=$ctl"
	# SMBIOS OEM strings tell the guest what is left out (guest/vmtest-generator) and the host's
	# clock at QEMU start (vmtest_host_clock)
	for s in ${WITHOUT:-}; do extra+=(-smbios "type=11,value=vmtest.without=$s"); done
	extra+=(-smbios "type=11,value=vmtest.host-clock=$(date +%s)")
	[ -n "${RTC_OFFSET:-}" ] &&
		extra+=(-rtc "base=$(date -u -d "@$(($(date +%s) + RTC_OFFSET))" +%Y-%m-%dT%H:%M:%S)")
	# { } 2>/dev/null: no shell "Killed" line when the watchdog or a power cut SIGKILLs QEMU
	{ timeout -k 10 "$t" "$QEMU" -machine q35 "${ACCEL_ARGS[@]}" -smp 2 -m "$QEMU_MEM" \
		-display none -nodefaults -no-reboot -monitor none -nic none -pidfile "$d/qemu.pid" \
		-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
		-drive "if=pflash,format=raw,file=$d/vars.fd" \
		"${QEMU_DISKS[@]}" "${extra[@]}" \
		-device virtio-serial-pci \
		-chardev "file,id=results,path=$out" \
		-device virtserialport,chardev=results,name=vmtest.results \
		-chardev "file,id=con,path=$serial" -serial chardev:con \
		>"$qlog" 2>&1 </dev/null; } 2>/dev/null
}

# cut_watch FILE QPID RE: (background) cut the power of QEMU QPID (SIGKILL) as soon as FILE
# matches the ERE RE; FILE.cut gets the matched text and the host time of the kill (to measure the
# latency). tail -F follows FILE through inotify (-s: its poll when inotify is unavailable), so the
# kill comes milliseconds after QEMU wrote the line, not within qemu_watch's 1 s poll: fast enough
# to cut between two LVM commands of a stage.
cut_watch() {
	tail -n +1 -F -s 0.05 --pid="$2" "$1" 2>/dev/null | {
		grep -a -o -m1 -E -e "$3" >"$1.cut.tmp" || { rm -f "$1.cut.tmp"; exit 0; }
		kill -9 "$2" 2>/dev/null
		echo "killed at $(date +%s.%N)" >>"$1.cut.tmp"
		mv "$1.cut.tmp" "$1.cut"
	}
}

# qemu_watch DISKDIR SERIAL PID OUT T0: while PID runs, stop QEMU early when the console shows that
# the guest can never reach a stage: the firmware fell back to the UEFI shell, or systemd entered
# emergency mode; or cut its power (SIGKILL) when the console matches $CUT_WHEN, or when the console
# or the stage output matches $CUT_DURING (polled continuously by cut_watch). Sets WATCH_WHY (empty
# if QEMU ended by itself), QEMU_T0 (ms, when QEMU started; T0 if it never did) and UP_SECS
# (seconds from QEMU start until the stage started, within the 1 s poll).
WATCH_FATAL_ALL='UEFI Interactive Shell|You are in emergency mode|Entering emergency mode'
WATCH_FATAL=$WATCH_FATAL_ALL
# A console silent this long before the kernel ran init: the emulator hung (TCG on this host has
# hung in early kernel init, e.g. after "IP idents hash table entries"). Nothing of the guest OS or
# the scenario has run yet, so the harness may retry that boot (WATCH_STALL=1).
STALL_SECS=${REWIND_VM_STALL_SECS:-120}
qemu_watch() {
	local d=$1 serial=$2 pid=$3 out=$4 t0=$5 hit size=-1 quiet=0 s qemu cuts=() f
	UP_SECS= WATCH_WHY= WATCH_STALL= QEMU_T0=$t0
	# The clocks start when QEMU does (its pid file), not when qemu_boot does: qemu_boot may first
	# wait minutes in guest_slot for another run's guest, and that wait once counted as a silent
	# console, so a boot that had waited STALL_SECS for its slot was "stalled" on its first poll.
	# boot_stage removed the previous boot's pid file before starting qemu_boot.
	while [ ! -s "$d/qemu.pid" ]; do kill -0 "$pid" 2>/dev/null || return; sleep 0.2; done
	QEMU_T0=$(now_ms) qemu=$(cat "$d/qemu.pid")
	if [ -n "${CUT_DURING:-}" ]; then
		rm -f "$serial.cut" "$out.cut"
		cut_watch "$serial" "$qemu" "$CUT_DURING" &
		cuts+=($!)
		cut_watch "$out" "$qemu" "$CUT_DURING" &
		cuts+=($!)
	fi
	while kill -0 "$pid" 2>/dev/null; do
		s=$(stat -c %s "$serial" 2>/dev/null || echo 0)
		if [ "$s" = "$size" ]; then quiet=$((quiet + 1)); else size=$s quiet=0; fi
		if [ "$quiet" -ge "$STALL_SECS" ] && ! grep -qa 'Run /init as init process' "$serial"; then
			WATCH_WHY="stalled: no console output for $STALL_SECS s before the guest ran init"
			WATCH_STALL=1
			echo "[vm] $WATCH_WHY" >>"$serial"
			kill -9 "$qemu" 2>/dev/null
			break
		fi
		[ -z "$UP_SECS" ] && grep -qs '^@@VMTEST START' "$out" && UP_SECS=$(secs "$QEMU_T0")
		# A power cut: SIGKILL, so nothing in the guest gets to flush or finish.
		if [ -n "${CUT_WHEN:-}" ] && hit=$(grep -s -a -o -m1 -E "$CUT_WHEN" "$serial"); then
			WATCH_WHY="power cut when the console showed \"$hit\""
			echo "[vm] $WATCH_WHY" >>"$serial"
			kill -9 "$qemu" 2>/dev/null
			break
		fi
		if hit=$(grep -s -a -o -m1 -E "$WATCH_FATAL" "$serial"); then
			WATCH_WHY="stopped: the console shows \"$hit\""
			echo "[vm] $WATCH_WHY" >>"$serial"
			sleep 3    # let the console show why
			kill "$qemu" 2>/dev/null
			break
		fi
		sleep 1
	done
	[ ${#cuts[@]} -gt 0 ] || return 0
	wait "${cuts[@]}" 2>/dev/null     # they end with QEMU (tail --pid)
	[ -z "$UP_SECS" ] && grep -qs '^@@VMTEST START' "$out" && UP_SECS=$(secs "$QEMU_T0")
	for f in "$out" "$serial"; do
		[ -z "$WATCH_WHY" ] && [ -s "$f.cut" ] || continue
		WATCH_WHY="power cut when the $([ "$f" = "$out" ] && echo stage output || echo console)"
		WATCH_WHY="$WATCH_WHY showed \"$(head -n 1 "$f.cut")\""
		echo "[vm] $WATCH_WHY" >>"$serial"
	done
}

# new_disks DISKDIR: fresh per-scenario overlays over the cached images, scratch disk, EFI vars.
new_disks() {
	local d=$1
	mkdir -p "$d"
	qemu-img create -q -f qcow2 -b "$SYS_IMG" -F raw "$d/sys.qcow2" || die "qemu-img sys"
	qemu-img create -q -f qcow2 -b "$BASE_DIR/data.img" -F raw "$d/data.qcow2" || die "qemu-img data"
	truncate -s 256M "$d/scratch.img"
	mkfs.ext4 -q -F -L vmstate "$d/scratch.img" || die "mkfs scratch"
	cp "$OVMF_VARS" "$d/vars.fd"
}
