#!/bin/bash
# The maintainer scripts of a built rewind .deb, run on this host with fakes first in PATH:
# rewind, dracut, kernel-install, bootctl, dpkg-query, dpkg-trigger, deb-systemd-helper,
# deb-systemd-invoke and systemctl only log their arguments (and answer as a case says). Run as
# root in a mount namespace of its own, with tmpfs on /boot (fake kernels), /run and /var/lib, so
# nothing of the host is touched. Usage: tests/deb/test-maintscripts.sh DEB.
# Prints PASS/FAIL per check and "N passed, N failed".
set -uo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
deb=$(readlink -f "${1:?usage: $0 DEB}")

if [ -z "${REWIND_TEST_NS:-}" ]; then
	if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
		echo "SKIP test-maintscripts: needs root and unshare -m"
		echo "0 passed, 0 failed"
		exit 0
	fi
	exec unshare -m --propagation private env REWIND_TEST_NS=1 "$0" "$@"
fi

passed=0 failed=0
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
dpkg-deb -e "$deb" "$t/ctl" || exit 1
preset="$here/../../units/90-rewind.preset"
mount -t tmpfs tmpfs /boot && mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/lib || exit 1
mkdir -p /run/systemd/system # as on a host booted with systemd
# Two kernels: the running one (so postinst asks "rewind check" after a rebuild) and another.
krun=$(uname -r) kother=6.1.0-9-test
touch "/boot/vmlinuz-$krun" "/boot/vmlinuz-$kother"


# The fakes. FAKE_* (exported per case) say how they answer; all log to $t/log.
mkdir "$t/bin"
fake() {
	printf '#!/bin/sh\necho "%s $*" >>"%s/log"\n%s\n' "$1" "$t" "$2" >"$t/bin/$1"
	chmod +x "$t/bin/$1"
}
fake rewind '
case "$1 ${2:-}" in
"status --json")
	[ -z "${FAKE_STDERR:-}" ] || echo "$FAKE_STDERR" >&2
	cat "$FAKE_JSON"; exit "${FAKE_REWIND_RC:-0}" ;;
"status ") echo "Transaction t1: armed, begun 2026-12-01 06:00:00, 1 volume(s)" ;;
"check ")
	echo "ok    kernel: dm_snapshot is available"
	if [ "${FAKE_CHECK_RC:-0}" = 7 ]; then
		echo "FAIL  initramfs: entry e (default) loads /efi/x/k/initrd.img-k, which lacks the rewind module"
		echo "      rebuild it: dracut -f /efi/x/k/initrd.img-k k"
	fi
	exit "${FAKE_CHECK_RC:-0}" ;;
esac
exit "${FAKE_REWIND_RC:-0}"'
fake dracut 'case " $* " in *" ${FAKE_DRACUT_FAIL:-none} "*) exit 1 ;; esac'
fake kernel-install ''
fake bootctl 'exit "${FAKE_BOOTCTL_RC:-0}"'
fake dpkg-query 'echo "${FAKE_DRACUT_STATUS:-install installed}"'
fake dpkg-trigger 'exit "${FAKE_TRIGGER_RC:-0}"'
fake deb-systemd-helper ''
fake deb-systemd-invoke ''
fake systemctl ''

empty='{ "transactions":[ ], "esp_restore_pending":[ ], "last_boot":null }'
open='{
  "transactions":[
    { "txid":"t1", "state":"armed", "members":[ "vg/root" ] }
  ],
  "esp_restore_pending":[ ],
  "last_boot":null
}'
pending='{ "transactions":[ ], "esp_restore_pending":[ "t0" ], "last_boot":null }'

# run SCRIPT ARGS...: in a clean environment plus the case's FAKE_*; sets rc, out (stdout and
# stderr), log (what the fakes were called with).
run() {
	local script=$1
	shift
	: >"$t/log"
	out=$(env -i PATH="${CASE_PATH:-$t/bin:/usr/sbin:/usr/bin:/sbin:/bin}" FAKE_JSON="$t/json" \
		"${case_env[@]}" sh "$t/ctl/$script" "$@" 2>&1)
	rc=$?
	log=$(cat "$t/log")
}
json() { printf '%s\n' "$1" >"$t/json"; }
ok() {
	if "$@"; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: rc=$rc"
		sed 's/^/     out: /' <<<"$out"
		sed 's/^/     log: /' <<<"$log"
		failed=$((failed + 1))
	fi
}
has() { grep -qF -- "$1" <<<"$2"; }

name=prerm_remove_no_transaction case_env=() && json "$empty" && run prerm remove
ok eval '[ $rc -eq 0 ] && has "deb-systemd-invoke stop rewind-boot-deadline.timer rewind-failed-boot.timer" "$log"'

# A warning on stderr (an unknown rewind.conf key) is not part of the answer.
name=prerm_remove_warning_on_stderr case_env=(FAKE_STDERR="Warning: /etc/rewind/rewind.conf:3: unknown key 'foo'") &&
	json "$empty" && run prerm remove
ok eval '[ $rc -eq 0 ]'

name=prerm_remove_refused_open case_env=() && json "$open" && run prerm remove
ok eval '[ $rc -ne 0 ] && has "a transaction is not finished" "$out" && has "Transaction t1: armed" "$out" &&
	has "rewind commit" "$out" && has "rewind rollback" "$out" && has "rewind cancel" "$out" &&
	has "REWIND_FORCE_REMOVE=1" "$out" && ! has "deb-systemd-invoke" "$log"'

name=prerm_remove_refused_esp_restore_pending case_env=() && json "$pending" && run prerm remove
ok eval '[ $rc -ne 0 ] && has "a transaction is not finished" "$out"'

