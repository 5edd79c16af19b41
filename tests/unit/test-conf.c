/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "conf.h"
#include "test.h"

TEST(test_defaults_when_missing)
{
	struct conf c;

	conf_init(&c);
	CHECK_EQ_INT(conf_load("/nonexistent/rewind.conf", &c, NULL), 0);
	CHECK_EQ_INT(c.n_volumes, 0);
	CHECK_EQ_INT(c.size.kind, POLICY_PCT_SIZE);
	CHECK_EQ_INT(c.size.value, 20);
	conf_done(&c);
}

TEST(test_full)
{
	struct conf c;
	const char *p =
	    test_write("full.conf", "# rewind\n"
				    "\n"
				    "volumes = / vg1/data:2G  /srv/www:50%USED # trailing\n"
				    "size=10%FREE\n"
				    "auto_rollback_boots = 3\n"
				    "auto_commit_after = 7d\n"
				    "monitor_warn_percent = 80\n"
				    "monitor_extend_percent = 90\n"
				    "colour = blue\n"
				    "merge = foreground\n");

	conf_init(&c);
	CHECK_EQ_INT(conf_load(p, &c, NULL), 0);
	CHECK_EQ_INT(c.n_volumes, 3);
	CHECK_STREQ(c.volumes[0].target, "/");
	CHECK(!c.volumes[0].has_policy);
	CHECK_STREQ(c.volumes[1].target, "vg1/data");
	CHECK_EQ_INT(c.volumes[1].policy.value, 2ULL << 30);
	CHECK_STREQ(c.volumes[2].target, "/srv/www");
	CHECK_EQ_INT(c.volumes[2].policy.kind, POLICY_PCT_USED);
	CHECK_EQ_INT(c.size.kind, POLICY_PCT_FREE);
	CHECK_EQ_INT(c.auto_rollback_boots, 3);
	CHECK_EQ_INT(c.auto_commit_after, 7 * 86400);
	CHECK_EQ_INT(c.monitor_warn_percent, 80);
	CHECK_EQ_INT(c.monitor_extend_percent, 90);
	CHECK(c.merge_foreground);
	CHECK(test_log_contains(":9: unknown key 'colour'"));
	conf_done(&c);
}

static void expect_error(const char *text, unsigned line, const char *msg)
{
	struct conf c;
	unsigned l = 0;
	const char *p = test_write("bad.conf", text);

	conf_init(&c);
	CHECK_EQ_INT(conf_load(p, &c, &l), -REFUSE_INPUT);
	CHECK_EQ_INT(l, line);
	if (!test_log_contains(msg)) {
		fprintf(stderr, "  missing '%s' in log:\n%s", msg, test_log());
		test_failed = 1;
	}
	conf_done(&c);
}

TEST(test_errors_with_lines)
{
	expect_error("size = 20%SIZE\nsize = lots\n", 2, "bad.conf:2: invalid size policy 'lots'");
	expect_error("merge = later\n", 1, "bad.conf:1: invalid merge 'later'");
	expect_error("\n\nvolumes = vg0/root:huge\n", 3, "bad.conf:3: invalid volume");
	expect_error("# c\njust words\n", 2, "bad.conf:2: expected 'key = value'");
	expect_error("= 3\n", 1, "bad.conf:1: missing key");
	expect_error("auto_rollback_boots = -1\n", 1, "bad.conf:1: invalid auto_rollback_boots");
	expect_error("x=1\nauto_commit_after = 3 days\n", 2,
		     "bad.conf:2: invalid auto_commit_after");
	expect_error("monitor_warn_percent = 101\n", 1, "bad.conf:1: invalid monitor_warn_percent");
}

TEST(test_duration)
{
	uint64_t v;

	CHECK_EQ_INT(parse_duration("30", &v), 0);
	CHECK_EQ_INT(v, 30);
	CHECK_EQ_INT(parse_duration("12h", &v), 0);
	CHECK_EQ_INT(v, 12 * 3600);
	CHECK_EQ_INT(parse_duration("2w", &v), 0);
	CHECK_EQ_INT(v, 2 * 604800);
	CHECK_EQ_INT(parse_duration("h", &v), -EINVAL);
	CHECK_EQ_INT(parse_duration("5y", &v), -EINVAL);
}

int main(void)
{
	int n_failed = 0;

	RUN(test_defaults_when_missing);
	RUN(test_full);
	RUN(test_errors_with_lines);
	RUN(test_duration);
	return n_failed ? 1 : 0;
}
