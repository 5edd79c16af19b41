/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "mnt.h"
#include "policy.h"
#include "txn.h"
#include "test.h"
#include "util.h"

int test_failed;
const char *test_tmpdir;
static char *logbuf;

static void test_log_fn(void *userdata, int prio, const char *file, int line, const char *fn,
			const char *msg)
{
	char *n = strdup_printf("%s%s\n", logbuf ? logbuf : "", msg);
	struct fake_lv *d = fake_find_lv("vg1", "data");

	/* What begin must never do: write a message while a volume is suspended. */
	if (d && d->suspended)
		test_logged_while_suspended++;
	free(logbuf);
	logbuf = n;
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "    log<%d>: %s\n", prio, msg);
}

int test_logged_while_suspended;

void test_log_capture(void)
{
	rewind_log_set_fn(test_log_fn, NULL);
	rewind_log_set_priority(REWIND_LOG_DEBUG);
}

const char *test_log(void)
{
	return logbuf ? logbuf : "";
}

bool test_log_contains(const char *s)
{
	return strstr(test_log(), s) != NULL;
}

void test_log_reset(void)
{
	free(logbuf);
	logbuf = NULL;
}

void test_setup(void)
{
	static char dir[] = "/tmp/rewind-test-XXXXXX";
	static bool made;
	char *p;

	if (!made) {
		if (!mkdtemp(dir))
			abort();
		made = true;
	}
	test_tmpdir = dir;
	p = strdup_printf("%s/run", dir);
	setenv("REWIND_RUNDIR", p, 1);
	free(p);
	/* What an earlier test's stage left, as a boot starts with an empty /run. */
	for (const char *const *f = (const char *const[]){"outcome.json", "merging", "health.json",
							  "finish", "stage", NULL};
	     *f; f++) {
		p = strdup_printf("%s/run/%s", dir, *f);
		unlink(p);
		free(p);
	}
	/* No health checks unless a test installs some (test-health.c); never the build host's. */
	p = strdup_printf("%s/health.d", dir);
	setenv("REWIND_HEALTH_DIR", p, 1);
	free(p);
	/* Not under systemd unless a test says so; never the build host's systemctl. */
	p = strdup_printf("%s/systemd-system", dir);
	rmdir(p);
	setenv("REWIND_SYSTEMD_SYSTEM", p, 1);
	free(p);
	p = strdup_printf("%s/systemctl", dir);
	setenv("REWIND_SYSTEMCTL", p, 1);
	free(p);
	p = strdup_printf("%s/rewind.conf", dir);
	unlink(p);
	setenv("REWIND_CONF", p, 1);
	free(p);
	p = strdup_printf("%s/cmdline", dir);
	unlink(p);
	setenv("REWIND_CMDLINE", p, 1);
	free(p);
	/* No ESP (a dir without loader/) unless a test makes one; never the build host's. */
	p = strdup_printf("%s/esp", dir);
	setenv("REWIND_ESP", p, 1);
	free(p);
	p = strdup_printf("%s/efivars", dir);
	setenv("REWIND_EFIVARS", p, 1);
	free(p);
	p = strdup_printf("%s/state", dir);
	setenv("REWIND_STATEDIR", p, 1);
	free(p);
	test_boot_id(TEST_BOOT_ID_1);
	test_mounts((const char *const[]){NULL});
	free(logbuf);
	logbuf = NULL;
	test_log_capture();
	fake_reset();
	fake_mnt_busy(NULL);
	fake_mnt_fail_mount(NULL);
	fake_mnt_on_unmount(NULL, NULL);
	txn_mount_ops = &fake_mount_ops;
}

const char *test_write(const char *name, const char *contents)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir, name);
	if (strchr(name, '/')) {
		*strrchr(path, '/') = '\0';
		if (mkdir_p(path, 0755) < 0)
			abort();
		snprintf(path, sizeof(path), "%s/%s", test_tmpdir, name);
	}
	f = fopen(path, "we");
	if (!f)
		abort();
	fputs(contents, f);
	fclose(f);
	return path;
}

void test_unlink(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir, name);
	(void)unlink(path);
}

void test_boot_id(const char *id)
{
	setenv("REWIND_BOOT_ID", test_write("boot_id", id), 1);
}

void test_mounts(const char *const *pairs)
{
	char *text = strdup("");
	const char *path;

	for (int i = 0; pairs[i] && pairs[i + 1]; i += 2) {
		char *n = strdup_printf("%s%d 1 253:%d / %s rw,relatime shared:1 - ext4 %s rw\n",
					text, 20 + i, i, pairs[i + 1], pairs[i]);
		free(text);
		text = n;
	}
	path = test_write("mountinfo", text);
	setenv("REWIND_MOUNTINFO", path, 1);
	free(text);
}

bool test_rundir_has(const char *name)
{
	_cleanup_free_ char *p = strdup_printf("%s/%s", getenv("REWIND_RUNDIR"), name);

	return p && access(p, F_OK) == 0;
}

char *test_rundir_read(const char *name)
{
	_cleanup_free_ char *p = strdup_printf("%s/%s", getenv("REWIND_RUNDIR"), name);
	char *s = NULL;
	FILE *f = p ? fopen(p, "re") : NULL;
	size_t n = 0;

	if (!f)
		return NULL;
	if (getdelim(&s, &n, '\0', f) < 0) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

void test_machine(void)
{
	fake_add_vg("vg0", 4ULL << 30, 4ULL << 20);
	fake_add_vg("vg1", 2ULL << 30, 4ULL << 20);
	fake_add_lv("vg0", "root", 8ULL << 30, "-wi-ao----");
	fake_add_lv("vg1", "data", 4ULL << 30, "-wi-ao----");
	test_mounts((const char *const[]){"/dev/mapper/vg0-root", "/", "/dev/mapper/vg1-data",
					  "/srv", NULL});
}

static int saved_stdout = -1;

static char *stdout_path(void)
{
	char *p = strdup_printf("%s/stdout", test_tmpdir);

	if (!p)
		abort();
	return p;
}

void test_stdout_begin(void)
{
	_cleanup_free_ char *path = stdout_path();
	int fd;

	fflush(stdout);
	saved_stdout = dup(STDOUT_FILENO);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (saved_stdout < 0 || fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
		abort();
	close(fd);
}

const char *test_stdout_end(void)
{
	_cleanup_free_ char *path = stdout_path();
	static char out[16384];
	ssize_t n;
	int fd;

	fflush(stdout);
	dup2(saved_stdout, STDOUT_FILENO);
	close(saved_stdout);
	saved_stdout = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, out, sizeof(out) - 1) : -1;
	out[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return out;
}

int test_begin(struct lvm *l, const char *txid, const char *const *targets, const char *size,
	       bool baseline)
{
	struct volume_spec specs[8] = {};
	struct txn_begin_opts o = {.txid = txid, .baseline = baseline, .volumes = specs};
	struct policy p;
	struct conf c;
	int r;

	conf_init(&c);
	if (size) {
		if (policy_parse(size, &p) < 0)
			return -EINVAL;
		o.size = &p;
	}
	for (size_t i = 0; targets && targets[i] && i < 8; i++) {
		if (volume_spec_parse(targets[i], &specs[i]) < 0) {
			r = -EINVAL;
			goto out;
		}
		o.n_volumes++;
	}
	r = txn_begin(l, &c, &o, NULL);
out:
	for (size_t i = 0; i < o.n_volumes; i++)
		volume_spec_done(&specs[i]);
	conf_done(&c);
	return r;
}
