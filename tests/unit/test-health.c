/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Health checks (health.h): order, what is skipped, required and wanted, the timeout that kills
 * the check's process group, health.json, auto-commit waiting for them, status. */
#include <inttypes.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "cli-run.h"
#include "health.h"
#include "json-shape.h"
#include "test.h"
#include "txn-auto.h"
#include "txn.h"
#include "util.h"

static struct lvm *L;

static unsigned root(void)
{
	return 0;
}

/* A fresh, empty health.d for each test. */
static void clean_health_dir(void)
{
	_cleanup_free_ char *cmd = strdup_printf("rm -rf '%s/health.d'", test_tmpdir);

	CHECK(cmd && system(cmd) == 0);
}

/* health.d/REL with body as a shell script, of mode. */
static void check_file(const char *rel, const char *body, mode_t mode)
{
	_cleanup_free_ char *name = strdup_printf("health.d/%s", rel);
	_cleanup_free_ char *text = strdup_printf("#!/bin/sh\n%s\n", body);
	const char *path = test_write(name, text);

	CHECK(chmod(path, mode) == 0);
}

static void check_exec(const char *rel, const char *body)
{
	check_file(rel, body, 0755);
}

static char *read_file_str(const char *rel)
{
	_cleanup_free_ char *path = strdup_printf("%s/%s", test_tmpdir, rel);
	char *s = NULL;

	if (read_one_line_file(path, &s) < 0)
		return NULL;
	return s;
}

static const struct health_check *find(const struct health_report *h, const char *name)
{
	for (size_t i = 0; i < h->n_checks; i++)
		if (h->checks[i].name && streq(h->checks[i].name, name))
			return &h->checks[i];
	return NULL;
}

TEST(test_order_and_skipped)
{
	_cleanup_(health_report_done) struct health_report h = {};
	_cleanup_free_ char *order = NULL, *dir = NULL;
	char body[512];

	clean_health_dir();
	test_unlink("order");
	snprintf(body, sizeof(body), "printf '%%s ' \"${0##*/}\" >>'%s/order'", test_tmpdir);
	check_exec("required.d/20-b", body);
	check_exec("required.d/10-a", body);
	check_exec("required.d/B-upper", body); /* byte order: before "a" */
	check_exec("required.d/30-c~", "exit 1");
	check_exec("required.d/40-d.rpmsave", "exit 1");
	check_exec("required.d/41-d.dpkg-old", "exit 1");
	check_exec("required.d/.hidden", "exit 1");
	check_exec("required.d/#autosave#", "exit 1");
	check_file("required.d/50-e", "exit 1", 0644);
	dir = strdup_printf("%s/health.d/required.d/60-dir", test_tmpdir);
	CHECK(dir && mkdir_p(dir, 0755) >= 0);
	check_exec("wanted.d/05-w", body);
	CHECK_EQ_INT(health_installed(), 1);
	CHECK_EQ_INT(health_run(5, &h), 0);
	order = read_file_str("order");
	CHECK_STREQ(order, "10-a 20-b B-upper 05-w ");
	CHECK_EQ_INT(h.n_checks, 4);
	CHECK(health_report_passed(&h));
	CHECK_EQ_INT(h.timeout, 5);
	CHECK(h.time > 0);
	CHECK(*h.boot_id);
	CHECK(find(&h, "05-w") && find(&h, "05-w")->type == HEALTH_WANTED);
	CHECK(find(&h, "10-a") && find(&h, "10-a")->type == HEALTH_REQUIRED);
	CHECK(find(&h, "10-a") && find(&h, "10-a")->exit_status == 0);
	CHECK(test_log_contains("50-e: not executable"));
	CHECK(!find(&h, "50-e") && !find(&h, "30-c~") && !find(&h, ".hidden"));
}

