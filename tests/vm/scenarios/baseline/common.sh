# Shared by the stages: checksums of the test trees, the checks after each restore, and a run
# of "tests" that changes root, data and the ESP.
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }

# After the restore number $1: content as at the baseline, the baseline open again on it, exactly
# one snapshot per member (the new one), no restore record left, the ESP as at the baseline with
# the pin kept.
check_restored() {
	[ "$(sum /opt/bl)" = "$(cat "$VMTEST_STATE/root.base")" ]
	[ "$(sum /srv/data/bl)" = "$(cat "$VMTEST_STATE/data.base")" ]
	grep -qx baseline /etc/rewind-bl-marker
	[ ! -e /etc/rewind-bl-run ]
	rewind status | tee "$VMTEST_STATE/status.$1"
	grep -q '^Baseline:' "$VMTEST_STATE/status.$1"
	rewind status --json >"$VMTEST_STATE/status.$1.json"
	jq -e --argjson n "$1" '.transactions | length == 1 and .[0].txid == "bl" and
		.[0].state == "open" and .[0].baseline == true and .[0].restores == $n and
		(.[0].volumes | length) == 2' "$VMTEST_STATE/status.$1.json"
	lvs -a -o lv_name,lv_attr,origin,lv_tags vg0 vg1
	[ "$(lvs -a --noheadings -o lv_name vg0 vg1 | grep -c rewind)" = 2 ]
	[ "$(lvs --noheadings -o lv_name vg0/root-rewind-bl | xargs)" = root-rewind-bl ]
	[ "$(lvs --noheadings -o lv_name vg1/data-rewind-bl | xargs)" = data-rewind-bl ]
	lvs --noheadings -o lv_tags vg0/root-rewind-bl | grep -q "rewind:restores=$1"
	lvs --noheadings -o lv_tags vg1/data-rewind-bl | grep -q "rewind:restores=$1"
	! lvs -a --noheadings -o lv_tags vg0 vg1 | grep -q 'rewind-base:' || exit 1
	# The restore is over: the ESP is back (no restore pending, no tag on root's origin), and
	# nothing points the next boot at the rollback entry, which would restore again.
	jq -e '(.esp_restore_pending // []) | length == 0' "$VMTEST_STATE/status.$1.json"
	! lvs --noheadings -o lv_tags vg0/root | grep -q 'rewind:restore-esp' || exit 1
	[ ! -e /sys/firmware/efi/efivars/LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f ]
	# The ESP: the entry the run added is gone, the rollback entry and pinned kernel stay.
	[ ! -e /boot/efi/loader/entries/bl-run.conf ]
	ls /boot/efi/loader/entries/rewind-bl*.conf
	[ -d /boot/efi/rewind/bl ]
	jq -e '.baseline == true and .result == "rolled-back"' /run/rewind/outcome.json
}

# One "test run": each run changes root, data and the ESP differently ($1 = run number).
test_run() {
	echo "run $1" >/etc/rewind-bl-run
	echo "run $1" >/etc/rewind-bl-marker
	seq "$1" 7 5000 >/opt/bl/a
	rm -f "/opt/bl/f$1"
	mkdir -p "/opt/bl/new$1" && seq 1 "$1"00 >"/opt/bl/new$1/x"
	echo "run $1" >/srv/data/bl/b
	rm -f /srv/data/bl/c
	dd if=/dev/urandom of="/srv/data/bl/blob$1" bs=1M count=8 status=none
	cp /boot/efi/loader/entries/debian*.conf /boot/efi/loader/entries/bl-run.conf 2>/dev/null ||
		cp "$(ls /boot/efi/loader/entries/*.conf | grep -v rewind- | head -n 1)" \
			/boot/efi/loader/entries/bl-run.conf
	sed -i "s/^title .*/title test run $1/" /boot/efi/loader/entries/bl-run.conf
	sync
}
