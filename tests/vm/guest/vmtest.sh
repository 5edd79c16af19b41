# Helpers for scenario stages: `. /usr/local/lib/vmtest/vmtest.sh` in a stage-N.sh.

# vmtest_fail MSG: print MSG and exit 1.
vmtest_fail() { echo "FAIL: $*" >&2; exit 1; }

# vmtest_assert CMD...: run CMD, fail the stage with its text if it fails.
vmtest_assert() { "$@" || vmtest_fail "assertion failed: $*"; }

# vmtest_reboot: end this stage by rebooting the guest; the harness boots the next stage.
vmtest_reboot() { sync; systemctl reboot; sleep infinity; }

# vmtest_expect_lost_boots K: tell the harness that the next K boots will not reach a stage
# (e.g. boots that fail on purpose before an automatic rollback). Say it before rebooting.
# It is a line on the stage's stdout (the results port, which only one process can open).
vmtest_expect_lost_boots() { printf '\n@@VMTEST LOST-BOOTS %d\n' "$1"; }
