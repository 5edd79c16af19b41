/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* apt's hook: apt's hook information parsed (captures of a real apt, malformed input), the
 * package record, and `rewind apt-hook` over the fakes: off, begin, an open transaction, each
 * failure a warning and exit 0 unless auto_begin_required = yes. */
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli-run.h"
#include "conf.h"
#include "paths.h"
#include "test.h"
#include "txn-packages.h"
#include "txn.h"
#include "util.h"

static unsigned not_root(void)
{
	return 1000;
}

static unsigned root(void)
{
	return 0;
}

/* A real apt's input (apt 2.6.1, Debian 12: tests/fuzz/corpus-apt-info/real-*). */
static char *real_capture(const char *name)
{
	_cleanup_free_ char *path = strdup_printf("tests/fuzz/corpus-apt-info/%s", name);
	_cleanup_fclose_ FILE *f = path ? fopen(path, "re") : NULL;
	char *text = calloc(1, 64 * 1024);
	size_t n;

	if (!f || !text)
		abort();
	n = fread(text, 1, 64 * 1024 - 1, f);
	text[n] = '\0';
	return text;
}

static int parse(const char *text, struct apt_info *info, struct txn_package_run *run)
{
	return apt_info_parse(text, strlen(text), info, run);
}

#define V3 "VERSION 3\nAPT::Architecture=amd64\nDir=/\n\n"

TEST(test_parse_real)
{
	static const struct {
		const char *file;
		enum txn_pkg_action action;
		const char *old, *new;
	} cases[] = {
	    {"real-install-v3", TXN_PKG_INSTALL, NULL, "1.0"},
	    {"real-upgrade-v3", TXN_PKG_UPGRADE, "1.0", "2.0"},
	    {"real-remove-v3", TXN_PKG_REMOVE, "2.0", NULL},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(txn_package_run_done) struct txn_package_run run = {};
		_cleanup_(apt_info_done) struct apt_info info = {};
		_cleanup_free_ char *text = real_capture(cases[i].file);

		CHECK_EQ_INT(parse(text, &info, &run), 0);
		CHECK_EQ_INT(info.version, 3);
		CHECK(!info.chroot && !info.root);
		CHECK_EQ_INT(info.n_rejected, 0);
		CHECK_EQ_INT(run.n_packages, 1); /* unpack and configure: one package */
		if (run.n_packages != 1)
			continue;
		CHECK_STREQ(run.packages[0].name, "rewind-capture-test");
		CHECK_STREQ(run.packages[0].arch, "all");
		CHECK_EQ_INT(run.packages[0].action, cases[i].action);
		CHECK(!cases[i].old == !run.packages[0].old_version);
		CHECK(!cases[i].new == !run.packages[0].new_version);
		if (cases[i].old)
			CHECK_STREQ(run.packages[0].old_version, cases[i].old);
		if (cases[i].new)
			CHECK_STREQ(run.packages[0].new_version, cases[i].new);
	}
}

