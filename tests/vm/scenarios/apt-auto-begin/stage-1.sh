#!/bin/bash
# apt opens the transaction (rewind.conf: auto_begin = apt): apt-get installs a local package;
# /etc/apt/apt.conf.d/80rewind (make install) runs `rewind apt-hook` before dpkg, which begins
# apt-YYYYmmdd-HHMMSS of / and /srv/data and records the package; `rewind status` lists it. A
# second apt run opens no other transaction and is recorded in the same one; its package's
# postinst fails (apt-get fails). Then rollback --reboot; stage 2: both packages gone.
# Needs nothing beyond the image: dpkg-deb is in dpkg, `apt-get install ./x.deb` takes a local
# .deb without a repository and runs the same DPkg::Pre-Install-Pkgs hooks.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
cat /etc/apt/apt.conf.d/80rewind
apt-config dump | grep -q 'rewind apt-hook' || vmtest_fail "apt does not know the hook"
mkdir -p /etc/rewind
printf 'volumes = / /srv/data\nauto_begin = apt\n' >>/etc/rewind/rewind.conf

# Two packages: one fine, one whose postinst fails.
build() { # build NAME POSTINST_EXIT
	local d=/root/pkg/$1
	mkdir -p "$d/DEBIAN" "$d/usr/share/$1"
	printf 'Package: %s\nVersion: 1.0\nArchitecture: all\nMaintainer: vmtest <t@example.invalid>\nDescription: rewind apt-auto-begin test\n' \
		"$1" >"$d/DEBIAN/control"
	printf '#!/bin/sh\necho "%s postinst"\nexit %s\n' "$1" "$2" >"$d/DEBIAN/postinst"
	chmod 755 "$d/DEBIAN/postinst"
	echo "$1" >"$d/usr/share/$1/marker"
	dpkg-deb --build --root-owner-group "$d" "/root/pkg/$1.deb"
}
build rewind-vm-good 0
build rewind-vm-broken 1
echo before >/srv/data/marker
sync

rewind status | tee "$VMTEST_STATE/status-0"
grep -q 'No transaction is open' "$VMTEST_STATE/status-0"

# First apt run: the hook begins the transaction.
apt-get install -y /root/pkg/rewind-vm-good.deb 2>&1 | tee "$VMTEST_STATE/apt-1"
grep -q 'rewind: Transaction apt-[0-9]\{8\}-[0-9]\{6\} is open before this upgrade' "$VMTEST_STATE/apt-1" ||
	vmtest_fail "the hook did not begin a transaction"
dpkg -s rewind-vm-good
txid=$(rewind status --json | jq -r '.transactions[0].txid')
echo "$txid" >"$VMTEST_STATE/txid"
[[ $txid == apt-* ]] || vmtest_fail "transaction $txid is not apt's"
[ "$(lvs --noheadings -o lv_name -S "lv_tags=rewind:txn=$txid" | wc -l)" -eq 2 ]
rewind status | tee "$VMTEST_STATE/status-1"
grep -q 'install    rewind-vm-good:all 1.0' "$VMTEST_STATE/status-1"
rewind status --json | tee "$VMTEST_STATE/status-1.json"
[ "$(jq -r '.transactions[0].packages.begun_by' "$VMTEST_STATE/status-1.json")" = apt ]
[ "$(jq -r '.transactions[0].packages.runs[0].packages[0].name' "$VMTEST_STATE/status-1.json")" = rewind-vm-good ]
[ -f "/var/lib/rewind/txn/$txid.packages.json" ]

# The "upgrade" writes to data too.
echo after >/srv/data/marker
sync

# Second apt run: no new transaction; the package is recorded; its postinst fails, so does apt.
rc=0
apt-get install -y /root/pkg/rewind-vm-broken.deb >"$VMTEST_STATE/apt-2" 2>&1 || rc=$?
cat "$VMTEST_STATE/apt-2"
[ "$rc" -ne 0 ] || vmtest_fail "the broken postinst did not fail apt-get"
grep -q "rewind: Transaction $txid (begun by apt) is open already" "$VMTEST_STATE/apt-2" ||
	vmtest_fail "the second apt run did not name the open transaction"
[ "$(rewind status --json | jq '.transactions | length')" -eq 1 ]
[ "$(lvs --noheadings -o lv_name -S 'lv_name=~rewind' | wc -l)" -eq 2 ]
rewind status --json | tee "$VMTEST_STATE/status-2.json"
[ "$(jq '.transactions[0].packages.runs | length' "$VMTEST_STATE/status-2.json")" -eq 2 ]
[ "$(jq -r '.transactions[0].packages.runs[1].packages[0].name' "$VMTEST_STATE/status-2.json")" = rewind-vm-broken ]

rewind rollback --reboot
