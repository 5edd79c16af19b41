/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The suspend guard: a begin that dies while a volume is suspended leaves nothing frozen. */
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "dm.h"
#include "suspend-guard.h"
#include "test.h"
#include "util.h"

static char *shared(void)
{
	static char dir[512];
	static char *ev;

	snprintf(dir, sizeof(dir), "%s/dm-shared", test_tmpdir);
	mkdir(dir, 0755);
	free(ev);
	ev = strdup_printf("%s/events", dir);
	unlink(ev);
	fake_dm_share(dir);
	return dir;
}

static bool suspended_file(const char *dir, const char *name)
{
	_cleanup_free_ char *p = strdup_printf("%s/%s.suspended", dir, name);

	return access(p, F_OK) == 0;
}

/* A child plays begin: guard, suspend, then dies as told. */
static pid_t fake_begin(int sig, bool finish)
{
	char *names[] = {(char *)"vg1-data", NULL};
	pid_t pid = fork();

	if (pid == 0) {
		struct suspend_guard g;

		if (suspend_guard_start(&g, names) < 0 || devmap_suspend("vg1-data") < 0)
			_exit(2);
		if (finish) {
			devmap_resume("vg1-data");
			suspend_guard_stop(&g);
			_exit(0);
		}
		/* Blocked inside the window: delivered only once the guard stops. */
		if (sig != SIGKILL) {
			kill(getpid(), sig);
			devmap_resume("vg1-data");
			if (!suspended_file(getenv("TEST_SHARED"), "vg1-data"))
				suspend_guard_stop(&g); /* dies here, after the resume */
			_exit(3);
		}
		kill(getpid(), SIGKILL);
		_exit(4);
	}
	return pid;
}

/* The pid that resumed vg1-data last, from the shared event file; 0 when none. */
static pid_t resumed_by(const char *dir)
{
	_cleanup_free_ char *p = strdup_printf("%s/events", dir), *line = NULL;
	_cleanup_fclose_ FILE *f = p ? fopen(p, "re") : NULL;
	size_t n = 0;
	int pid = 0;

	while (f && getline(&line, &n, f) > 0)
		(void)sscanf(line, "dm resume vg1-data by %d", &pid);
	return pid;
}

static bool wait_resumed(const char *dir, double secs)
{
	struct timespec ts = {0, 10 * 1000 * 1000};

	for (double t = 0; t < secs; t += 0.01) {
		if (!suspended_file(dir, "vg1-data"))
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

TEST(test_sigkill_inside_the_window_resumes)
{
	char *dir;
	int status;
	pid_t pid;

	test_machine();
	dir = shared();
	pid = fake_begin(SIGKILL, false);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* The guard saw its parent die and resumed at once. */
	CHECK(wait_resumed(dir, 5.0));
	CHECK(resumed_by(dir) > 0 && resumed_by(dir) != pid);
	fake_dm_share(NULL);
}

TEST(test_sigterm_waits_for_the_resume)
{
	char *dir;
	int status;
	pid_t pid;

	test_machine();
	dir = shared();
	setenv("TEST_SHARED", dir, 1);
	pid = fake_begin(SIGTERM, false);
	CHECK(waitpid(pid, &status, 0) == pid);
	/* SIGTERM was held until after the resume, then delivered by suspend_guard_stop(): begin
	 * resumed the device itself, not its guard. */
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	CHECK(!suspended_file(dir, "vg1-data"));
	CHECK_EQ_INT(resumed_by(dir), pid);
	fake_dm_share(NULL);
}

TEST(test_normal_path_guard_does_nothing)
{
	_cleanup_free_ char *events = NULL, *p = NULL, *expect = NULL;
	char *dir;
	int status;
	pid_t pid;
	FILE *f;
	size_t n = 0;

	test_machine();
	dir = shared();
	pid = fake_begin(0, true);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(!suspended_file(dir, "vg1-data"));
	p = strdup_printf("%s/events", dir);
	f = fopen(p, "re");
	CHECK(f != NULL);
	if (f) {
		if (getdelim(&events, &n, '\0', f) < 0) {
			free(events);
			events = NULL;
		}
		fclose(f);
	}
	/* One resume, by begin itself; the guard exited without touching anything. */
	expect = strdup_printf("dm suspend vg1-data by %d\ndm resume vg1-data by %d\n", (int)pid,
			       (int)pid);
	CHECK(events && expect && streq(events, expect));
	fake_dm_share(NULL);
}

int main(void)
{
	int n_failed = 0;

	RUN(test_sigkill_inside_the_window_resumes);
	RUN(test_sigterm_waits_for_the_resume);
	RUN(test_normal_path_guard_does_nothing);
	return n_failed ? 1 : 0;
}
