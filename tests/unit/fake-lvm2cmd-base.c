/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblvm2cmd's entry points besides lvm2_run(): a handle nothing looks into, the log level
 * ignored, and the log callback kept for fake_lvm2_log() (fake-lvm2cmd-base.h).
 */
#include <lvm2cmd.h>
#include <stddef.h>

#include "fake-lvm2cmd-base.h"

static lvm2_log_fn_t log_fn;

void fake_lvm2_log(int level, const char *msg)
{
	if (log_fn)
		log_fn(level, "fake-lvm2cmd", 0, 0, msg);
}

void lvm2_log_fn(lvm2_log_fn_t fn)
{
	log_fn = fn;
}

void *lvm2_init(void)
{
	static int handle;

	return &handle;
}

void lvm2_log_level(void *handle, int level)
{
}

void lvm2_exit(void *handle)
{
}

void lvm2_disable_dmeventd_monitoring(void *handle)
{
}
