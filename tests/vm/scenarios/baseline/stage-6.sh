#!/bin/bash
# After commit and a reboot: run 4's changes stay, no snapshot, no transaction.
set -euxo pipefail
. ./common.sh
grep -qx 'run 4' /etc/rewind-bl-marker
grep -qx 'run 4' /srv/data/bl/b
[ -z "$(lvs -a --noheadings -o lv_name vg0 vg1 | grep rewind || true)" ]
rewind status | grep -q 'No transaction is open'