TEST(test_parse_actions)
{
	_cleanup_(txn_package_run_done) struct txn_package_run run = {};
	_cleanup_(apt_info_done) struct apt_info info = {};
	const char *text =
	    V3 "libfoo1 1.0-1 amd64 same < 1.1-1 amd64 same /var/cache/apt/archives/a.deb\n"
	       "libfoo1 1.0-1 i386 same < 1.1-1 i386 same /var/cache/apt/archives/b.deb\n"
	       "old 2:3.0 amd64 none > - - none **REMOVE**\n"
	       "down 2.0 all foreign > 1.0 all foreign /x/down.deb\n"
	       "same 1.0 amd64 none = 1.0 amd64 none /x/same.deb\n"
	       "half 1.0 amd64 none = 1.0 amd64 none **CONFIGURE**\n"
	       "libfoo1 1.0-1 amd64 same < 1.1-1 amd64 same **CONFIGURE**\n"
	       "new - - none < 0.1~rc1+dfsg-2 arm64 none **ERROR**\n";

	CHECK_EQ_INT(parse(text, &info, &run), 0);
	CHECK_EQ_INT(info.n_rejected, 0);
	CHECK_EQ_INT(run.n_packages, 7);
	if (run.n_packages != 7)
		return;
	CHECK_STREQ(run.packages[0].arch, "amd64");
	CHECK_STREQ(run.packages[1].arch, "i386");
	CHECK_EQ_INT(run.packages[1].action, TXN_PKG_UPGRADE);
	CHECK_EQ_INT(run.packages[2].action, TXN_PKG_REMOVE);
	CHECK_STREQ(run.packages[2].old_version, "2:3.0");
	CHECK(run.packages[2].new_version == NULL);
	CHECK_EQ_INT(run.packages[3].action, TXN_PKG_DOWNGRADE);
	CHECK_EQ_INT(run.packages[4].action, TXN_PKG_REINSTALL);
	CHECK_EQ_INT(run.packages[5].action, TXN_PKG_CONFIGURE);
	CHECK_EQ_INT(run.packages[6].action, TXN_PKG_INSTALL);
	CHECK_STREQ(run.packages[6].new_version, "0.1~rc1+dfsg-2");
	CHECK(run.packages[6].old_version == NULL);
}

TEST(test_parse_v2)
{
	_cleanup_(txn_package_run_done) struct txn_package_run run = {};
	_cleanup_(apt_info_done) struct apt_info info = {};

	CHECK_EQ_INT(parse("VERSION 2\nx=y\n\na - < 1.0 /a.deb\nb 1 < 2 **CONFIGURE**\n"
			   "c 1 > - **REMOVE**\n",
			   &info, &run),
		     0);
	CHECK_EQ_INT(info.version, 2);
	CHECK_EQ_INT(run.n_packages, 3);
	if (run.n_packages == 3) {
		CHECK(run.packages[0].arch == NULL);
		CHECK_EQ_INT(run.packages[0].action, TXN_PKG_INSTALL);
		CHECK_EQ_INT(run.packages[1].action, TXN_PKG_CONFIGURE);
		CHECK_EQ_INT(run.packages[2].action, TXN_PKG_REMOVE);
	}
}

TEST(test_parse_malformed)
{
	static const char *const refused[] = {
	    "",
	    "VERSION 1\n\n/var/cache/apt/archives/a.deb\n",
	    "/var/cache/apt/archives/a.deb\n",
	    "VERSION 4\n\n",
	    "VERSION 3", /* no newline: not trusted */
	    "\n\n",
	};
	static const char *const rejected[] = {
	    "a 1 amd64 none < 2 amd64 none\n",		     /* a field missing */
	    "a 1 amd64 none < 2 amd64 none /a.deb extra\n",  /* one too many */
	    "a 1 amd64 none ! 2 amd64 none /a.deb\n",	     /* no operator */
	    "a 1 amd64 none < 2 amd64 none **FROB**\n",	     /* no action */
	    "a 1 amd64 none < 2 amd64 none a.deb\n",	     /* a relative path */
	    "a - - none < - - none /a.deb\n",		     /* neither version */
	    "a 1 amd64 none > - - none /a.deb\n",	     /* an unpack of nothing */
	    "- 1 amd64 none < 2 amd64 none /a.deb\n",	     /* no name */
	    "a  1 amd64 none < 2 amd64 none /a.deb\n",	     /* an empty field */
	    "a\t1 amd64 none < 2 amd64 none /a.deb x y z\n", /* a tab */
	    "\xc3\xa9 1 amd64 none < 2 amd64 none /a.deb\n", /* not ASCII */
	};

	for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
		struct txn_package_run run = {};
		struct apt_info info = {};

		CHECK_EQ_INT(parse(refused[i], &info, &run), -EBADMSG);
		CHECK_EQ_INT(run.n_packages, 0);
	}
	for (size_t i = 0; i < ELEMENTSOF(rejected); i++) {
		_cleanup_(txn_package_run_done) struct txn_package_run run = {};
		_cleanup_(apt_info_done) struct apt_info info = {};
		_cleanup_free_ char *text =
		    strdup_printf(V3 "%sok 1 amd64 none < 2 amd64 none /ok.deb\n", rejected[i]);

		CHECK_EQ_INT(parse(text, &info, &run), 0);
		if (info.n_rejected != 1)
			fprintf(stderr, "  accepted: %s", rejected[i]);
		CHECK_EQ_INT(info.n_rejected, 1);
		CHECK_EQ_INT(run.n_packages, 1);
		if (run.n_packages == 1)
			CHECK_STREQ(run.packages[0].name, "ok");
	}
}

