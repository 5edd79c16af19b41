#!/bin/bash
# A boot whose stage looks again: nothing to restore, no snapshot taken of the volume used since;
# the operator begins a new baseline, as the message said.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
! grep -qw 'rd.rewind=0' /proc/cmdline || exit 1
[ -e /run/rewind/stage ]
[ "$(lvs -a --noheadings -o lv_name vg1 | grep -c rewind)" = 0 ]
grep -qx run2 /srv/data/bl/b
! rewind status | grep -q Baseline || exit 1
rewind begin --name bs2 --baseline /srv/data
rewind commit
