/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/file.h>

#include "lock.h"
#include "log.h"
#include "paths.h"
#include "util.h"

static int held = -1;

bool rewind_lock_held(void)
{
	return held >= 0;
}

void rewind_lock_forget(void)
{
	if (held >= 0)
		(void)close(held);
	held = -1;
}

/* The lock file, open: rewind's commands take it exclusively (flock). */
static int lock_open(char **ret_path)
{
	_cleanup_free_ char *path = strdup_printf("%s/lock", path_rundir());
	int r, fd;

	if (!path)
		return -ENOMEM;
	r = mkdir_p(path_rundir(), 0755);
	if (r < 0)
		return log_err_errno(r, "Failed to create %s: %s", path_rundir(), strerror(-r));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return log_err_errno(-errno, "Failed to open %s: %m", path);
	*ret_path = TAKE_PTR(path);
	return fd;
}

int rewind_lock_timeout(unsigned seconds)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = lock_open(&path);

	if (fd < 0)
		return fd;
	for (unsigned tenths = 0;; tenths++) {
		if (flock(fd, LOCK_EX | LOCK_NB) >= 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return log_err_errno(-errno, "Failed to lock %s: %m", path);
		if (tenths == 0)
			log_info("Waiting for another rewind command (at most %u s)...", seconds);
		if (tenths >= seconds * 10u)
			return log_err_errno(-ETIMEDOUT,
					     "Another rewind command held %s for more than %u s",
					     path, seconds);
		(void)usleep(100 * 1000);
	}
	held = fd;
	return TAKE_FD(fd);
}

int rewind_lock(void)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = lock_open(&path);

	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return log_err_errno(-errno, "Failed to lock %s: %m", path);
		log_info("Waiting for another rewind command...");
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return log_err_errno(-errno, "Failed to lock %s: %m", path);
	}
	held = fd;
	return TAKE_FD(fd);
}