/* Huge lines: a configuration value of 1 MiB is skipped unread, a package field longer than
 * APT_FIELD_MAX rejects its line; a last line without its newline (cut short) is left out. */
TEST(test_parse_huge)
{
	_cleanup_(txn_package_run_done) struct txn_package_run run = {};
	_cleanup_(apt_info_done) struct apt_info info = {};
	size_t big = 1024 * 1024;
	_cleanup_free_ char *value = malloc(big + 1), *field = malloc(APT_FIELD_MAX + 2),
			    *text = NULL;

	memset(value, 'v', big);
	value[big] = '\0';
	memset(field, '1', APT_FIELD_MAX + 1);
	field[APT_FIELD_MAX + 1] = '\0';
	text = strdup_printf("VERSION 3\nAPT::Huge=%s\n\n"
			     "long %s amd64 none < 2 amd64 none /a.deb\n"
			     "fine 1 amd64 none < 2 amd64 none /b.deb\n"
			     "cut 1 amd64 none < 2 amd64 none /c.deb",
			     value, field);
	CHECK_EQ_INT(parse(text, &info, &run), 0);
	CHECK_EQ_INT(info.n_rejected, 1);
	CHECK_EQ_INT(run.n_packages, 1);
	if (run.n_packages == 1)
		CHECK_STREQ(run.packages[0].name, "fine");
}

/* dpkg on another root: apt says so in its configuration. */
TEST(test_parse_chroot)
{
	_cleanup_(txn_package_run_done) struct txn_package_run run = {}, run2 = {};
	_cleanup_(apt_info_done) struct apt_info info = {}, info2 = {};

	CHECK_EQ_INT(parse("VERSION 3\ndpkg::chroot-directory=/target\n\n", &info, &run), 0);
	CHECK_STREQ(info.chroot, "/target");
	CHECK_EQ_INT(
	    parse("VERSION 3\nDPkg::Chroot-Directory=/\nDir=/srv/root/\n\n", &info2, &run2), 0);
	CHECK(info2.chroot == NULL);
	CHECK_STREQ(info2.root, "/srv/root/");
}

/* A writer child of `size` bytes into a pipe: the reader must take all of it (the child exits 0
 * only when every write succeeded: no EPIPE). Returns the read end; *ret_pid the child. */
static int pipe_writer(size_t size, pid_t *ret_pid)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		char buf[65536];
		size_t done = 0;

		signal(SIGPIPE, SIG_IGN); /* as apt does while it writes */
		close(p[0]);
		memset(buf, 'x', sizeof(buf));
		memcpy(buf, V3, strlen(V3));
		while (done < size) {
			size_t n = MIN(sizeof(buf), size - done);

			if (write_all(p[1], buf, n) < 0)
				_exit(1);
			done += n;
		}
		_exit(0);
	}
	close(p[1]);
	*ret_pid = pid;
	return p[0];
}

static int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(test_read_drains)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	bool truncated = false;
	pid_t pid;
	int fd = pipe_writer(APT_INFO_MAX + 3 * 65536, &pid);

	CHECK_EQ_INT(apt_info_read(fd, &text, &len, &truncated), 0);
	CHECK_EQ_INT(len, APT_INFO_MAX);
	CHECK(truncated);
	CHECK_EQ_INT(wait_child(pid), 0);
	close(fd);
}