name=prerm_remove_refused_rewind_fails case_env=(FAKE_REWIND_RC=1 FAKE_STDERR="Failed to open LVM") && json "" && run prerm remove
ok eval '[ $rc -ne 0 ] && has "cannot tell" "$out" && has "Failed to open LVM" "$out"'

name=prerm_remove_refused_rewind_missing
rm "$t/bin/rewind.off" 2>/dev/null
mv "$t/bin/rewind" "$t/bin/rewind.off"
case_env=() CASE_PATH="$t/bin:/usr/bin:/bin" && json "$empty" && run prerm remove
mv "$t/bin/rewind.off" "$t/bin/rewind"
unset CASE_PATH
ok eval '[ $rc -ne 0 ] && has "cannot tell" "$out" && has "REWIND_FORCE_REMOVE=1" "$out"'

name=prerm_remove_refused_unknown_json case_env=() && json '{"something":"else"}' && run prerm remove
ok eval '[ $rc -ne 0 ] && has "cannot tell" "$out"'

name=prerm_remove_forced case_env=(REWIND_FORCE_REMOVE=1) && json "$open" && run prerm remove
ok eval '[ $rc -eq 0 ] && has "REWIND_FORCE_REMOVE=1" "$out" && ! has "rewind status" "$log"'

name=prerm_upgrade_not_checked case_env=() && json "$open" && run prerm upgrade 0.1
ok eval '[ $rc -eq 0 ] && ! has "rewind " "$log"'

name=postinst_configure_defers_to_trigger case_env=() && run postinst configure
ok eval '[ $rc -eq 0 ] && has "dpkg-trigger --no-await rewind-initramfs" "$log" && ! has "dracut" "$log"'

name=postinst_configure_enables_the_preset_units
enabled=$(sed -n "s/^deb-systemd-helper enable \\(.*\\)/\\1/p" <<<"$log" | tr -d "'" | sort | tr '\n' ' ')
want=$(sed -n 's/^enable //p' "$preset" | sort | tr '\n' ' ')
ok eval '[ -n "$want" ] && [ "$enabled" = "$want" ] &&
	has "deb-systemd-invoke start rewind-auto-commit.timer rewind-monitor.timer" "$log"'

name=postinst_configure_not_under_dpkg case_env=(FAKE_TRIGGER_RC=1 FAKE_BOOTCTL_RC=1) && run postinst configure
ok eval '[ $rc -eq 0 ] && has "dracut -q --force /boot/initrd.img-$kother $kother" "$log"'

name=postinst_triggered_systemd_boot case_env=() && run postinst triggered rewind-initramfs
expect=$(for k in /boot/vmlinuz-*; do
	k=${k#/boot/vmlinuz-}
	echo "dracut -q --force /boot/initrd.img-$k $k"
	echo "kernel-install add $k /boot/vmlinuz-$k"
done)
ok eval '[ $rc -eq 0 ] && [ "$(grep -E "^(dracut|kernel-install) " <<<"$log")" = "$expect" ] &&
	has "rewind check" "$log" && ! has "still lacks rewind" "$out"'

name=postinst_triggered_check_says_no_module case_env=(FAKE_CHECK_RC=7) && run postinst triggered rewind-initramfs
ok eval '[ $rc -eq 0 ] && has "still lacks rewind" "$out" && has "rebuild it: dracut -f /efi/x/k/initrd.img-k k" "$out" &&
	! has "dm_snapshot" "$out"'

name=postinst_triggered_check_other_failure_quiet case_env=(FAKE_CHECK_RC=5) && run postinst triggered rewind-initramfs
ok eval '[ $rc -eq 0 ] && ! has "still lacks rewind" "$out"'

name=postinst_triggered_no_systemd_boot case_env=(FAKE_BOOTCTL_RC=1) && run postinst triggered rewind-initramfs
ok eval '[ $rc -eq 0 ] && has "dracut -q --force /boot/initrd.img-$krun" "$log" && ! has kernel-install "$log"'

name=postinst_triggered_dracut_fails_warns case_env=(FAKE_DRACUT_FAIL=$kother) && run postinst triggered rewind-initramfs
ok eval '[ $rc -eq 0 ] && has "warning: the initramfs could not be rebuilt" "$out" &&
	has "dracut --force /boot/initrd.img-$kother $kother" "$out" &&
	has "kernel-install add $kother /boot/vmlinuz-$kother" "$out" &&
	has "kernel-install add $krun" "$log" && ! has "kernel-install add $kother" "$log"'

name=postinst_triggered_without_dracut case_env=("FAKE_DRACUT_STATUS=unknown not-installed") && run postinst triggered rewind-initramfs
ok eval '[ $rc -eq 0 ] && has "apt install dracut" "$out" && ! has "dracut " "$log"'

name=postinst_triggered_skipped case_env=(REWIND_NO_INITRAMFS=1) && run postinst triggered rewind-initramfs
ok eval '[ $rc -eq 0 ] && ! has "dracut " "$log" && has "REWIND_NO_INITRAMFS=1" "$out"'

name=postrm_remove_rebuilds case_env=() && run postrm remove
ok eval '[ $rc -eq 0 ] && has "dracut -q --force /boot/initrd.img-$kother" "$log" &&
	has "kernel-install add $kother" "$log" && has "systemctl --system daemon-reload" "$log" &&
	has "deb-systemd-helper purge rewind-health.service" "$log"'

name=postrm_purge_removes_state
mkdir -p /var/lib/rewind && echo '{}' >/var/lib/rewind/history.jsonl
case_env=() && run postrm purge
ok eval '[ $rc -eq 0 ] && [ ! -e /var/lib/rewind ] && has "deb-systemd-helper purge" "$log"'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
