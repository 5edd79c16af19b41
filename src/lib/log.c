/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "log.h"

static rewind_log_fn log_fn;
static void *log_userdata;
static int log_priority = REWIND_LOG_INFO;

void rewind_log_set_fn(rewind_log_fn fn, void *userdata)
{
	log_fn = fn;
	log_userdata = userdata;
}

void rewind_log_set_priority(int priority)
{
	log_priority = priority;
}

int rewind_log_get_priority(void)
{
	return log_priority;
}

void rewind_logv(int priority, const char *file, int line, const char *fn, const char *fmt,
		 va_list ap)
{
	char buf[2048];
	int saved = errno;

	if (!log_fn || priority > log_priority)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_fn(log_userdata, priority, file, line, fn, buf);
	errno = saved;
}

void rewind_log(int priority, const char *file, int line, const char *fn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rewind_logv(priority, file, line, fn, fmt, ap);
	va_end(ap);
}
