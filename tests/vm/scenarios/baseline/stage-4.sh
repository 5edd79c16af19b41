#!/bin/bash
# After restore 3. Run 4, then a plain reboot: nothing is restored (the baseline stays open
# and run 4's changes stay until the next rollback).
set -euxo pipefail
. ./common.sh
check_restored 3
test_run 4
systemctl reboot
