#!/bin/bash
# The system booted; commit drops the dead snapshot.
set -euxo pipefail
mountpoint -q /srv/data
[ -e /srv/data/blob ]
rewind commit
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0 vg1)" ]