TEST(test_required_fails)
{
	_cleanup_(health_report_done) struct health_report h = {};
	const struct health_check *c;

	clean_health_dir();
	check_exec("required.d/10-ok", "exit 0");
	check_exec("required.d/20-bad", "exit 3");
	check_exec("required.d/30-after", "exit 0"); /* still run: every result is recorded */
	CHECK_EQ_INT(health_run(5, &h), 0);
	CHECK_EQ_INT(h.n_checks, 3);
	CHECK_EQ_INT(h.result, HEALTH_FAILED);
	CHECK(!health_report_passed(&h));
	c = find(&h, "20-bad");
	CHECK(c && c->result == HEALTH_FAILED && c->exit_status == 3 && c->signal == -1);
	c = find(&h, "30-after");
	CHECK(c && c->result == HEALTH_PASSED);
	CHECK(test_log_contains("Required health check 20-bad FAILED: exit status 3"));

	cli_geteuid = root;
	test_stdout_begin();
	CHECK_EQ_INT(RUN_CLI("health-check"), EXIT_FAILED);
	CHECK(strstr(test_stdout_end(),
		     "Health checks: FAILED: 1 of 3 required checks failed or timed out"));
	CHECK_EQ_INT(RUN_CLI("health-check", "x"), EXIT_USAGE);
}

TEST(test_wanted_only_warns)
{
	_cleanup_(health_report_done) struct health_report h = {};
	const char *out;

	clean_health_dir();
	check_exec("required.d/10-ok", "exit 0");
	check_exec("wanted.d/10-meh", "exit 2");
	check_exec("wanted.d/20-sig", "kill -TERM $$");
	CHECK_EQ_INT(health_run(5, &h), 0);
	CHECK(health_report_passed(&h));
	CHECK(find(&h, "10-meh") && find(&h, "10-meh")->result == HEALTH_FAILED);
	CHECK(find(&h, "20-sig") && find(&h, "20-sig")->signal == SIGTERM);
	CHECK(test_log_contains("Wanted health check 10-meh failed: exit status 2; going on."));

	cli_geteuid = root;
	test_stdout_begin();
	CHECK_EQ_INT(RUN_CLI("health-check"), 0);
	out = test_stdout_end();
	CHECK(strstr(out, "Health checks: passed, 3 checks, 2 wanted checks failed (warning)"));
	CHECK(strstr(out, "failed (warning) (exit status 2"));
	CHECK(strstr(out, "killed by signal 15"));
}

/* The process of pid is gone (or a zombie nobody reaped yet), within 3 s. */
static bool dead(pid_t pid)
{
	for (int i = 0; i < 150; i++) {
		_cleanup_free_ char *p = strdup_printf("/proc/%d/stat", (int)pid), *line = NULL;
		const char *st;

		if (kill(pid, 0) < 0 || read_one_line_file(p, &line) < 0)
			return true;
		st = strrchr(line, ')');
		if (st && st[1] == ' ' && (st[2] == 'Z' || st[2] == 'X'))
			return true;
		nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
	}
	return false;
}

TEST(test_timeout_kills_the_group)
{
	_cleanup_(health_report_done) struct health_report h = {};
	_cleanup_free_ char *bg = NULL;
	const struct health_check *c;
	char body[512];
	time_t start = time(NULL);
	uint64_t pid;

	clean_health_dir();
	test_unlink("bgpid");
	snprintf(body, sizeof(body), "sleep 30 &\necho $! >'%s/bgpid'\nsleep 30", test_tmpdir);
	check_exec("required.d/10-hangs", body);
	check_exec("required.d/20-next", "exit 0");
	CHECK_EQ_INT(health_run(1, &h), 0);
	CHECK(time(NULL) - start < 10);
	c = find(&h, "10-hangs");
	CHECK(c && c->result == HEALTH_TIMED_OUT && c->exit_status == -1);
	CHECK(c && c->seconds >= 0.9 && c->seconds < 10);
	CHECK(find(&h, "20-next") && find(&h, "20-next")->result == HEALTH_PASSED);
	CHECK(!health_report_passed(&h));
	CHECK(test_log_contains("Required health check 10-hangs timed out after 1 s: killed"));
	bg = read_file_str("bgpid");
	CHECK(bg && safe_atou64(bg, &pid) == 0 && pid > 1);
	if (bg && pid > 1)
		CHECK(dead((pid_t)pid));

	/* The verb, with the timeout from rewind.conf. */
	cli_geteuid = root;
	test_write("rewind.conf", "health_check_timeout = 1s\n");
	test_stdout_begin();
	CHECK_EQ_INT(RUN_CLI("health-check"), EXIT_FAILED);
	CHECK(strstr(test_stdout_end(), "TIMED OUT (timed out after 1 s"));
}

