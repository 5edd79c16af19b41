/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * liblvm2cmd's entry points besides lvm2_run() (fake-lvm2cmd-base.c), shared by the unit tests'
 * fake (fake-lvm2cmd.c) and the fuzz target of LVM's reports (tests/fuzz/fuzz-lvm.c), each of
 * which has an lvm2_run() of its own.
 */

/* What LVM logs: msg to the callback lvm.c gave lvm2_log_fn() (none yet: dropped). At
 * LVM2_LOG_PRINT it is a line of a command's output, such as a report. */
void fake_lvm2_log(int level, const char *msg);
