/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <stdbool.h>

#include "macro.h"

/* syslog(3) priorities, so callers can map them straight to the journal. */
enum {
	REWIND_LOG_ERR = 3,
	REWIND_LOG_WARNING = 4,
	REWIND_LOG_INFO = 6,
	REWIND_LOG_DEBUG = 7,
};

typedef void (*rewind_log_fn)(void *userdata, int priority, const char *file, int line,
			      const char *fn, const char *msg);

/* The library never prints: every message goes to this callback (none set: dropped). */
void rewind_log_set_fn(rewind_log_fn fn, void *userdata);
void rewind_log_set_priority(int priority);
/* true: keep messages in memory instead of calling the callback (begin, while volumes are
 * suspended: stderr may be a file on one of them); false: pass them on, in order. */
void rewind_log_hold(bool hold);
int rewind_log_get_priority(void);

_printf_(5, 6) void rewind_log(int priority, const char *file, int line, const char *fn,
			       const char *fmt, ...);
void rewind_logv(int priority, const char *file, int line, const char *fn, const char *fmt,
		 va_list ap);

#define log_full(prio, ...) rewind_log(prio, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_err(...)	    log_full(REWIND_LOG_ERR, __VA_ARGS__)
#define log_warning(...)    log_full(REWIND_LOG_WARNING, __VA_ARGS__)
#define log_info(...)	    log_full(REWIND_LOG_INFO, __VA_ARGS__)
#define log_debug(...)	    log_full(REWIND_LOG_DEBUG, __VA_ARGS__)

#define log_warning_errno(r, ...)                                                                  \
	({                                                                                         \
		log_warning(__VA_ARGS__);                                                          \
		(r);                                                                               \
	})

/* Log and return the (negative errno) error in one statement. */
#define log_err_errno(r, ...)                                                                      \
	({                                                                                         \
		log_err(__VA_ARGS__);                                                              \
		(r);                                                                               \
	})
