#!/bin/bash
# kernel/91-rewind.install against a fake ESP, as kernel-install runs it after 90-loaderentry.
# Prints PASS/FAIL lines for tests/unit/run.
set -u
plugin="$(dirname "$0")/../../kernel/91-rewind.install"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tok=0123456789abcdef0123456789abcdef
ent="$tmp/esp/loader/entries"

run() { # run NAME COMMAND...: PASS when the command succeeds
	local name=$1
	shift
	if "$@"; then echo "PASS $name"; else echo "FAIL $name"; fi
}

setup() {
	rm -rf "$tmp/esp"
	mkdir -p "$ent"
	printf 'title Debian\nversion 6.2.0-1-amd64\noptions root=/dev/vg0/root ro rd.rewind.rollback=t1 rd.rewind=0 quiet\nlinux /x/linux\n' \
		>"$ent/$tok-6.2.0-1-amd64.conf"
}

plugin() {
	KERNEL_INSTALL_BOOT_ROOT="$tmp/esp" KERNEL_INSTALL_ENTRY_TOKEN=$tok KERNEL_INSTALL_LAYOUT=bls \
		sh "$plugin" "$@" "6.2.0-1-amd64" "$tmp/esp/$tok/6.2.0-1-amd64"
}

# No transaction counts boots: rd.rewind.* goes, the rest stays, the name stays.
setup
plugin add
run strips_cmdline grep -qx 'options root=/dev/vg0/root ro rd.rewind=0 quiet' "$ent/$tok-6.2.0-1-amd64.conf"
run not_counted_without_tries test ! -e "$ent/$tok-6.2.0-1-amd64+2.conf"

# A transaction counts boots: the new entry gets +N and is listed.
setup
mkdir -p "$tmp/esp/rewind/t1"
touch "$ent/rewind-t1.conf"
echo 2 >"$tmp/esp/rewind/t1/tries"
echo "$tok-6.1.0-1-amd64" >"$tmp/esp/rewind/t1/counted"
plugin add
run counted test -f "$ent/$tok-6.2.0-1-amd64+2.conf" -a ! -e "$ent/$tok-6.2.0-1-amd64.conf"
run counted_stripped grep -qx 'options root=/dev/vg0/root ro rd.rewind=0 quiet' "$ent/$tok-6.2.0-1-amd64+2.conf"
run listed diff -u <(printf '%s\n' "$tok-6.1.0-1-amd64" "$tok-6.2.0-1-amd64") "$tmp/esp/rewind/t1/counted"

# The same kernel installed again: one entry, with the counter systemd-boot ran down.
mv "$ent/$tok-6.2.0-1-amd64+2.conf" "$ent/$tok-6.2.0-1-amd64+1-1.conf"
printf 'title Debian\nversion 6.2.0-1-amd64\noptions root=/dev/vg0/root ro\nlinux /x/linux\n' \
	>"$ent/$tok-6.2.0-1-amd64.conf"
plugin add
run reinstall_keeps_counter diff -u <(ls "$ent") <(printf '%s\n' "$tok-6.2.0-1-amd64+1-1.conf" rewind-t1.conf)
run reinstall_not_listed_twice test "$(grep -c 6.2.0-1 "$tmp/esp/rewind/t1/counted")" = 1

# A leftover pin without its rollback entry counts nothing.
setup
mkdir -p "$tmp/esp/rewind/old"
echo 2 >"$tmp/esp/rewind/old/tries"
plugin add
run leftover_ignored test -f "$ent/$tok-6.2.0-1-amd64.conf"

# Garbage in the tries file (it is read from the ESP) counts nothing; remove is left alone.
setup
mkdir -p "$tmp/esp/rewind/t1"
touch "$ent/rewind-t1.conf"
echo '2; reboot' >"$tmp/esp/rewind/t1/tries"
: >"$tmp/esp/rewind/t1/counted"
plugin add
run bad_tries_ignored test -f "$ent/$tok-6.2.0-1-amd64.conf" -a ! -s "$tmp/esp/rewind/t1/counted"
echo 2 >"$tmp/esp/rewind/t1/tries"
plugin remove
run remove_untouched test -f "$ent/$tok-6.2.0-1-amd64.conf"
