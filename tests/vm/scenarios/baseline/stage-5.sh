#!/bin/bash
# A plain reboot after a restore kept run 4's changes and the baseline (restored 3 times). Then
# 'rewind commit' ends baseline mode: run 4's changes are kept.
set -euxo pipefail
. ./common.sh
grep -qx 'run 4' /etc/rewind-bl-marker
grep -qx 'run 4' /srv/data/bl/b
[ -e /boot/efi/loader/entries/bl-run.conf ]
rewind status --json | jq -e '.transactions[0].baseline == true and .transactions[0].restores == 3 and .transactions[0].state == "open"'
[ ! -e /run/rewind/outcome.json ] || ! jq -e '.txid == "bl"' /run/rewind/outcome.json || exit 1
rewind commit
[ -z "$(lvs -a --noheadings -o lv_name vg0 vg1 | grep rewind || true)" ]
[ ! -d /boot/efi/rewind/bl ]
systemctl reboot
