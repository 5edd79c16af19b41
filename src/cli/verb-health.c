/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rewind health-check: run the health checks (health.h), record this boot's results in
 * /run/rewind/health.json and print a summary; rewind-health.service runs it before
 * boot-complete.target. Also status's lines about those results.
 */
#include <inttypes.h>

#include "cli.h"
#include "conf.h"
#include "health.h"
#include "log.h"
#include "paths.h"
#include "refusal.h"
#include "util.h"

/* "exit status 1", "killed by signal 9", "timed out after 60 s". */
static void format_outcome(const struct health_check *c, uint64_t timeout, char *buf, size_t size)
{
	if (c->result == HEALTH_TIMED_OUT && timeout > 0)
		snprintf(buf, size, "timed out after %" PRIu64 " s", timeout);
	else if (c->result == HEALTH_TIMED_OUT)
		snprintf(buf, size, "timed out");
	else if (c->signal >= 0)
		snprintf(buf, size, "killed by signal %d", c->signal);
	else if (c->exit_status >= 0)
		snprintf(buf, size, "exit status %d", c->exit_status);
	else
		snprintf(buf, size, "not run");
}

static const char *result_word(const struct health_check *c)
{
	if (c->result == HEALTH_PASSED)
		return "passed";
	if (c->type == HEALTH_WANTED)
		return c->result == HEALTH_TIMED_OUT ? "timed out (warning)" : "failed (warning)";
	return c->result == HEALTH_TIMED_OUT ? "TIMED OUT" : "FAILED";
}

static void print_checks(const struct health_report *h, const char *indent)
{
	for (size_t i = 0; i < h->n_checks; i++) {
		const struct health_check *c = &h->checks[i];
		char how[64], secs[32] = "";

		format_outcome(c, h->timeout, how, sizeof(how));
		if (c->seconds >= 0)
			snprintf(secs, sizeof(secs), ", %.1f s", c->seconds);
		printf("%s%-8s %-24s %s (%s%s)\n", indent, health_type_to_string(c->type) ?: "?",
		       c->name ?: "?", result_word(c), how, secs);
	}
}

/* "passed, 3 checks", "FAILED: 1 of 2 required checks failed", with the wanted ones' warnings. */
static void print_summary(const struct health_report *h, const char *prefix)
{
	unsigned req = 0, req_bad = 0, want_bad = 0;

	for (size_t i = 0; i < h->n_checks; i++) {
		bool bad = h->checks[i].result != HEALTH_PASSED;

		if (h->checks[i].type == HEALTH_WANTED)
			want_bad += bad;
		else {
			req++;
			req_bad += bad;
		}
	}
	if (health_report_passed(h))
		printf("%spassed, %zu check%s", prefix, h->n_checks, h->n_checks == 1 ? "" : "s");
	else
		printf("%sFAILED: %u of %u required check%s failed or timed out", prefix, req_bad,
		       req, req == 1 ? "" : "s");
	if (want_bad > 0)
		printf(", %u wanted check%s failed (warning)", want_bad, want_bad == 1 ? "" : "s");
	printf("\n");
}

void cli_print_health(const struct health_report *h)
{
	if (!h)
		return;
	if (h->n_checks == 0) {
		printf("Health checks (this boot): none installed\n");
		return;
	}
	print_summary(h, "Health checks (this boot): ");
	print_checks(h, "  ");
}

int verb_health_check(const struct verb *v, int argc, char **argv)
{
	_cleanup_(health_report_done) struct health_report h = {};
	struct conf c;
	int r;

	cli_log_to_journal();
	r = cli_check_args(v, argc - 1);
	if (r != 0)
		return r;
	conf_init(&c);
	r = conf_load(path_conf(), &c, NULL);
	if (r < 0) {
		/* A typo in rewind.conf must not fail the boot (and so roll back after N boots):
		 * only a check's result does. */
		log_warning("Cannot use %s (%s): the checks run with the default timeout.",
			    path_conf(), rewind_strerror(r));
		conf_done(&c);
		conf_init(&c);
	}
	r = health_run(c.health_check_timeout, &h);
	conf_done(&c);
	if (r < 0)
		return cli_fail(v, r);
	/* Without the file auto-commit waits: that is all a failure to write it costs. */
	if (health_write(&h) < 0)
		log_warning("This boot's health results are not recorded: rewind auto-commit "
			    "will not commit during this boot.");
	if (h.n_checks == 0) {
		printf("No health checks installed (%s/required.d, %s/wanted.d): passed.\n",
		       path_health_dir(), path_health_dir());
		return 0;
	}
	print_checks(&h, "");
	print_summary(&h, "Health checks: ");
	return health_report_passed(&h) ? 0 : EXIT_FAILED;
}
