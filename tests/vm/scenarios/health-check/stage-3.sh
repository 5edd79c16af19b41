#!/bin/bash
# The second failed boot: pending reaches auto_rollback_boots.
set -euxo pipefail
. "$VMTEST_SCENARIO/failed-boot.sh" 2
