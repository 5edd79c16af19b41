/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "dm.h"
#include "log.h"
#include "suspend-guard.h"
#include "util.h"

#define GUARD_DONE 'D'

_noreturn_ static void guard_child(int fd, char *const *names)
{
	char c;
	ssize_t n;

	/* Not the parent's terminal signals: only the pipe decides. */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && c == GUARD_DONE)
		_exit(0);
	/* begin died inside the window. Resume first, write nothing before: the log may go to a
	 * filesystem that is frozen. */
	bool resumed[64] = {};
	for (size_t i = 0; names && names[i] && i < ELEMENTSOF(resumed); i++)
		resumed[i] = devmap_resume_abandoned(names[i]) > 0;
	for (size_t i = 0; names && names[i] && i < ELEMENTSOF(resumed); i++)
		if (resumed[i])
			log_err("begin ended while %s was suspended: resumed it.", names[i]);
	_exit(1);
}

int suspend_guard_start(struct suspend_guard *g, char *const *names)
{
	sigset_t all;
	int p[2];

	*g = (struct suspend_guard){.fd = -1};
	if (pipe2(p, O_CLOEXEC) < 0)
		return log_err_errno(-errno, "Failed to create the suspend guard's pipe: %m");
	/* Ctrl-C, a timeout's SIGTERM, a hangup: delivered once the devices are resumed. */
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	if (sigprocmask(SIG_BLOCK, &all, &g->saved) < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	g->blocked = true;
	fflush(NULL);
	g->pid = fork();
	if (g->pid < 0) {
		int r = -errno;
		close(p[0]);
		close(p[1]);
		suspend_guard_stop(g);
		return log_err_errno(r, "Failed to start the suspend guard: %m");
	}
	if (g->pid == 0) {
		/* Nothing of begin's: not the rewind lock, not liblvm2cmd's descriptors, which
		 * would keep the next command waiting while the guard runs. */
		close(p[1]);
		if (p[0] > 3)
			(void)close_range(3, p[0] - 1, 0);
		(void)close_range(p[0] + 1, ~0U, 0);
		/* A guard that outlives nothing: if it is itself killed, begin still resumes. */
		(void)prctl(PR_SET_NAME, "rewind-guard");
		guard_child(p[0], names);
	}
	close(p[0]);
	g->fd = p[1];
	return 0;
}

void suspend_guard_stop(struct suspend_guard *g)
{
	if (g->fd >= 0) {
		char c = GUARD_DONE;
		ssize_t n;

		do
			n = write(g->fd, &c, 1);
		while (n < 0 && errno == EINTR);
		close(g->fd);
		g->fd = -1;
	}
	if (g->pid > 0) {
		while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
			;
		g->pid = 0;
	}
	if (g->blocked) {
		sigprocmask(SIG_SETMASK, &g->saved, NULL);
		g->blocked = false;
	}
}
