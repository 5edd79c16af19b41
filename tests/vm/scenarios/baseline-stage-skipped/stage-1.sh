#!/bin/bash
# A baseline restore cut short, then a boot whose initramfs does not look (rd.rewind=0): the data
# volume's merge resumes when the real root activates it, and the volume is in use before its
# new baseline snapshot could be taken. boot-finish must end the baseline (BASELINE LOST), never
# leave the record for a later stage to snapshot the used volume as if it were the baseline.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
sum() { (cd "$1" && find . -xdev -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-16; }
mkdir -p /srv/data/bl
seq 1 4000 >/srv/data/bl/a
echo keep >/srv/data/bl/b
sync
sum /srv/data/bl >"$VMTEST_STATE/data.base"
rewind begin --name bs --baseline /srv/data:400M
dd if=/dev/urandom of=/srv/data/bl/blob bs=1M count=160 conv=fsync status=none
echo run >/srv/data/bl/b
sync
# /srv/data is in use: armed for the next boot.
rewind rollback
rewind status --json | jq -e '.transactions[0].state == "armed" and .transactions[0].baseline == true'
# The next boot (the normal entry, by one-shot) loses power in data's merge (stage-1.cut-when);
# the one after boots the default entry, a copy of the normal one with rd.rewind=0.
entries=/boot/efi/loader/entries
normal=$(cat /etc/machine-id)-$(uname -r).conf
vmtest_assert [ -e "$entries/$normal" ]
sed -e 's/^title .*/title vmtest: rd.rewind=0/' -e 's|^options \(.*\)$|options \1 rd.rewind=0|' \
	"$entries/$normal" >"$entries/vmtest-norewind.conf"
grep -q 'rd.rewind=0' "$entries/vmtest-norewind.conf"
echo "$normal" >"$VMTEST_STATE/normal-entry"
bootctl set-default vmtest-norewind.conf
bootctl set-oneshot "$normal"
systemctl reboot
