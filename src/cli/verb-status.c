/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* status and list: a table, or the library's JSON as it is (--json). */
#include <getopt.h>
#include <inttypes.h>
#include <time.h>

#include "cli.h"
#include "txn.h"
#include "util.h"

static const char *jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *jobj(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static void format_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !localtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, size, "?");
}

static void format_size(int64_t b, char *buf, size_t size)
{
	if (b >= (1LL << 30))
		snprintf(buf, size, "%.1fG", (double)b / (1 << 30));
	else
		snprintf(buf, size, "%.0fM", (double)b / (1 << 20));
}

/* Boot counts, and what the unattended units will do (rewind-units(7)). */
static void print_auto(struct json_object *a)
{
	struct json_object *nb = jobj(a, "auto_commit_not_before");
	int64_t rb = json_object_get_int64(jobj(a, "auto_rollback_boots"));
	char when[32];

	if (!a)
		return;
	printf("  Boots: %" PRId64 " reached boot-complete.target, %" PRId64 " since then did not",
	       json_object_get_int64(jobj(a, "good_boots")),
	       json_object_get_int64(jobj(a, "pending_boots")));
	if (rb > 0)
		printf(" (automatic rollback after %" PRId64 "%s)", rb,
		       json_object_get_boolean(jobj(a, "auto_rollback_boots_recorded"))
			   ? ", recorded at begin"
			   : ", from rewind.conf");
	printf("\n");
	if (nb) {
		int64_t left = json_object_get_int64(nb) - (int64_t)time(NULL);

		format_time(json_object_get_int64(nb), when, sizeof(when));
		if (left > 0)
			printf("  Automatic commit: not before %s (%" PRId64 "h%02" PRId64
			       "m left), once a boot reached boot-complete.target\n",
			       when, left / 3600, left / 60 % 60);
		else
			printf("  Automatic commit: due (grace period over since %s)\n", when);
	}
}

/* What a phase other than open or armed means, and members without a snapshot. */
static void print_phase(struct json_object *t)
{
	struct json_object *missing = jobj(t, "missing");
	const char *state = jget(t, "state") ?: "";

	if (streq(state, "committing"))
		printf("  Its commit was interrupted: it can no longer be rolled back; 'rewind "
		       "commit' finishes it.\n");
	else if (streq(state, "rolling-back"))
		printf(
		    "  Its rollback started (merges under way or cut short): the next boot rolls "
		    "every volume forward; it can no longer be committed or cancelled.\n");
	else if (streq(state, "creating"))
		printf("  Its begin was interrupted: it is incomplete and cannot be rolled back; "
		       "'rewind commit' removes what it left.\n");
	else
		for (size_t k = 0; missing && k < json_object_array_length(missing); k++)
			printf("  MISSING: %s has no snapshot (is its volume group visible?): the "
			       "transaction cannot be rolled back\n",
			       json_object_get_string(json_object_array_get_idx(missing, k)));
}

static void print_table(struct json_object *root, bool details)
{
	struct json_object *txns = jobj(root, "transactions"), *last = jobj(root, "last_boot");
	size_t n = txns ? json_object_array_length(txns) : 0;

	if (n == 0)
		printf("No transaction is open.\n");
	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(txns, i);
		struct json_object *vols = jobj(t, "volumes");
		char when[32];

		format_time(json_object_get_int64(jobj(t, "time")), when, sizeof(when));
		printf("Transaction %s: %s, begun %s, %zu volume(s)\n", jget(t, "txid"),
		       jget(t, "state"), when, vols ? json_object_array_length(vols) : 0);
		print_phase(t);
		if (!details)
			continue;
		cli_print_boot_entry(t);
		print_auto(jobj(t, "auto"));
		printf("  %-20s %-40s %-6s %7s %6s  %s\n", "VOLUME", "SNAPSHOT", "STATE", "SIZE",
		       "FILL", "MOUNT");
		for (size_t j = 0; vols && j < json_object_array_length(vols); j++) {
			struct json_object *s = json_object_array_get_idx(vols, j);
			struct json_object *fill = jobj(s, "fill_percent");
			char vol[256], size[16], pct[16];

			snprintf(vol, sizeof(vol), "%s/%s", jget(s, "vg"), jget(s, "origin"));
			format_size(json_object_get_int64(jobj(s, "size")), size, sizeof(size));
			if (fill)
				snprintf(pct, sizeof(pct), "%.1f%%", json_object_get_double(fill));
			else
				snprintf(pct, sizeof(pct), "-");
			printf("  %-20s %-40s %-6s %7s %6s  %s%s%s\n", vol, jget(s, "snapshot"),
			       jget(s, "state"), size, pct, jget(s, "mount") ?: "-",
			       json_object_get_boolean(jobj(s, "invalid"))
				   ? "  INVALID (overflowed): cannot roll back"
				   : "",
			       json_object_get_boolean(jobj(s, "merging")) ? "  merging" : "");
		}
	}
	for (size_t k = 0; details && jobj(root, "esp_restore_pending") &&
			   k < json_object_array_length(jobj(root, "esp_restore_pending"));
	     k++)
		printf("ESP RESTORE PENDING: root was rolled back to transaction %s, but the ESP "
		       "is not "
		       "back yet; 'rewind boot-finish' retries (it runs at every boot).\n",
		       json_object_get_string(
			   json_object_array_get_idx(jobj(root, "esp_restore_pending"), k)));
	if (details && last) {
		struct json_object *vols;
		char when[32];
		const char *res = jget(last, "result") ?: "?";

		format_time(json_object_get_int64(jobj(last, "time")), when, sizeof(when));
		printf("Last boot (%s): transaction %s %s\n", when, jget(last, "txid") ?: "?",
		       streq(res, "rolled-back") ? "rolled back"
		       : streq(res, "partial")	 ? "partly rolled back"
						 : "NOT rolled back");
		vols = jobj(last, "volumes");
		for (size_t j = 0;
		     !streq(res, "rolled-back") && vols && j < json_object_array_length(vols);
		     j++) {
			struct json_object *x = json_object_array_get_idx(vols, j);
			printf("  %-20s %s%s%s\n", jget(x, "volume") ?: "?",
			       jget(x, "result") ?: "?", jget(x, "error") ? ": " : "",
			       jget(x, "error") ?: "");
		}
	}
}

static int status_or_list(const struct verb *v, int argc, char **argv, bool details)
{
	int json = 0;
	const struct option opts[] = {
	    {"json", no_argument, &json, 1},
	    {},
	};
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	struct json_object *root = NULL;
	int r;

	r = cli_parse_flags(v, argc, argv, opts);
	if (r != 0)
		return r;
	r = cli_check_args_open_lvm(v, argc - optind, &l);
	if (r != 0)
		return r;
	r = txn_status_json(l, &root);
	if (r < 0)
		return cli_fail(v, r);
	if (json) {
		struct json_object *out = details ? root : jobj(root, "transactions");
		printf("%s\n", json_object_to_json_string_ext(
				   out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else
		print_table(root, details);
	json_object_put(root);
	return 0;
}

int verb_status(const struct verb *v, int argc, char **argv)
{
	return status_or_list(v, argc, argv, true);
}

int verb_list(const struct verb *v, int argc, char **argv)
{
	return status_or_list(v, argc, argv, false);
}
