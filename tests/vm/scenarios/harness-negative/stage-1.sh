#!/bin/bash
# Fails on purpose: proves that tests/vm/run reports a failing stage (see expect-fail).
echo "harness-negative: failing on purpose"
exit 1
