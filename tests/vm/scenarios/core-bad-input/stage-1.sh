#!/bin/bash
# Each bad input: a clear one-line error, the documented exit code, and nothing created.
set -uo pipefail
fails=0
snapshots() { lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0 vg1 | wc -l; }

# try EXIT_CODE PATTERN COMMAND...
try() {
	local want=$1 pat=$2 before out rc
	shift 2
	before=$(snapshots)
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -qiE "$pat" <<<"$out" || [ "$(snapshots)" -ne "$before" ]; then
		printf 'FAIL: %s -> rc %s (want %s): %s\n' "$*" "$rc" "$want" "$out"
		fails=$((fails + 1))
	else
		printf 'ok: %s -> %s: %s\n' "$*" "$rc" "$out"
	fi
}

try 2 'unknown|usage|help' rewind frobnicate
try 2 'invalid|name' rewind begin --name 'bad name' /
try 2 'invalid|name' rewind begin --name '$(reboot)' /
try 2 'invalid|volume|name' rewind begin 'vg0/root;reboot'
try 2 'invalid|volume|name' rewind begin "vg0/root --config x"
try 2 'not found|no such|unknown|volume' rewind begin vg0/nosuch
try 2 'not found|no such|unknown|volume|mount' rewind begin /nonexistent
try 2 'size|policy|invalid' rewind begin --size 12Q /
try 3 'no transaction|nothing|not open|none' rewind commit
try 3 'no transaction|nothing|not open|none' rewind rollback
try 3 'no transaction|nothing|not armed|none' rewind cancel
try 4 'root' setpriv --reuid=65534 --regid=65534 --clear-groups rewind begin /
try 5 'space|free' rewind begin --size 100G /

rewind begin --name open1 / || fails=$((fails + 1))
try 3 'already|open' rewind begin --name open2 /
rewind commit || fails=$((fails + 1))
[ "$(snapshots)" -eq 0 ] || fails=$((fails + 1))
echo "bad-input failures: $fails"
[ "$fails" -eq 0 ]