/* One that ignores SIGTERM (and so do its children) is killed after the grace period. */
TEST(test_timeout_sigkill)
{
	_cleanup_(health_report_done) struct health_report h = {};
	time_t start = time(NULL);

	clean_health_dir();
	check_exec("wanted.d/10-stubborn", "trap '' TERM\nsleep 30");
	CHECK_EQ_INT(health_run(1, &h), 0);
	CHECK(time(NULL) - start < 15);
	CHECK_EQ_INT(h.n_checks, 1);
	CHECK(h.n_checks == 1 && h.checks[0].result == HEALTH_TIMED_OUT &&
	      h.checks[0].signal == SIGKILL);
	CHECK(health_report_passed(&h)); /* wanted */
}

TEST(test_json_round_trip)
{
	_cleanup_(health_report_done) struct health_report h = {}, back = {};
	_cleanup_free_ char *text = NULL, *again = NULL;

	clean_health_dir();
	check_exec("required.d/10-ok", "exit 0");
	check_exec("required.d/20-bad", "exit 4");
	check_exec("wanted.d/10-meh", "exit 1");
	check_exec("wanted.d/20-noexec", "exit 0");
	/* an executable that cannot be run (no #!, not a binary): failed, not passed */
	CHECK(chmod(test_write("health.d/wanted.d/20-noexec", "\x01\x02garbage"), 0755) == 0);
	CHECK_EQ_INT(health_run(7, &h), 0);
	CHECK_EQ_INT(health_write(&h), 0);
	CHECK_EQ_INT(health_load(&back), 1);
	CHECK_STREQ(back.boot_id, h.boot_id);
	CHECK_EQ_INT(back.time, h.time);
	CHECK_EQ_INT(back.timeout, 7);
	CHECK_EQ_INT(back.result, HEALTH_FAILED);
	CHECK_EQ_INT(back.n_checks, 4);
	for (size_t i = 0; i < back.n_checks && i < h.n_checks; i++) {
		CHECK_STREQ(back.checks[i].name, h.checks[i].name);
		CHECK_EQ_INT(back.checks[i].type, h.checks[i].type);
		CHECK_EQ_INT(back.checks[i].result, h.checks[i].result);
		CHECK_EQ_INT(back.checks[i].exit_status, h.checks[i].exit_status);
		CHECK_EQ_INT(back.checks[i].signal, h.checks[i].signal);
		CHECK(back.checks[i].seconds == h.checks[i].seconds);
	}
	CHECK(find(&back, "20-noexec") && find(&back, "20-noexec")->result == HEALTH_FAILED);
	CHECK_EQ_INT(health_report_to_json(&h, true, &text), 0);
	CHECK_EQ_INT(health_report_to_json(&back, true, &again), 0);
	CHECK_STREQ(again, text);
	CHECK(text && strstr(text, "\"name\":\"20-bad\",\"type\":\"required\",\"result\":"
				   "\"failed\",\"exit_status\":4,\"signal\":null,\"seconds\":"));
	CHECK(text && strstr(text, "\"result\":\"failed\",\"checks\":["));
	/* What is no JSON object is refused; what is missing stays unknown. */
	health_report_done(&back);
	CHECK_EQ_INT(health_report_from_json("[1]", &back), -EBADMSG);
	CHECK_EQ_INT(health_report_from_json("{\"checks\":[{},3]}", &back), 0);
	CHECK_EQ_INT(back.n_checks, 1);
	CHECK_EQ_INT(back.result, _HEALTH_RESULT_UNKNOWN);
	CHECK(!health_report_passed(&back));
	health_report_done(&back);
	test_write("run/health.json", "not json");
	CHECK_EQ_INT(health_load(&back), -EBADMSG);
}

