#!/bin/bash
# The seed story ("An upgrade safety net with the logical volume manager"), told again with
# rewind in place of its hand-written transaction, abort and remove_snapshot.
# Every step is printed as the story prints it; every outcome the story shows is checked.
set -euo pipefail
cd /root

say() { printf '\n%s\n' "$*"; }
run() {
	printf '~# %s\n' "$*"
	eval "$@"
}
expect() { # expect FILE TEXT: the file must read exactly TEXT
	if [ "$(cat "$1")" != "$2" ]; then
		printf 'UNEXPECTED: %s is\n%s\nexpected\n%s\n' "$1" "$(cat "$1")" "$2" >&2
		exit 1
	fi
}

say "== A fake physical partition, a volume group, a logical volume"
run 'dd if=/dev/zero of=loop1.raw bs=1M count=64 status=none'
run 'LOOP=$(losetup -f --show loop1.raw); echo $LOOP'
run 'pvcreate -q $LOOP'
run 'vgcreate -q datadisks $LOOP'
run 'lvcreate -q -n website -L 12M datadisks'
run 'mkfs.ext4 -q /dev/datadisks/website'
run 'mkdir -p ./mnt/website && mount /dev/datadisks/website ./mnt/website'

say "== The website goes into production"
run 'touch ./mnt/website/database ./mnt/website/index.html'
add_new_user() { echo "name:$1,age:$2" >>./mnt/website/database; }
run 'add_new_user alice 29'
run 'add_new_user bob 18'
run 'cat ./mnt/website/database'
before='name:alice,age:29
name:bob,age:18'
expect ./mnt/website/database "$before"

upgrade_schema_and_website() {
	touch ./mnt/website/{social-caramels.js,ponies.js,eye-candy.css}
	add_new_user() { echo "id:$RANDOM,name:$1,age:$2" >>./mnt/website/database; }
	nl -n rz -w 3 ./mnt/website/database | sed 's/\t/,/; s/^/if:/' >./mnt/website/database.new
	mv ./mnt/website/database{.new,}
}

say "== The night of the upgrade: rewind begin replaces 'transaction'"
run 'rewind begin --name upgrade-1 datadisks/website:24M'
run 'rewind status'
run 'upgrade_schema_and_website'
run 'cat ./mnt/website/database'
expect ./mnt/website/database 'if:001,name:alice,age:29
if:002,name:bob,age:18'

say "== Ouuuch: 'if' everywhere. rewind rollback --now replaces 'abort'"
run 'rewind rollback --now'
run 'cat ./mnt/website/database'
expect ./mnt/website/database "$before"
run 'ls ./mnt/website/ponies.js 2>&1 || true'
[ ! -e ./mnt/website/ponies.js ]
add_new_user() { echo "name:$1,age:$2" >>./mnt/website/database; }
# The website is back in use already; the kernel merges the snapshot behind it.
run 'rewind merge-wait'
run 'lvs datadisks'
[ "$(lvs -a --noheadings -o lv_name datadisks | wc -l)" -eq 1 ]

say "== Three weeks later"
run 'add_new_user robwilco 35'
run 'add_new_user DuncanMacLeod 539'

upgrade_schema_and_website() {
	touch ./mnt/website/{social-caramels.js,ponies.js,eye-candy.css}
	add_new_user() { echo "id:$RANDOM,name:$1,age:$2" >>./mnt/website/database; }
	nl -n rz -w 5 ./mnt/website/database | sed 's/\t/,/; s/^/id:/' >./mnt/website/database.new
	mv ./mnt/website/database.new ./mnt/website/database
}

say "== The fixed upgrade, under a new transaction"
run 'rewind begin --name upgrade-2 datadisks/website:24M'
run 'upgrade_schema_and_website'
run 'cat ./mnt/website/database'
after='id:00001,name:alice,age:29
id:00002,name:bob,age:18
id:00003,name:robwilco,age:35
id:00004,name:DuncanMacLeod,age:539'
expect ./mnt/website/database "$after"

say "== All well at dawn: rewind commit replaces 'remove_snapshot'"
run 'rewind commit'
run 'cat ./mnt/website/database'
expect ./mnt/website/database "$after"
run 'lvs datadisks'
[ "$(lvs -a --noheadings -o lv_name datadisks | wc -l)" -eq 1 ]

say "== Clean up"
run 'umount ./mnt/website'
run 'lvremove -q -f datadisks/website'
run 'vgremove -q datadisks'
run 'pvremove -q $LOOP'
run 'losetup -d $LOOP'
run 'rm -r ./mnt/website loop1.raw'
say "The story came out as told."
