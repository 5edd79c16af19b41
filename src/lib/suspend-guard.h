/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <signal.h>
#include <sys/types.h>

/*
 * While begin holds data origins suspended (frozen filesystems), nothing may leave them so: a
 * frozen /var hangs the host. The guard blocks the catchable signals for the window and forks a
 * child that holds the read end of a pipe; if begin dies, even by SIGKILL, the pipe reaches EOF
 * without the "done" byte and the child resumes every listed device at once.
 */
struct suspend_guard {
	pid_t pid;
	int fd; /* write end; -1 when no guard runs */
	sigset_t saved;
	bool blocked;
};

/* Start the guard for the dm devices in names (NULL-terminated) and block signals. */
int suspend_guard_start(struct suspend_guard *g, char *const *names);
/* After begin resumed the devices itself: stop the child, unblock signals (delivered now). */
void suspend_guard_stop(struct suspend_guard *g);
