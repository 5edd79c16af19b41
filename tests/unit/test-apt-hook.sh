#!/bin/bash
# rewind apt-hook as apt runs it: a real apt's input (tests/fuzz/corpus-apt-info/real-*-v3, apt
# 2.6.1) on a pipe, the binary built with the REWIND_* overrides ($B/rewind-test-hooks) and run
# as an unprivileged user, so that nothing reaches LVM: off, a bad rewind.conf, another root,
# not root with and without auto_begin_required, input larger than the hook keeps. With
# REWIND_TEST_REAL_APT=1, as root, on a Debian host: a real apt-get installs a package made here
# with the hook as apt.conf's DPkg::Pre-Install-Pkgs (it changes the host's dpkg database: the
# package is removed again). Prints PASS/FAIL lines for tests/unit/run.
set -u
cd "$(dirname "$0")/../.."
B=${B:-build}
bin=$(realpath "$B/rewind-test-hooks")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
capture=tests/fuzz/corpus-apt-info/real-upgrade-v3
export REWIND_CONF=$tmp/rewind.conf REWIND_RUNDIR=$tmp/run REWIND_STATEDIR=$tmp/state

run() { # run NAME COMMAND...: PASS when the command succeeds
	local name=$1
	shift
	if "$@"; then echo "PASS $name"; else echo "FAIL $name"; fi
}

# As an unprivileged user when we are root: the verb stops before LVM.
unpriv() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		"$@"
	fi
}

# hook INPUT_FILE: run the verb with it on a pipe; $rc, $out, $err. The writer must see its
# whole input read (pipefail: a writer killed by SIGPIPE fails).
hook() {
	set -o pipefail
	cat "$1" | unpriv "$bin" apt-hook >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set +o pipefail
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

if ! [ -x "$bin" ]; then
	echo "FAIL apt_hook_binary: $bin not built"
	exit 1
fi

# Off (no rewind.conf): silent, exit 0.
rm -f "$REWIND_CONF"
hook "$capture"
run off_exit_0 test "$rc" -eq 0
run off_silent test -z "$out$err"

# Off, 40 MiB of input: all of it read (the writer is not cut short).
head -c $((40 << 20)) /dev/zero | tr '\0' 'x' >"$tmp/big"
cat "$capture" "$tmp/big" >"$tmp/big-input"
hook "$tmp/big-input"
run off_drains_big_input test "$rc" -eq 0

# A rewind.conf that does not parse: a warning naming the line, exit 0 even if required.
printf 'auto_begin_required = yes\nauto_begin = sometimes\n' >"$REWIND_CONF"
chmod 644 "$REWIND_CONF"
hook "$capture"
run bad_conf_exit_0 test "$rc" -eq 0
run bad_conf_names_line grep -q "rewind.conf:2: invalid auto_begin 'sometimes'" <<<"$err"
run bad_conf_warns grep -q "the upgrade goes on without a safety net" <<<"$err"

# dpkg on another root: no transaction.
printf 'auto_begin = apt\nauto_begin_required = yes\n' >"$REWIND_CONF"
printf 'VERSION 3\nDPkg::Chroot-Directory=/target\n\n' >"$tmp/chroot"
hook "$tmp/chroot"
run chroot_exit_0 test "$rc" -eq 0
run chroot_says_so grep -q "another root (/target)" <<<"$out"

# Not root: a warning and exit 0; required: exit non-zero (apt stops).
printf 'auto_begin = apt\n' >"$REWIND_CONF"
hook "$capture"
run not_root_exit_0 test "$rc" -eq 0
run not_root_warns grep -q "^rewind: Failed to begin a transaction before this upgrade: Must be run as root; the upgrade goes on without a safety net.$" <<<"$err"
run real_input_understood test -z "$(grep 'not understood' <<<"$err")"
printf 'auto_begin = apt\nauto_begin_required = yes\n' >"$REWIND_CONF"
hook "$capture"
run required_exit_non_zero test "$rc" -ne 0
run required_says_apt_stops grep -q "apt stops before dpkg runs" <<<"$err"
hook "$tmp/big-input"
run required_drains_big_input_too test "$rc" -ne 0 -a "$rc" -ne 141

[ "${REWIND_TEST_REAL_APT:-0}" = 1 ] || exit 0
# ---- a real apt (opt-in): apt runs the hook, stops before dpkg when it fails ----
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
	echo "FAIL real_apt: needs root, apt-get and dpkg-deb"
	exit 0
fi
pkg=rewind-hook-test
mkdir -p "$tmp/p/DEBIAN"
printf 'Package: %s\nVersion: 1.0\nArchitecture: all\nMaintainer: rewind tests <t@example.invalid>\nDescription: rewind apt-hook test\n' \
	"$pkg" >"$tmp/p/DEBIAN/control"
dpkg-deb --build --root-owner-group "$tmp/p" "$tmp/$pkg.deb" >/dev/null
chmod 644 "$tmp/$pkg.deb"
# As apt/80rewind, the hook run unprivileged (setpriv is then the first word: its Version).
cmd="setpriv --reuid=65534 --regid=65534 --clear-groups $bin apt-hook"
apt_run() {
	apt-get -y -o "DPkg::Pre-Install-Pkgs::=$cmd" -o "DPkg::Tools::Options::setpriv::Version=3" \
		"$@" >"$tmp/apt.log" 2>&1
}
dpkg -s "$pkg" >/dev/null 2>&1 && apt-get -y purge "$pkg" >/dev/null 2>&1
# Required: the hook fails (not root), apt stops before dpkg: the package is not installed.
printf 'auto_begin = apt\nauto_begin_required = yes\n' >"$REWIND_CONF"
apt_run install "$tmp/$pkg.deb"
rc=$?
run real_apt_required_fails test "$rc" -ne 0
run real_apt_failure_running_script grep -q "Failure running script" "$tmp/apt.log"
run real_apt_dpkg_not_run test -z "$(dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep ' installed')"
# Not required: a warning, apt goes on.
printf 'auto_begin = apt\n' >"$REWIND_CONF"
apt_run install "$tmp/$pkg.deb"
rc=$?
run real_apt_goes_on test "$rc" -eq 0
run real_apt_warns grep -q "without a safety net" "$tmp/apt.log"
run real_apt_input_understood test -z "$(grep 'not understood' "$tmp/apt.log")"
run real_apt_installed dpkg -s "$pkg"
apt-get -y purge "$pkg" >/dev/null 2>&1
run real_apt_cleaned_up test -z "$(dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep ' installed')"