/* ---- the record ---- */

static void remove_records(void)
{
	(void)txn_packages_prune(NULL);
}

TEST(test_record_round_trip)
{
	_cleanup_(txn_packages_done) struct txn_packages p = {.begun_by_apt = true, .began = 42},
							 back = {};
	_cleanup_(txn_package_run_done) struct txn_package_run run = {};
	_cleanup_(apt_info_done) struct apt_info info = {};
	_cleanup_free_ char *a = NULL, *b = NULL;

	remove_records();
	p.txid = strdup("apt-20261201-061700");
	CHECK_EQ_INT(parse(V3 "a 1 amd64 none < 2 amd64 none /a.deb\nb 1 all none > - - none "
			      "**REMOVE**\n",
			   &info, &run),
		     0);
	run.time = 1700000000;
	CHECK_EQ_INT(txn_packages_add_run(&p, &run), 0);
	CHECK_EQ_INT(txn_packages_save(&p), 0);
	CHECK_EQ_INT(txn_packages_load("apt-20261201-061700", &back), 1);
	CHECK_EQ_INT(back.n_runs, 1);
	CHECK(back.begun_by_apt);
	CHECK_EQ_INT(back.began, 42);
	CHECK_EQ_INT(txn_packages_to_json(&p, true, &a), 0);
	CHECK_EQ_INT(txn_packages_to_json(&back, true, &b), 0);
	CHECK_STREQ(a, b);
	txn_packages_done(&back);
	/* Of an earlier transaction of that name: not this one's. */
	CHECK_EQ_INT(txn_packages_of("apt-20261201-061700", 43, &back), 0);
	CHECK_EQ_INT(txn_packages_of("apt-20261201-061700", 42, &back), 1);
	txn_packages_done(&back);
	CHECK_EQ_INT(txn_packages_load("other", &back), 0);
	CHECK_EQ_INT(txn_packages_load("../x", &back), -EINVAL);
	/* Not a record: no object, another txid, a bad package skipped. */
	test_write("state/txn/bad.packages.json", "[1,2]");
	CHECK_EQ_INT(txn_packages_load("bad", &back), -EBADMSG);
	test_write("state/txn/bad.packages.json", "{\"txid\":\"other\"}");
	CHECK_EQ_INT(txn_packages_load("bad", &back), -EBADMSG);
	test_write("state/txn/bad.packages.json",
		   "{\"txid\":\"bad\",\"runs\":[{\"packages\":[{\"name\":\"a b\",\"action\":"
		   "\"install\"},{\"name\":\"c\",\"action\":\"frob\"},{\"name\":\"d\",\"action\":"
		   "\"remove\",\"old_version\":\"1\"}]},7]}");
	CHECK_EQ_INT(txn_packages_load("bad", &back), 1);
	CHECK_EQ_INT(back.n_runs, 1);
	if (back.n_runs == 1) {
		CHECK_EQ_INT(back.runs[0].n_packages, 1);
		CHECK(!back.begun_by_apt);
	}
	txn_packages_done(&back);
	{
		char *keep[] = {(char *)"bad", NULL};

		CHECK_EQ_INT(txn_packages_prune(keep), 1);
	}
	CHECK_EQ_INT(txn_packages_load("apt-20261201-061700", &back), 0);
	CHECK_EQ_INT(txn_packages_load("bad", &back), 1);
	txn_packages_done(&back);
	remove_records();
}

/* ---- the verb ---- */

/* Run `rewind apt-hook` with input on the descriptor APT_HOOK_INFO_FD names, stderr kept in
 * *ret_err (static; NULL: not kept). */
