/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include <stdlib.h>
#include <string.h>

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

/* Messages held back while volumes are suspended (rewind_log_hold()). */
#define HELD_MAX 256
static struct held {
	int priority;
	const char *file;
	int line;
	const char *fn;
	char *msg;
} held[HELD_MAX];
static size_t n_held;
static bool holding;

void rewind_log_hold(bool hold)
{
	holding = hold;
	if (hold)
		return;
	for (size_t i = 0; i < n_held; i++) {
		if (log_fn)
			log_fn(log_userdata, held[i].priority, held[i].file, held[i].line,
			       held[i].fn, held[i].msg);
		free(held[i].msg);
	}
	n_held = 0;
}

void rewind_logv(int priority, const char *file, int line, const char *fn, const char *fmt,
		 va_list ap)
{
	char buf[2048];
	int saved = errno;

	if (!log_fn || priority > log_priority)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (holding) {
		/* In memory only: no write may reach a filesystem that is frozen. */
		char *m = n_held < HELD_MAX ? strdup(buf) : NULL;

		if (m)
			held[n_held++] = (struct held){priority, file, line, fn, m};
		errno = saved;
		return;
	}
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
