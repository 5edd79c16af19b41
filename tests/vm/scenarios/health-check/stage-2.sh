#!/bin/bash
# The first boot after begin: its required health check fails.
set -euxo pipefail
. "$VMTEST_SCENARIO/failed-boot.sh" 1