static int hook(const char *input, const char **ret_err)
{
	static char err[16384];
	/* test_write() returns a static buffer: each path opened before the next is written */
	int fd = open(test_write("apt-input", input), O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *errpath = strdup(test_write("apt-stderr", ""));
	int efd = open(errpath, O_WRONLY | O_CLOEXEC), saved = dup(STDERR_FILENO), r;
	_cleanup_free_ char *num = strdup_printf("%d", fd);
	FILE *f;
	size_t n;

	if (fd < 0 || efd < 0 || saved < 0 || !num)
		abort();
	setenv("APT_HOOK_INFO_FD", num, 1);
	fflush(stderr);
	dup2(efd, STDERR_FILENO);
	r = RUN_CLI("apt-hook");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(efd);
	close(fd);
	unsetenv("APT_HOOK_INFO_FD");
	f = fopen(errpath, "re");
	n = f ? fread(err, 1, sizeof(err) - 1, f) : 0;
	err[n] = '\0';
	if (f)
		fclose(f);
	if (ret_err)
		*ret_err = err;
	return r;
}

#define INSTALL_A V3 "pkg-a - - none < 1.0 amd64 none /var/cache/apt/archives/pkg-a.deb\n"
#define UPGRADE_B                                                                                  \
	V3 "pkg-b 1.0 all none < 2.0 all none /var/cache/apt/archives/pkg-b.deb\n"                 \
	   "pkg-b 1.0 all none < 2.0 all none **CONFIGURE**\n"

static const struct txn_package *find_pkg(const struct txn_packages *p, const char *name)
{
	for (size_t i = 0; p && i < p->n_runs; i++)
		for (size_t j = 0; j < p->runs[i].n_packages; j++)
			if (streq(p->runs[i].packages[j].name, name))
				return &p->runs[i].packages[j];
	return NULL;
}

TEST(test_hook_off)
{
	const char *err = NULL;
	pid_t pid;
	int fd;
	_cleanup_free_ char *num = NULL;

	test_machine();
	remove_records();
	CHECK_EQ_INT(hook(INSTALL_A, &err), 0);
	CHECK_STREQ(err, "");
	CHECK_EQ_INT(fake_n_events(), 0);
	test_write("rewind.conf", "auto_begin = off\n");
	CHECK_EQ_INT(hook(INSTALL_A, &err), 0);
	CHECK_STREQ(err, "");
	CHECK_EQ_INT(fake_n_events(), 0);
	/* Off, it still reads apt's input to its end. */
	fd = pipe_writer(1024 * 1024, &pid);
	num = strdup_printf("%d", fd);
	setenv("APT_HOOK_INFO_FD", num, 1);
	CHECK_EQ_INT(RUN_CLI("apt-hook"), 0);
	unsetenv("APT_HOOK_INFO_FD");
	CHECK_EQ_INT(wait_child(pid), 0);
	close(fd);
}

/* The apt run that removes rewind opens nothing: the prerm would refuse the removal for ever. */
TEST(test_hook_removing_rewind)
{
	const char *err = NULL;

	test_machine();
	remove_records();
	test_write("rewind.conf", "volumes = / /srv\nauto_begin = apt\n");
	test_stdout_begin();
	CHECK_EQ_INT(hook(V3 "rewind 0.1 amd64 none > - - none **REMOVE**\n", &err), 0);
	CHECK(strstr(test_stdout_end(), "this apt run removes rewind: no transaction"));
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	/* Anything else in the same run still begins one. */
	CHECK_EQ_INT(hook(V3 "rewindx 0.1 amd64 none > - - none **REMOVE**\n", &err), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 2);
}

TEST(test_hook_begins)
{
	_cleanup_(txn_status_done) struct txn_status st = {};
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	_cleanup_free_ char *json = NULL;
	const char *err = NULL, *out;
	const struct txn_package *x;

	test_machine();
	remove_records();
	test_write("rewind.conf", "volumes = / /srv\nauto_begin = apt\n");
	test_write("state/txn/old-one.packages.json", "{\"txid\":\"old-one\"}");
	CHECK_EQ_INT(hook(INSTALL_A, &err), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 2);
	CHECK_EQ_INT(lvm_new(&l), 0);
	CHECK_EQ_INT(txn_status(l, &st), 0);
	CHECK_EQ_INT(st.n_txns, 1);
	if (st.n_txns != 1)
		return;
	CHECK(startswith(st.txns[0].txid, "apt-"));
	CHECK(st.txns[0].packages != NULL);
	x = find_pkg(st.txns[0].packages, "pkg-a");
	CHECK(x && x->action == TXN_PKG_INSTALL && streq(x->new_version, "1.0"));
	CHECK(st.txns[0].packages && st.txns[0].packages->begun_by_apt);
	/* The record of a transaction that ended is gone. */
	{
		struct txn_packages p;
		CHECK_EQ_INT(txn_packages_load("old-one", &p), 0);
	}
	/* status --json and the table show it. */
	CHECK_EQ_INT(txn_status_to_json(&st, false, &json), 0);
	CHECK(json && strstr(json, "\"packages\""));
	CHECK(json && strstr(json, "\"name\":\"pkg-a\""));
	CHECK(json && strstr(json, "\"begun_by\":\"apt\""));
	test_stdout_begin();
	CHECK_EQ_INT(RUN_CLI("status"), 0);
	out = test_stdout_end();
	CHECK(strstr(out, "install    pkg-a:amd64 1.0"));
	CHECK(strstr(out, "transaction begun by apt"));
	test_stdout_begin();
	CHECK_EQ_INT(RUN_CLI("status", "--json"), 0);
	out = test_stdout_end();
	CHECK(strstr(out, "\"action\":\"install\""));

	/* A second apt run (unattended-upgrades makes one per package): no new transaction, the
	 * run is added, and the good boots before it no longer count for auto-commit. */
	{
		_cleanup_free_ char *name = strdup_printf("root-rewind-%s", st.txns[0].txid);
		struct fake_lv *rs = name ? fake_find_lv("vg0", name) : NULL;

		CHECK(rs != NULL);
		if (rs)
			fake_lv_add_tag(rs, "rewind:good=2");
		fake_events_reset();
		test_stdout_begin();
		CHECK_EQ_INT(hook(UPGRADE_B, &err), 0);
		out = test_stdout_end();
		CHECK(rs && !fake_lv_has_tag(rs, "rewind:good=2") &&
		      fake_lv_has_tag(rs, "rewind:good=0"));
	}
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	CHECK(strstr(out, "is open already"));
	CHECK(strstr(out, "begun by apt"));
	txn_status_done(&st);
	CHECK_EQ_INT(txn_status(l, &st), 0);
	CHECK(st.n_txns == 1 && st.txns[0].packages && st.txns[0].packages->n_runs == 2);
	x = st.n_txns == 1 ? find_pkg(st.txns[0].packages, "pkg-b") : NULL;
	CHECK(x && x->action == TXN_PKG_UPGRADE && streq(x->old_version, "1.0") &&
	      streq(x->new_version, "2.0"));
	CHECK_EQ_INT(RUN_CLI("commit"), 0);
	remove_records();
}

/* Begun by hand: none is opened, the run is recorded in it, marked. */
TEST(test_hook_open_by_hand)
{
	_cleanup_(txn_packages_done) struct txn_packages p = {};
	const char *err = NULL, *out;

	test_machine();
	remove_records();
	test_write("rewind.conf", "auto_begin = apt\n");
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "T1", "/"), 0);
	fake_events_reset();
	test_stdout_begin();
	CHECK_EQ_INT(hook(UPGRADE_B, &err), 0);
	out = test_stdout_end();
	CHECK(strstr(out, "Transaction T1 (begun by hand) is open already"));
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	CHECK_EQ_INT(txn_packages_load("T1", &p), 1);
	CHECK(!p.begun_by_apt);
	CHECK(find_pkg(&p, "pkg-b") != NULL);
	/* Armed: recorded, with a warning that the next boot undoes it. */
	CHECK_EQ_INT(RUN_CLI("rollback"), 0);
	CHECK_EQ_INT(hook(INSTALL_A, &err), 0);
	CHECK(strstr(err, "the next boot undoes this upgrade too"));
	CHECK_EQ_INT(RUN_CLI("cancel"), 0);
	CHECK_EQ_INT(RUN_CLI("commit"), 0);
	remove_records();
}

