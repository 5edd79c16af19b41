#!/bin/bash
# A power cut in the middle of the root merge (the harness kills QEMU when the console shows the
# merge under way: stage-1.cut-when). The next boot must resume the merge, not start over or
# give up.
set -euxo pipefail
echo before >/etc/rewind-marker
rewind begin --name p1 /
echo after >/etc/rewind-marker
# Enough copied-on-write data that the merge takes a while.
dd if=/dev/urandom of=/var/tmp/upgrade-blob bs=1M count=300 status=none
sync
rewind status
rewind rollback
systemctl reboot
