/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* status and list: a table made from the library's structs, or their JSON (--json). */
#include <getopt.h>
#include <inttypes.h>
#include <time.h>

#include "cli.h"
#include "txn.h"
#include "util.h"

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
static void print_auto(const struct txn_status_auto *a)
{
	char when[32];

	printf("  Boots: %u reached boot-complete.target, %u since then did not", a->good_boots,
	       a->pending_boots);
	if (a->auto_rollback_boots > 0)
		printf(" (automatic rollback after %u%s)", a->auto_rollback_boots,
		       a->auto_rollback_boots_recorded ? ", recorded at begin"
						       : ", from rewind.conf");
	printf("\n");
	if (a->auto_commit_not_before > 0) {
		int64_t left = (int64_t)a->auto_commit_not_before - (int64_t)time(NULL);

		format_time((int64_t)a->auto_commit_not_before, when, sizeof(when));
		if (left > 0)
			printf("  Automatic commit: not before %s (%" PRId64 "h%02" PRId64
			       "m left), once a boot reached boot-complete.target\n",
			       when, left / 3600, left / 60 % 60);
		else
			printf("  Automatic commit: due (grace period over since %s)\n", when);
	}
}

/* What a phase other than open or armed means, and members without a snapshot. */
static void print_phase(const struct txn_status_txn *t)
{
	if (t->state == TXN_STATE_COMMITTING)
		printf("  Its commit was interrupted: it can no longer be rolled back; 'rewind "
		       "commit' finishes it.\n");
	else if (t->state == TXN_STATE_ROLLING_BACK)
		printf(
		    "  Its rollback started (merges under way or cut short): the next boot rolls "
		    "every volume forward; it can no longer be committed or cancelled.\n");
	else if (t->state == TXN_STATE_CREATING)
		printf("  Its begin was interrupted: it is incomplete and cannot be rolled back; "
		       "'rewind commit' removes what it left.\n");
	else
		for (size_t k = 0; t->missing && t->missing[k]; k++)
			printf("  MISSING: %s has no snapshot (is its volume group visible?): the "
			       "transaction cannot be rolled back\n",
			       t->missing[k]);
}

/* "  merging", with what is left to copy back when device-mapper says. */
static void format_merging(const struct txn_status_volume *v, char *buf, size_t size)
{
	if (!v->merging)
		snprintf(buf, size, "%s", "");
	else if (v->merge_remaining_sectors < 0)
		snprintf(buf, size, "  merging");
	else
		snprintf(buf, size, "  merging, %" PRIu64 " MiB left",
			 ((uint64_t)v->merge_remaining_sectors * 512 + (1 << 20) - 1) >> 20);
}

static void print_volumes(const struct txn_status_txn *t)
{
	printf("  %-20s %-40s %-6s %7s %6s  %s\n", "VOLUME", "SNAPSHOT", "STATE", "SIZE", "FILL",
	       "MOUNT");
	for (size_t j = 0; j < t->n_volumes; j++) {
		const struct txn_status_volume *v = &t->volumes[j];
		char vol[256], size[16], pct[16], merging[64];

		snprintf(vol, sizeof(vol), "%s/%s", v->vg, v->origin);
		if (v->pool)
			snprintf(size, sizeof(size), "thin");
		else
			format_size((int64_t)v->size, size, sizeof(size));
		if (v->fill >= 0)
			snprintf(pct, sizeof(pct), "%.1f%%", v->fill);
		else
			snprintf(pct, sizeof(pct), "-");
		format_merging(v, merging, sizeof(merging));
		printf("  %-20s %-40s %-6s %7s %6s  %s%s%s\n", vol, v->snapshot,
		       txn_state_to_string(v->state), size, pct, v->mount ?: "-",
		       v->invalid ? (v->pool ? "  INVALID (thin pool failed): cannot roll back"
					     : "  INVALID (overflowed): cannot roll back")
				  : "",
		       merging);
		if (v->pool)
			printf("  %-20s (thin snapshot; FILL is thin pool %s)\n", "", v->pool);
	}
}

static void print_last_boot(const struct txn_outcome *last)
{
	enum txn_outcome_result res = last->result;
	char when[32];

	format_time((int64_t)last->time, when, sizeof(when));
	printf("Last boot (%s): transaction %s %s\n", when, last->txid ?: "?",
	       res == TXN_OUTCOME_ROLLED_BACK ? "rolled back"
	       : res == TXN_OUTCOME_PARTIAL   ? "partly rolled back"
					      : "NOT rolled back");
	for (size_t j = 0; res != TXN_OUTCOME_ROLLED_BACK && j < last->n_volumes; j++) {
		const struct txn_outcome_volume *x = &last->volumes[j];

		printf("  %-20s %s%s%s\n", x->volume ?: "?",
		       txn_outcome_result_to_string(x->result) ?: "?", x->error ? ": " : "",
		       x->error ?: "");
	}
}

static void print_table(const struct txn_status *st, bool details)
{
	if (st->n_txns == 0)
		printf("No transaction is open.\n");
	for (size_t i = 0; i < st->n_txns; i++) {
		const struct txn_status_txn *t = &st->txns[i];
		char when[32];

		format_time((int64_t)t->time, when, sizeof(when));
		printf("Transaction %s: %s, begun %s, %zu volume(s)\n", t->txid,
		       txn_state_to_string(t->state), when, t->n_volumes);
		if (t->baseline)
			printf("Baseline: every rollback returns to it and keeps it (restored %u "
			       "time%s); 'rewind commit' ends baseline mode.\n",
			       t->restores, t->restores == 1 ? "" : "s");
		print_phase(t);
		if (!details)
			continue;
		cli_print_boot_entry(t->boot);
		print_auto(&t->automatic);
		print_volumes(t);
		cli_print_packages(t->packages);
	}
	for (size_t k = 0; details && st->esp_restore_pending && st->esp_restore_pending[k]; k++)
		printf("ESP RESTORE PENDING: root was rolled back to transaction %s, but the ESP "
		       "is not back yet; 'rewind boot-finish' retries (it runs at every boot).\n",
		       st->esp_restore_pending[k]);
	if (details && st->last_boot)
		print_last_boot(st->last_boot);
	if (details)
		cli_print_health(st->health);
}

static int status_or_list(const struct verb *v, int argc, char **argv, bool details)
{
	int json = 0;
	const struct option opts[] = {
	    {"json", no_argument, &json, 1},
	    {},
	};
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	_cleanup_(txn_status_done) struct txn_status st = {};
	_cleanup_free_ char *text = NULL;
	int r;

	r = cli_parse_flags(v, argc, argv, opts);
	if (r != 0)
		return r;
	r = cli_check_args_open_lvm(v, argc - optind, &l);
	if (r != 0)
		return r;
	r = txn_status(l, &st);
	if (r >= 0 && json)
		r = txn_status_to_json(&st, !details, &text);
	if (r < 0)
		return cli_fail(v, r);
	if (json)
		printf("%s\n", text);
	else
		print_table(&st, details);
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