TEST(test_hook_begin_fails)
{
	const char *err = NULL;

	test_machine();
	remove_records();
	/* No space in the volume group: a warning, apt goes on. */
	test_write("rewind.conf", "volumes = /srv\nsize = 3G\nauto_begin = apt\n");
	CHECK_EQ_INT(hook(INSTALL_A, &err), 0);
	CHECK(strstr(err, "rewind: Failed to begin a transaction before this upgrade: "));
	CHECK(strstr(err, "the upgrade goes on without a safety net."));
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	CHECK_EQ_INT(fake_count_lvs(), 2);
	/* Required: apt stops (non-zero: the exit code of the refusal). */
	test_write("rewind.conf",
		   "volumes = /srv\nsize = 3G\nauto_begin = apt\nauto_begin_required = yes\n");
	CHECK_EQ_INT(hook(INSTALL_A, &err), EXIT_NO_SPACE);
	CHECK(strstr(err, "apt stops before dpkg runs"));
	/* An LVM error. */
	test_write("rewind.conf", "auto_begin = apt\n");
	fake_fail_command("lvcreate", 1, false);
	CHECK_EQ_INT(hook(INSTALL_A, &err), 0);
	CHECK(strstr(err, "without a safety net"));
	test_write("rewind.conf", "auto_begin = apt\nauto_begin_required = yes\n");
	fake_fail_command("lvcreate", 1, false);
	CHECK_EQ_INT(hook(INSTALL_A, &err), EXIT_FAILED);
	CHECK_EQ_INT(fake_count_lvs(), 2);
	/* Not root (apt run in a user namespace, say). */
	test_write("rewind.conf", "auto_begin = apt\n");
	cli_geteuid = not_root;
	CHECK_EQ_INT(hook(INSTALL_A, &err), 0);
	CHECK(strstr(err, "without a safety net"));
	test_write("rewind.conf", "auto_begin = apt\nauto_begin_required = yes\n");
	CHECK(hook(INSTALL_A, &err) != 0);
	cli_geteuid = root;
	CHECK_EQ_INT(fake_count_lvs(), 2);
}

