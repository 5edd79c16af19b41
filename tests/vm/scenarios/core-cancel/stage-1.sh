#!/bin/bash
# cancel after arming: the next boot merges nothing.
set -euxo pipefail
echo before >/etc/rewind-marker
rewind begin --name k1 /
echo after >/etc/rewind-marker
sync
rewind rollback
rewind status | grep -qi armed
rewind cancel
rewind status | tee "$VMTEST_STATE/status"
! grep -qi armed "$VMTEST_STATE/status" || exit 1
systemctl reboot
