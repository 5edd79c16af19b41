/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Health checks: greenboot's required.d/ and wanted.d/ under path_health_dir(), run by `rewind
 * health-check` (rewind-health.service, before boot-complete.target). Each check is an executable
 * run without a shell, in lexical order, in a process group of its own, so that a timeout kills
 * it and whatever it started.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "health.h"
#include "log.h"
#include "paths.h"
#include "txn.h"
#include "util.h"

/* After the timeout: SIGTERM to the group, SIGKILL when it is still there this much later. */
#define HEALTH_KILL_GRACE_MS 5000

static const char *const type_names[_HEALTH_TYPE_MAX] = {
    [HEALTH_REQUIRED] = "required",
    [HEALTH_WANTED] = "wanted",
};

static const char *const result_names[_HEALTH_RESULT_MAX] = {
    [HEALTH_PASSED] = "passed",
    [HEALTH_FAILED] = "failed",
    [HEALTH_TIMED_OUT] = "timed-out",
};

const char *health_type_to_string(enum health_type t)
{
	return t >= 0 && t < _HEALTH_TYPE_MAX ? type_names[t] : NULL;
}

enum health_type health_type_from_string(const char *s)
{
	int i = string_table_lookup(type_names, ELEMENTSOF(type_names), s);

	return i < 0 ? _HEALTH_TYPE_UNKNOWN : (enum health_type)i;
}

const char *health_result_to_string(enum health_result r)
{
	return r >= 0 && r < _HEALTH_RESULT_MAX ? result_names[r] : NULL;
}

enum health_result health_result_from_string(const char *s)
{
	int i = string_table_lookup(result_names, ELEMENTSOF(result_names), s);

	return i < 0 ? _HEALTH_RESULT_UNKNOWN : (enum health_result)i;
}

void health_report_done(struct health_report *r)
{
	for (size_t i = 0; i < r->n_checks; i++)
		free(r->checks[i].name);
	free(r->checks);
	*r = (struct health_report){};
}

bool health_report_passed(const struct health_report *r)
{
	if (r->result != HEALTH_PASSED)
		return false;
	for (size_t i = 0; i < r->n_checks; i++)
		if (r->checks[i].type != HEALTH_WANTED && r->checks[i].result != HEALTH_PASSED)
			return false;
	return true;
}

/* What run-parts and systemd leave alone: hidden files, editor backups, package managers'
 * leftovers. */
static bool name_ignored(const char *name)
{
	static const char *const suffixes[] = {
	    "~",	 ".bak",     ".orig",	  ".swp",      ".tmp",	     ".rpmsave",
	    ".rpmnew",	 ".rpmorig", ".dpkg-old", ".dpkg-new", ".dpkg-dist", ".dpkg-tmp",
	    ".dpkg-bak", ".ucf-old", ".ucf-new",  ".ucf-dist", ".disabled",
	};
	size_t len = strlen(name);

	if (name[0] == '.' || (name[0] == '#' && len > 1 && name[len - 1] == '#'))
		return true;
	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
		size_t n = strlen(suffixes[i]);

		if (len >= n && streq(name + len - n, suffixes[i]))
			return true;
	}
	return false;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *type_dir(enum health_type t)
{
	return strdup_printf("%s/%s.d", path_health_dir(), health_type_to_string(t));
}

/*
 * The checks of dir that run, sorted (byte order, as LC_ALL=C ls): regular files (symlinks
 * followed) with an execute bit. A symlink to /dev/null masks a name, as systemd's; what is not
 * executable is skipped (with a message when report). *ret NULL when none; a missing dir has
 * none. 0, or negative errno (opendir's).
 */
static int list_checks(const char *dir, bool report, char ***ret)
{
	_cleanup_strv_ char **names = NULL;
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	*ret = NULL;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (r >= 0 && (errno = 0, de = readdir(d))) {
		struct stat st;

		if (name_ignored(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0) {
			if (report)
				log_warning("Skipping health check %s/%s: %s.", dir, de->d_name,
					    strerror(errno));
			continue;
		}
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) {
			log_debug("Health check %s/%s is masked.", dir, de->d_name);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (!(st.st_mode & 0111)) {
			if (report)
				log_info("Skipping %s/%s: not executable.", dir, de->d_name);
			continue;
		}
		r = strv_extend(&names, de->d_name);
	}
	if (r >= 0 && errno != 0)
		r = -errno;
	closedir(d);
	if (r < 0)
		return r;
	if (names)
		qsort(names, strv_length(names), sizeof(char *), cmp_names);
	*ret = TAKE_PTR(names);
	return 0;
}

int health_installed(void)
{
	for (enum health_type t = 0; t < _HEALTH_TYPE_MAX; t++) {
		_cleanup_free_ char *dir = type_dir(t);
		_cleanup_strv_ char **names = NULL;
		int r;

		if (!dir)
			return -ENOMEM;
		r = list_checks(dir, false, &names);
		if (r < 0)
			return r;
		if (names)
			return 1;
	}
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child: its own process group, stdin /dev/null, stdout and stderr ours, no signal blocked
 * or ignored. exec's errno goes to errpipe. */
static _noreturn_ void check_child(const char *path, int errpipe)
{
	char *argv[] = {(char *)path, NULL};
	int null, e;
	sigset_t all;

	(void)setpgid(0, 0);
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0)
		e = errno;
	else {
		execv(path, argv);
		e = errno;
	}
	(void)!write(errpipe, &e, sizeof(e));
	_exit(127);
}

/* Wait up to ms (< 0: for ever) for pid to end: 1 and *status when it did, 0 when not yet. */
static int wait_for(pid_t pid, int pidfd, int64_t ms, int *status)
{
	int64_t end = ms < 0 ? INT64_MAX : now_ms() + ms;

	for (;;) {
		pid_t p = waitpid(pid, status, WNOHANG);
		int64_t left = end - now_ms();

		if (p == pid)
			return 1;
		if (p < 0 && errno != EINTR)
			return -errno;
		if (left <= 0)
			return 0;
		if (pidfd >= 0)
			(void)poll(&(struct pollfd){.fd = pidfd, .events = POLLIN}, 1,
				   (int)MIN(left, 60000));
		else
			nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
	}
}

static int pidfd_open_or_not(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	return -1;
#endif
}

/* Run one check; fills c's result, exit status, signal and seconds (name and type are set). */
static void run_one(const char *dir, uint64_t timeout_sec, struct health_check *c)
{
	_cleanup_free_ char *path = strdup_printf("%s/%s", dir, c->name);
	_cleanup_close_ int pidfd = -1;
	const char *what = health_type_to_string(c->type);
	int64_t start = now_ms(),
		timeout_ms = (int64_t)MIN(timeout_sec, (uint64_t)INT32_MAX) * 1000;
	int errpipe[2], status = 0, e = 0, r;
	bool timed_out = false;
	pid_t pid;

	c->exit_status = c->signal = -1;
	c->result = HEALTH_FAILED;
	if (!path || pipe2(errpipe, O_CLOEXEC) < 0) {
		log_err("Failed to run %s health check %s: %s", what, c->name,
			strerror(path ? errno : ENOMEM));
		c->seconds = 0;
		return;
	}
	log_info("Running %s health check %s.", what, c->name);
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		check_child(path, errpipe[1]);
	close(errpipe[1]);
	if (pid < 0) {
		log_err("Failed to run %s health check %s: %s", what, c->name, strerror(errno));
		close(errpipe[0]);
		c->seconds = 0;
		return;
	}
	/* Both sides, so that the group exists before either one signals it. */
	(void)setpgid(pid, pid);
	pidfd = pidfd_open_or_not(pid);
	r = wait_for(pid, pidfd, timeout_ms, &status);
	if (r == 0) {
		timed_out = true;
		(void)kill(-pid, SIGTERM);
		r = wait_for(pid, pidfd, HEALTH_KILL_GRACE_MS, &status);
		if (r == 0) {
			(void)kill(-pid, SIGKILL);
			r = wait_for(pid, pidfd, -1, &status);
		}
	}
	/* What it started and left in its group goes with it. */
	if (timed_out)
		(void)kill(-pid, SIGKILL);
	while (read(errpipe[0], &e, sizeof(e)) < 0 && errno == EINTR)
		;
	close(errpipe[0]);
	c->seconds = (double)(now_ms() - start) / 1000.0;
	if (r < 0) {
		log_err("Failed to wait for %s health check %s: %s", what, c->name, strerror(-r));
		return;
	}
	if (WIFEXITED(status))
		c->exit_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		c->signal = WTERMSIG(status);
	if (timed_out) {
		c->result = HEALTH_TIMED_OUT;
		if (c->type == HEALTH_REQUIRED)
			log_err("Required health check %s timed out after %" PRIu64
				" s: killed. This boot is not good.",
				c->name, timeout_sec);
		else
			log_warning("Wanted health check %s timed out after %" PRIu64
				    " s: killed; going on.",
				    c->name, timeout_sec);
		return;
	}
	if (e > 0) {
		if (c->type == HEALTH_REQUIRED)
			log_err("Required health check %s could not be run: %s. This boot is not "
				"good.",
				c->name, strerror(e));
		else
			log_warning("Wanted health check %s could not be run: %s; going on.",
				    c->name, strerror(e));
		return;
	}
	if (c->exit_status == 0) {
		c->result = HEALTH_PASSED;
		log_info("Health check %s passed (%.1f s).", c->name, c->seconds);
		return;
	}
	if (c->type == HEALTH_REQUIRED)
		log_err("Required health check %s FAILED: %s %d. This boot is not good.", c->name,
			c->signal >= 0 ? "killed by signal" : "exit status",
			c->signal >= 0 ? c->signal : c->exit_status);
	else
		log_warning("Wanted health check %s failed: %s %d; going on.", c->name,
			    c->signal >= 0 ? "killed by signal" : "exit status",
			    c->signal >= 0 ? c->signal : c->exit_status);
}

static int add_check(struct health_report *h, const char *name, enum health_type t,
		     struct health_check **ret)
{
	struct health_check *n = realloc(h->checks, (h->n_checks + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	h->checks = n;
	n[h->n_checks] = (struct health_check){
	    .name = strdup(name), .type = t, .exit_status = -1, .signal = -1, .seconds = -1};
	if (!n[h->n_checks].name)
		return -ENOMEM;
	*ret = &n[h->n_checks++];
	return 0;
}

int health_run(uint64_t timeout_sec, struct health_report *ret)
{
	struct health_report h = {.timeout = timeout_sec, .result = HEALTH_PASSED};
	int r = 0;

	txn_boot_id(h.boot_id);
	for (enum health_type t = 0; r >= 0 && t < _HEALTH_TYPE_MAX; t++) {
		_cleanup_free_ char *dir = type_dir(t);
		_cleanup_strv_ char **names = NULL;
		struct health_check *c;

		if (!dir) {
			r = -ENOMEM;
			break;
		}
		r = list_checks(dir, true, &names);
		if (r == -ENOMEM)
			break;
		if (r < 0) {
			/* It is there and says nothing: what it holds cannot have passed. */
			log_err("Failed to read %s: %s", dir, strerror(-r));
			r = add_check(&h, health_type_to_string(t), t, &c);
			if (r >= 0) {
				c->result = HEALTH_FAILED;
				c->seconds = 0;
			}
		}
		for (size_t i = 0; r >= 0 && names && names[i]; i++) {
			r = add_check(&h, names[i], t, &c);
			if (r >= 0)
				run_one(dir, timeout_sec, c);
		}
	}
	if (r < 0) {
		health_report_done(&h);
		return r;
	}
	for (size_t i = 0; i < h.n_checks; i++)
		if (h.checks[i].type == HEALTH_REQUIRED && h.checks[i].result != HEALTH_PASSED)
			h.result = HEALTH_FAILED;
	h.time = (uint64_t)time(NULL);
	*ret = h;
	return 0;
}

static char *health_path(void)
{
	return strdup_printf("%s/" HEALTH_FILE, path_rundir());
}

int health_write(const struct health_report *h)
{
	_cleanup_free_ char *text = NULL;
	int r = health_report_to_json(h, false, &text);

	return r < 0 ? r : path_rundir_write(HEALTH_FILE, text);
}

int health_load(struct health_report *ret)
{
	_cleanup_free_ char *path = health_path();
	int r;

	if (!path)
		return -ENOMEM;
	r = health_report_read(path, ret);
	if (r == -ENOENT)
		return 0;
	if (r == -EBADMSG || r == -ENOMEM)
		return r;
	if (r < 0)
		return log_err_errno(r, "Failed to access %s: %s", path, strerror(-r));
	return 1;
}

int health_allows_commit(void)
{
	_cleanup_(health_report_done) struct health_report h = {};
	char boot_id[BOOT_ID_LEN + 1];
	int r;

	r = health_installed();
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		log_err("Failed to read the health checks in %s: %s: not committing.",
			path_health_dir(), strerror(-r));
		return 0;
	}
	if (r == 0)
		return 1;
	r = health_load(&h);
	if (r == -ENOMEM)
		return r;
	if (r == 0) {
		log_info("Health checks are installed but have not run at this boot yet (no "
			 "%s/" HEALTH_FILE "; rewind-health.service runs them): not committing.",
			 path_rundir());
		return 0;
	}
	if (r < 0) {
		log_err("%s/" HEALTH_FILE " cannot be read: not committing.", path_rundir());
		return 0;
	}
	txn_boot_id(boot_id);
	if (!*boot_id || !streq(h.boot_id, boot_id)) {
		log_info("The health results in %s/" HEALTH_FILE " are not this boot's: not "
			 "committing.",
			 path_rundir());
		return 0;
	}
	if (!health_report_passed(&h)) {
		const struct health_check *bad = NULL;

		for (size_t i = 0; !bad && i < h.n_checks; i++)
			if (h.checks[i].type != HEALTH_WANTED &&
			    h.checks[i].result != HEALTH_PASSED)
				bad = &h.checks[i];
		log_info("The health checks of this boot failed (%s: %s): not committing.",
			 bad && bad->name ? bad->name : "?",
			 bad ? health_result_to_string(bad->result) ?: "?" : "failed");
		return 0;
	}
	return 1;
}
