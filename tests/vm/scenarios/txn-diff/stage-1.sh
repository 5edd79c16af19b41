#!/bin/bash
# rewind diff on / and /srv/data: exactly the changes made to two test trees since begin are
# listed (text and --json; the rest of root changes too on a live system: /var/log, ...: only
# the test trees are asserted, their unchanged paths must be absent); the snapshots are mounted
# in a private mount namespace only: nothing is left mounted after a normal run, nor after a
# kill -9 of a diff in progress; the snapshot devices are never written (their write count in
# /sys/block/dm-N/stat stays the same: only read, as a rollback must find them).
set -euxo pipefail
R=/opt/rewind-diff-test
D=/srv/data/diff-test

mk_tree() { # the tree before begin
	mkdir -p "$1/tree/sub" "$1/dir"
	echo keep >"$1/keep"
	echo before >"$1/changed"
	echo gone >"$1/removed"
	echo perm >"$1/perm"
	ln -s keep "$1/link"
	echo leaf >"$1/tree/sub/leaf"
	echo inside >"$1/dir/inside"
}
rm -rf "$R" "$D"
mk_tree "$R"
mk_tree "$D"
# Many files on data: changed later, so that a diff has much to say when it is killed below.
mkdir -p /srv/data/many
for i in $(seq 1 20000); do : >"/srv/data/many/f$i"; done
sync
rewind begin --name d1 / /srv/data
# Writes completed on each snapshot device (not its COW store: the snapshot as mounted).
snap_writes() {
	local n
	for n in vg0-root--rewind--d1 vg1-data--rewind--d1; do
		awk '{print $5}' "/sys/block/$(basename "$(readlink -f "/dev/mapper/$n")")/stat"
	done | tr '\n' ' '
}
writes0=$(snap_writes)

change_tree() {
	echo after >>"$1/changed"
	rm "$1/removed"
	chmod 600 "$1/perm"
	ln -sfn changed "$1/link"
	rm -r "$1/tree"
	echo new >"$1/added"
	echo nl >"$1/new"$'\n'"line"
	printf esc >"$1/esc"$'\x1b'"[31m"
}
change_tree "$R"
change_tree "$D"
sync

rewind diff >"$VMTEST_STATE/diff.txt"
grep -v '^[ADM] /var/' "$VMTEST_STATE/diff.txt" | sed -n 1,200p
! grep -q $'\x1b' "$VMTEST_STATE/diff.txt" || exit 1