/* health.json's fields are an interface (rewind-units(7), scripts): these, of these types. */
TEST(test_json_shape)
{
	_cleanup_(health_report_done) struct health_report h = {};
	_cleanup_free_ char *text = NULL;
	json_object *o, *c;

	clean_health_dir();
	check_exec("required.d/10-ok", "exit 0");
	check_exec("wanted.d/10-hangs", "exec sleep 30");
	CHECK_EQ_INT(health_run(1, &h), 0);
	CHECK_EQ_INT(health_report_to_json(&h, false, &text), 0);
	o = text ? json_tokener_parse(text) : NULL;
	CHECK(o != NULL);
	if (!o)
		return;
	members(o, (const char *const[]){"boot_id", "time", "timeout", "result", "checks", NULL},
		(const json_type[]){json_type_string, json_type_int, json_type_int,
				    json_type_string, json_type_array});
	c = json_object_array_get_idx(member(o, "checks", json_type_array), 0);
	members(c,
		(const char *const[]){"name", "type", "result", "exit_status", "signal", "seconds",
				      NULL},
		(const json_type[]){json_type_string, json_type_string, json_type_string,
				    json_type_int, json_type_null, json_type_double});
	c = json_object_array_get_idx(member(o, "checks", json_type_array), 1);
	CHECK_STREQ(json_object_get_string(member(c, "result", json_type_string)), "timed-out");
	CHECK_STREQ(json_object_get_string(member(c, "type", json_type_string)), "wanted");
	member(c, "exit_status", json_type_null);
	CHECK_EQ_INT(json_object_get_int(member(c, "signal", json_type_int)), SIGTERM);
	json_object_put(o);
}

TEST(test_none_installed)
{
	_cleanup_(health_report_done) struct health_report h = {};

	clean_health_dir();
	CHECK_EQ_INT(health_installed(), 0);
	CHECK_EQ_INT(health_allows_commit(), 1);
	CHECK_EQ_INT(health_run(60, &h), 0);
	CHECK_EQ_INT(h.n_checks, 0);
	CHECK(health_report_passed(&h));
	/* a directory with only what is skipped has none either */
	check_file("required.d/10-x", "exit 1", 0644);
	check_exec("wanted.d/10-x~", "exit 1");
	CHECK_EQ_INT(health_installed(), 0);
	cli_geteuid = root;
	test_stdout_begin();
	CHECK_EQ_INT(RUN_CLI("health-check"), 0);
	CHECK(strstr(test_stdout_end(), "No health checks installed"));
	CHECK_EQ_INT(health_load(&h), 1); /* recorded all the same, for status */
	CHECK_EQ_INT(h.n_checks, 0);
	/* A rewind.conf that does not parse fails no boot (it warns, the timeout is the default).
	 */
	test_write("rewind.conf", "foo bar\n");
	test_log_reset();
	test_stdout_begin();
	CHECK_EQ_INT(RUN_CLI("health-check"), 0);
	CHECK(strstr(test_stdout_end(), "No health checks installed"));
	test_unlink("rewind.conf");
}

static struct fake_lv *rsnap(void)
{
	return fake_find_lv("vg0", "root-rewind-T1");
}

/* T1 on /, begun 2 h ago by the boot before this one, which reached boot-complete.target. */
static void begin_confirmed(void)
{
	struct volume_spec spec = {.target = (char *)"/"};
	struct txn_begin_opts o = {.txid = "T1", .volumes = &spec, .n_volumes = 1};
	struct conf c;

	test_machine();
	conf_init(&c);
	CHECK_EQ_INT(txn_begin(L, &c, &o, NULL), 0);
	for (int t = 0; rsnap() && t < rsnap()->n_tags; t++)
		if (startswith(rsnap()->tags[t], "rewind:time="))
			snprintf(rsnap()->tags[t], sizeof(rsnap()->tags[t]), "rewind:time=%" PRIu64,
				 (uint64_t)time(NULL) - 7200);
	test_boot_id(TEST_BOOT_ID_2);
	CHECK_EQ_INT(txn_auto_boot_good(L), 0);
	CHECK(fake_lv_has_tag(rsnap(), "rewind:good=1"));
}

static void run_and_record(void)
{
	_cleanup_(health_report_done) struct health_report h = {};

	CHECK_EQ_INT(health_run(5, &h), 0);
	CHECK_EQ_INT(health_write(&h), 0);
}