/* A rewind.conf that does not parse: a warning, never a stop (required is not known then). */
TEST(test_hook_bad_conf)
{
	const char *err = NULL;

	test_machine();
	test_write("rewind.conf", "auto_begin_required = yes\nauto_begin = always\n");
	CHECK_EQ_INT(hook(INSTALL_A, &err), 0);
	CHECK(strstr(err, "invalid auto_begin 'always': expected off or apt"));
	CHECK(strstr(err, "rewind.conf:2"));
	CHECK(strstr(err, "without a safety net"));
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	test_write("rewind.conf", "auto_begin_required = maybe\n");
	CHECK_EQ_INT(hook(INSTALL_A, &err), 0);
	CHECK(strstr(err, "invalid auto_begin_required 'maybe': expected yes or no"));
	/* The other verbs refuse it as bad input. */
	CHECK_EQ_INT(RUN_CLI("begin"), EXIT_USAGE);
}

/* Another rewind command holds the lock: the hook waits (here 0 s), then gives up. */
TEST(test_hook_lock_held)
{
	_cleanup_free_ char *path = strdup_printf("%s/lock", path_rundir());
	const char *err = NULL;
	int fd;

	test_machine();
	mkdir_p(path_rundir(), 0755);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CHECK(fd >= 0 && flock(fd, LOCK_EX) == 0);
	cli_apt_lock_timeout_sec = 0;
	test_write("rewind.conf", "auto_begin = apt\n");
	CHECK_EQ_INT(hook(INSTALL_A, &err), 0);
	CHECK(strstr(err, "Another rewind command held"));
	CHECK(strstr(err, "without a safety net"));
	test_write("rewind.conf", "auto_begin = apt\nauto_begin_required = yes\n");
	CHECK_EQ_INT(hook(INSTALL_A, &err), EXIT_FAILED);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	close(fd);
	cli_apt_lock_timeout_sec = 60;
	/* Free again: it begins. */
	test_write("rewind.conf", "auto_begin = apt\n");
	CHECK_EQ_INT(hook(INSTALL_A, &err), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 1);
	CHECK_EQ_INT(RUN_CLI("commit"), 0);
	remove_records();
}

