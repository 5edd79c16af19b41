#!/bin/bash
set -euxo pipefail
grep -qx after /etc/rewind-marker
[ ! -e /run/rewind/outcome.json ]
# The transaction is still open: its snapshot is there, unarmed; commit ends it.
[ "$(lvs --noheadings -o lv_name -S 'lv_tags=rewind:txn=k1' | wc -l)" -eq 1 ]
rewind commit
[ -z "$(lvs -a --noheadings -o lv_name -S 'lv_name=~rewind' vg0 vg1)" ]