TEST(test_auto_commit_waits_for_health)
{
	struct conf c;

	clean_health_dir();
	begin_confirmed();
	conf_init(&c);
	c.auto_commit_after = 60;
	check_exec("required.d/10-app", "exit 1");
	/* not run yet at this boot */
	CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 0);
	CHECK(test_log_contains("have not run at this boot yet"));
	/* failed */
	run_and_record();
	test_log_reset();
	CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 0);
	CHECK(test_log_contains("health checks of this boot failed (10-app: failed)"));
	/* passed, but at another boot */
	check_exec("required.d/10-app", "exit 0");
	run_and_record();
	test_boot_id("4c0b2d6e-3333-4a4a-9b9b-000000000003\n");
	test_log_reset();
	CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 0);
	CHECK(test_log_contains("are not this boot's"));
	/* unreadable */
	test_write("run/health.json", "{");
	test_log_reset();
	CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 0);
	CHECK(test_log_contains("cannot be read: not committing"));
	CHECK(rsnap() != NULL);
	/* a wanted check that fails does not hold it back */
	check_exec("wanted.d/10-meh", "exit 1");
	run_and_record();
	CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 1);
	CHECK(rsnap() == NULL);
}

TEST(test_status_shows_health)
{
	_cleanup_(txn_status_done) struct txn_status st = {};
	_cleanup_free_ char *json = NULL;
	const char *out;

	clean_health_dir();
	begin_confirmed();
	check_exec("required.d/10-app", "exit 0");
	check_exec("wanted.d/20-extra", "exit 5");
	run_and_record();
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK(st.health && st.health->n_checks == 2);
	CHECK_EQ_INT(txn_status_to_json(&st, false, &json), 0);
	CHECK(json && strstr(json, "\"health\":{"));
	CHECK(json && strstr(json, "\"name\":\"20-extra\""));
	cli_geteuid = root;
	test_stdout_begin();
	CHECK_EQ_INT(RUN_CLI("status"), 0);
	out = test_stdout_end();
	CHECK(strstr(out, "Health checks (this boot): passed, 2 checks, 1 wanted check failed"));
	CHECK(strstr(out, "wanted   20-extra"));
	/* another boot's results are not shown */
	test_boot_id("4c0b2d6e-3333-4a4a-9b9b-000000000003\n");
	txn_status_done(&st);
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK(st.health == NULL);
	/* nor anything without a transaction */
	test_boot_id(TEST_BOOT_ID_2);
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	txn_status_done(&st);
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK(st.health == NULL);
}

TEST(test_conf_timeout)
{
	struct conf c;

	conf_init(&c);
	CHECK_EQ_INT(c.health_check_timeout, 60);
	test_write("rewind.conf", "health_check_timeout = 5min\n");
	CHECK_EQ_INT(conf_load(getenv("REWIND_CONF"), &c, NULL), 0);
	CHECK_EQ_INT(c.health_check_timeout, 300);
	test_write("rewind.conf", "health_check_timeout = 0\n");
	CHECK_EQ_INT(conf_load(getenv("REWIND_CONF"), &c, NULL), -REFUSE_INPUT);
	test_write("rewind.conf", "health_check_timeout = soon\n");
	CHECK_EQ_INT(conf_load(getenv("REWIND_CONF"), &c, NULL), -REFUSE_INPUT);
	CHECK(test_log_contains("invalid health_check_timeout 'soon'"));
	conf_done(&c);
}

int main(void)
{
	int n_failed = 0;

	if (lvm_new(&L) < 0)
		return 1;
	RUN(test_order_and_skipped);
	RUN(test_required_fails);
	RUN(test_wanted_only_warns);
	RUN(test_timeout_kills_the_group);
	RUN(test_timeout_sigkill);
	RUN(test_json_round_trip);
	RUN(test_json_shape);
	RUN(test_none_installed);
	RUN(test_auto_commit_waits_for_health);
	RUN(test_status_shows_health);
	RUN(test_conf_timeout);
	lvm_free(L);
	return n_failed ? 1 : 0;
}
