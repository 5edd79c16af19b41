#!/bin/bash
# The default entry boots the old kernel again, without any rd.rewind option.
set -euxo pipefail
. /usr/local/lib/vmtest/vmtest.sh
vmtest_kernel_default
