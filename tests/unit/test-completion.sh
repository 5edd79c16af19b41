#!/bin/bash
# completion/rewind sourced in bash: COMPREPLY for a few command lines, lvs and findmnt faked on
# PATH; the verbs and options it offers are those of src/cli. PASS/FAIL lines for tests/unit/run.
set -u
top="$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir "$tmp/bin"
cat >"$tmp/bin/lvs" <<'LVS'
#!/bin/sh
printf '  vg0 root             \n  vg0 root-rewind-T1 root\n  vg1 data             \n'
LVS
cat >"$tmp/bin/findmnt" <<'FINDMNT'
#!/bin/sh
printf '/ /dev/mapper/vg0-root\n/proc proc\n/srv/data /dev/mapper/vg1-data\n/boot/efi /dev/vda1\n'
FINDMNT
chmod +x "$tmp/bin/lvs" "$tmp/bin/findmnt"
PATH="$tmp/bin:$PATH"
# shellcheck source=../../completion/rewind
. "$top/completion/rewind"

# complete WORDS...: COMPREPLY (sorted, space-separated) for the last word being completed.
complete_line() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_rewind
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

check() { # check NAME EXPECTED WORDS...
	local name=$1 want=$2 got
	shift 2
	got=$(complete_line "$@")
	if [ "$got" = "$want" ]; then
		echo "PASS $name"
	else
		echo "FAIL $name"
		echo "  got:      '$got'"
		echo "  expected: '$want'"
	fi
}

check verbs_prefix "begin boot boot-failed boot-finish boot-good boot-kernel-check" rewind b
check verbs_after_global "diff" rewind -v di
check global_options "--verbose --version" rewind --ver
check begin_options "--baseline --name --size" rewind begin --
check begin_name_value "" rewind begin --name ""
check begin_volumes "/ /srv/data vg0/root vg1/data" rewind begin ""
check diff_volume_prefix "vg1/data" rewind diff --json vg1
check diff_options "--checksum --json --verbose" rewind diff -
check rollback_options "--now --reboot" rewind rollback --
check history_json "--json" rewind history --j
check commit_nothing "" rewind commit ""

# The verbs offered are the verb table's (src/cli/verbs.c), the options each verb's getopt table.
table=$(sed -n 's/^ *{"\([a-z-]*\)", [0-9].*/\1/p' "$top/src/cli/verbs.c" | sort | tr '\n' ' ')
offered=$(complete_line rewind "" | tr ' ' '\n' | sort | tr '\n' ' ')
if [ "$table" = "$offered" ]; then
	echo "PASS verbs_match_table"
else
	echo "FAIL verbs_match_table"
	echo "  table:   $table"
	echo "  offered: $offered"
fi
getopt_opts=$(sed -n 's/^ *{"\([a-z-]*\)", \(no\|required\)_argument.*/--\1/p' "$top"/src/cli/verb-*.c |
	sort -u | tr '\n' ' ')
for o in $getopt_opts; do
	grep -q -- "$o" "$top/completion/rewind" || missing="${missing:-} $o"
done
if [ -z "${missing:-}" ]; then
	echo "PASS options_match_getopt"
else
	echo "FAIL options_match_getopt"
	echo "  not offered:$missing"
fi