/* Input it does not understand: the transaction is begun all the same, the run recorded empty;
 * dpkg on another root: nothing. */
TEST(test_hook_odd_input)
{
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	_cleanup_(txn_status_done) struct txn_status st = {};
	const char *err = NULL, *out;

	test_machine();
	remove_records();
	test_write("rewind.conf", "auto_begin = apt\n");
	CHECK_EQ_INT(hook("/var/cache/apt/archives/a.deb\n", &err), 0);
	CHECK(strstr(err, "not understood"));
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 1);
	CHECK_EQ_INT(lvm_new(&l), 0);
	CHECK_EQ_INT(txn_status(l, &st), 0);
	CHECK(st.n_txns == 1 && st.txns[0].packages && st.txns[0].packages->n_runs == 1 &&
	      st.txns[0].packages->runs[0].n_packages == 0);
	CHECK(!strstr(err, "no snapshot of /"));
	CHECK_EQ_INT(RUN_CLI("commit"), 0);
	/* Data volumes only: dpkg's changes to / are not covered, said so. */
	test_write("rewind.conf", "volumes = /srv\nauto_begin = apt\n");
	CHECK_EQ_INT(hook(INSTALL_A, &err), 0);
	CHECK(strstr(err, "has no snapshot of /: a rollback does not undo what dpkg writes there"));
	CHECK_EQ_INT(RUN_CLI("commit"), 0);
	test_write("rewind.conf", "auto_begin = apt\n");
	fake_events_reset();
	test_stdout_begin();
	CHECK_EQ_INT(hook("VERSION 3\nDPkg::Chroot-Directory=/target\n\n", &err), 0);
	out = test_stdout_end();
	CHECK(strstr(out, "another root (/target)"));
	CHECK_EQ_INT(fake_n_events(), 0);
	remove_records();
}

TEST(test_conf_keys)
{
	struct conf c;

	conf_init(&c);
	CHECK(!c.auto_begin_apt && !c.auto_begin_required);
	CHECK_EQ_INT(
	    conf_load(test_write("rewind.conf", "auto_begin = apt\nauto_begin_required = yes\n"),
		      &c, NULL),
	    0);
	CHECK(c.auto_begin_apt && c.auto_begin_required);
	CHECK_EQ_INT(conf_load(test_write("rewind.conf", "auto_begin = off\n"), &c, NULL), 0);
	CHECK(!c.auto_begin_apt);
	conf_done(&c);
}

int main(void)
{
	int n_failed = 0;

	setenv("REWIND_INITRD", "/nonexistent/initrd", 1);
	cli_geteuid = root;
	RUN(test_parse_real);
	RUN(test_parse_actions);
	RUN(test_parse_v2);
	RUN(test_parse_malformed);
	RUN(test_parse_huge);
	RUN(test_parse_chroot);
	RUN(test_read_drains);
	RUN(test_record_round_trip);
	RUN(test_hook_off);
	RUN(test_hook_removing_rewind);
	RUN(test_hook_begins);
	RUN(test_hook_open_by_hand);
	RUN(test_hook_begin_fails);
	RUN(test_hook_bad_conf);
	RUN(test_hook_lock_held);
	RUN(test_hook_odd_input);
	RUN(test_conf_keys);
	return n_failed ? 1 : 0;
}