expected() { # the lines for a test tree at $1
	cat <<LINES
M $1
A $1/added
M $1/changed
A $1/esc\\x1b[31m
M $1/link
A $1/new\\x0aline
M $1/perm
D $1/removed
D $1/tree
D $1/tree/sub
D $1/tree/sub/leaf
LINES
}
for t in "$R" "$D"; do
	grep -E "^[ADM] $t(/|\$)" "$VMTEST_STATE/diff.txt" | sort >"$VMTEST_STATE/got"
	expected "$t" | sort >"$VMTEST_STATE/want"
	diff -u "$VMTEST_STATE/want" "$VMTEST_STATE/got"
done
grep -q '^# vg0/root (snapshot root-rewind-d1), mounted at /$' "$VMTEST_STATE/diff.txt"
grep -q '^# vg1/data (snapshot data-rewind-d1), mounted at /srv/data$' "$VMTEST_STATE/diff.txt"
grep -qE '^# vg1/data: 3 added, 4 removed, 4 modified \([0-9]+ paths compared\)$' \
	"$VMTEST_STATE/diff.txt"
# Nothing below another file system: /proc, /sys, /srv/data, /boot/efi on root's side.
! grep -qE '^[ADM] /(proc|sys|dev|run|boot/efi)/' "$VMTEST_STATE/diff.txt" || exit 1
! grep -qE '^[ADM] /srv/data/' <(sed -n '/^# vg0\/root/,/^# vg0\/root:/p' "$VMTEST_STATE/diff.txt") || exit 1

# --verbose: what changed, the type of what was added or removed.
rewind diff --verbose /srv/data >"$VMTEST_STATE/diff-v.txt"
grep -qx "M mode $D/perm" "$VMTEST_STATE/diff-v.txt"
grep -qx "M size,mtime,target $D/link" "$VMTEST_STATE/diff-v.txt"
grep -qx "M size,mtime $D/changed" "$VMTEST_STATE/diff-v.txt"
grep -qx "D directory $D/tree" "$VMTEST_STATE/diff-v.txt"
! grep -q '^# vg0/root' "$VMTEST_STATE/diff-v.txt" || exit 1

# --json: the same changes; paths relative to the volume's root, "mount" where it is.
rewind diff --json vg1/data >"$VMTEST_STATE/diff.json"
jq -e '.transaction == "d1" and (.volumes | length) == 1' "$VMTEST_STATE/diff.json"
jq -e '.volumes[0] | .volume == "vg1/data" and .mount == "/srv/data" and .fstype == "ext4"' \
	"$VMTEST_STATE/diff.json"
jq -r '.volumes[0].changes[] | select((.path | type) == "string")
	| select(.path | startswith("/diff-test")) | "\(.change) \(.path | @json)"' \
	"$VMTEST_STATE/diff.json" | sort >"$VMTEST_STATE/got-json"
sort >"$VMTEST_STATE/want-json" <<'LINES'
modified "/diff-test"
added "/diff-test/added"
modified "/diff-test/changed"
added "/diff-test/esc\u001b[31m"
modified "/diff-test/link"
added "/diff-test/new\nline"
modified "/diff-test/perm"
removed "/diff-test/removed"
removed "/diff-test/tree"
removed "/diff-test/tree/sub"
removed "/diff-test/tree/sub/leaf"
LINES
diff -u "$VMTEST_STATE/want-json" "$VMTEST_STATE/got-json"
jq -e '.volumes[0].changes[] | select(.path == "/diff-test/perm") | .what == ["mode"]
	and .old.mode == "0644" and .new.mode == "0600"' "$VMTEST_STATE/diff.json"
jq -e '.volumes[0].changes[] | select(.path == "/diff-test/link") | .old.target == "keep"
	and .new.target == "changed"' "$VMTEST_STATE/diff.json"

# No mount left behind by the runs above, in any namespace; the snapshots are closed again.
snap_mounted() {
	grep -l -e 'rewind--d1' -e '/run/rewind/diff/' /proc/[0-9]*/mountinfo 2>/dev/null | grep -q .
}
! snap_mounted || { grep -e 'rewind--d1' -e /run/rewind/diff/ /proc/[0-9]*/mountinfo; exit 1; }
! findmnt -rn -o TARGET | grep -q '^/run/rewind/diff' || exit 1
[ "$(dmsetup info -c --noheadings -o open vg1-data--rewind--d1)" -eq 0 ]
[ "$(dmsetup info -c --noheadings -o open vg0-root--rewind--d1)" -eq 0 ]

# kill -9 of a diff in progress: its child (and with it the mount namespace) dies too. 20000
# changes: once the child runs, `rewind diff` is stopped (SIGSTOP), so the child fills the pipe
# and blocks with the snapshot mounted; then the parent gets kill -9.
touch /srv/data/many/*
sync
rewind diff /srv/data >/dev/null &
pid=$!
child=
for _ in $(seq 1 1000); do
	child=$(pgrep -P "$pid" || true)
	[ -n "$child" ] && break
	sleep 0.01
done
[ -n "$child" ]
kill -STOP "$pid"
for _ in $(seq 1 300); do
	grep -q /run/rewind/diff/snapshot "/proc/$child/mountinfo" && break
	sleep 0.1
done
grep /run/rewind/diff/snapshot "/proc/$child/mountinfo" # mounted in the child's namespace...
! grep -q /run/rewind/diff/ /proc/self/mountinfo || exit 1 # ...not in ours
kill -9 "$pid"
wait "$pid" || true
for _ in $(seq 1 100); do
	snap_mounted || break
	sleep 0.1
done
! snap_mounted || { grep -e 'rewind--d1' /proc/[0-9]*/mountinfo; exit 1; }
! pgrep -f '^rewind diff' || exit 1
for _ in $(seq 1 50); do
	[ "$(dmsetup info -c --noheadings -o open vg1-data--rewind--d1)" -eq 0 ] && break
	sleep 0.1
done
[ "$(dmsetup info -c --noheadings -o open vg1-data--rewind--d1)" -eq 0 ]
! findmnt -rn -o TARGET | grep -q '^/run/rewind/diff' || exit 1

# The snapshot devices were only read: what they hold is what a rollback restores.
[ "$(snap_writes)" = "$writes0" ]

# Not a member: usage error (2).
rc=0
rewind diff /boot/efi || rc=$?
[ "$rc" -eq 2 ]

# history: no rollback yet in this guest (or whatever earlier boots recorded), never an error.
rewind history
rewind history --json | jq -e 'type == "array"'

rewind commit
rc=0
rewind diff || rc=$?
[ "$rc" -eq 3 ]
rm -rf "$R" "$D" /srv/data/many
