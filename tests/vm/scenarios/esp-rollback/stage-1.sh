#!/bin/bash
# An upgrade that leaves the machine unbootable: it installs a new kernel entry (the new default)
# whose initrd is broken, and rebuilds the old entry's initrd broken too. The "Roll back" entry
# that begin pinned still boots: rewind rollback --reboot picks it for the next boot.
set -euxo pipefail
. "$VMTEST_SCENARIO/esp.sh"
kver=$(uname -r)
esp_hashes >"$VMTEST_STATE/esp-before"
echo before >/etc/rewind-marker
rewind begin --name e1 /
cat "$entries/rewind-e1+3.conf"
grep -q '^options .*rd.rewind.rollback=e1' "$entries/rewind-e1+3.conf"
rewind status | grep -q 'Roll back e1'

# The "upgrade".
echo after >/etc/rewind-marker
mkdir -p "$esp/$mid/$new"
cp "$esp/$mid/$kver/linux" "$esp/$mid/$new/linux"
head -c 1M /dev/urandom >"$esp/$mid/$new/initrd.img-$new"
sed -e "s/$kver/$new/g" "$entries/$mid-$kver.conf" >"$entries/$mid-$new.conf"
grep -q rd.rewind "$entries/$mid-$new.conf" && exit 1
head -c 1M /dev/urandom >"$esp/$mid/$kver/initrd.img-$kver"
sync

rewind rollback --reboot
