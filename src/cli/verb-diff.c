/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* diff (what changed since begin) and history (the boots that rolled back), as text or JSON. */
#include <getopt.h>
#include <inttypes.h>
#include <time.h>

#include "cli.h"
#include "escape.h"
#include "lock.h"
#include "txn-diff.h"
#include "txn-history.h"
#include "util.h"

/* The path on the running system: under the origin's mount point when it is mounted. */
static char *full_path(const struct txn_diff_member *m, const char *path)
{
	if (!m->mount || streq(m->mount, "/"))
		return strdup(path);
	if (streq(path, "/"))
		return strdup(m->mount);
	return strdup_printf("%s%s", m->mount, path);
}

static int print_change(const struct txn_diff_member *m, const struct txn_diff_change *c,
			bool verbose)
{
	_cleanup_free_ char *full = full_path(m, c->path);
	_cleanup_free_ char *esc = full ? path_escape(full) : NULL;
	char what[128];

	if (!esc)
		return -ENOMEM;
	if (!verbose) {
		printf("%c %s\n", tree_change_to_char(c->change), esc);
		return 0;
	}
	if (c->change == TREE_MODIFIED)
		tree_diff_what_to_string(c->what, what, sizeof(what));
	else
		snprintf(what, sizeof(what), "%s",
			 tree_type_to_string(c->change == TREE_ADDED ? c->new_node.mode
								     : c->old_node.mode));
	printf("%c %s %s\n", tree_change_to_char(c->change), what, esc);
	return 0;
}

static int print_text(const struct txn_diff_result *res, bool verbose)
{
	for (size_t i = 0; i < res->n_volumes; i++) {
		const struct txn_diff_volume *v = &res->volumes[i];
		const struct tree_diff_stats *s = &v->m.stats;
		_cleanup_free_ char *mnt = v->m.mount ? path_escape(v->m.mount) : NULL;

		printf("# %s (snapshot %s), %s%s\n", v->m.volume, v->m.snapshot,
		       v->m.mount ? "mounted at " : "not mounted: paths relative to its root",
		       mnt ?: "");
		for (size_t j = 0; j < v->n_changes; j++) {
			int r = print_change(&v->m, &v->changes[j], verbose);
			if (r < 0)
				return r;
		}
		if (v->m.result < 0)
			printf("# %s: not compared\n", v->m.volume);
		else
			printf("# %s: %" PRIu64 " added, %" PRIu64 " removed, %" PRIu64
			       " modified (%" PRIu64 " paths compared%s)\n",
			       v->m.volume, s->added, s->removed, s->modified, s->compared,
			       s->errors ? ", some could not be read" : "");
	}
	return 0;
}

/*
 * The lock is taken here, not by cli_run() (the verb table has no VERB_LOCK): it is held while
 * the snapshots are mounted, and let go before anything is printed, so that `rewind diff | less`
 * left open does not hold up the monitor or a commit.
 */
int verb_diff(const struct verb *v, int argc, char **argv)
{
	int json = 0, verbose = 0, checksum = 0;
	const struct option opts[] = {
	    {"json", no_argument, &json, 1},
	    {"verbose", no_argument, &verbose, 1},
	    {"checksum", no_argument, &checksum, 1},
	    {},
	};
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	_cleanup_(txn_diff_result_done) struct txn_diff_result res = {};
	_cleanup_free_ char *text = NULL;
	struct txn_diff_ops ops = txn_diff_collect_ops;
	struct txn_diff_opts o = {.fork = true};
	int r, k;

	r = cli_parse_flags(v, argc, argv, opts);
	if (r != 0)
		return r;
	r = cli_check_args_open_lvm(v, argc - optind, &l);
	if (r != 0)
		return r;
	o.volumes = argv + optind;
	o.checksum = checksum;
	ops.userdata = &res;
	/* rewind's lock: txn_diff() takes it around each member's activation and mounts only. */
	o.lock = true;
	r = txn_diff(l, &o, &ops, &res.txid);
	/* What was compared is printed even when a member failed. */
	if (res.txid) {
		k = json ? txn_diff_to_json(&res, &text) : print_text(&res, verbose);
		if (k < 0)
			return cli_fail(v, k);
		if (json)
			printf("%s\n", text);
	}
	return r < 0 ? cli_fail(v, r) : 0;
}

static const char *outcome_text(enum txn_outcome_result r)
{
	return r == TXN_OUTCOME_ROLLED_BACK ? "rolled back"
	       : r == TXN_OUTCOME_PARTIAL   ? "partly rolled back"
	       : r == TXN_OUTCOME_FAILED    ? "NOT rolled back"
					    : "?";
}

int verb_history(const struct verb *v, int argc, char **argv)
{
	int json = 0;
	const struct option opts[] = {
	    {"json", no_argument, &json, 1},
	    {},
	};
	_cleanup_(txn_history_done) struct txn_history h = {};
	_cleanup_free_ char *text = NULL;
	int r;

	r = cli_parse_flags(v, argc, argv, opts);
	if (r != 0)
		return r;
	r = cli_check_args(v, argc - optind);
	if (r != 0)
		return r;
	r = txn_history_load(&h);
	if (r >= 0 && json)
		r = txn_history_to_json(h.entries, h.n_entries, &text);
	if (r < 0)
		return cli_fail(v, r);
	if (json) {
		printf("%s\n", text);
		return 0;
	}
	if (h.n_entries == 0)
		printf("No rollback recorded.\n");
	for (size_t i = 0; i < h.n_entries; i++) {
		const struct txn_outcome *x = &h.entries[i];
		_cleanup_free_ char *txid = path_escape(x->txid ?: "?");
		char when[32] = "?";
		time_t t = (time_t)x->time;
		struct tm tm;

		if (x->time > 0 && localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		printf("%-19s  %-24s %-18s", when, txid ?: "?", outcome_text(x->result));
		for (size_t j = 0; j < x->n_volumes; j++) {
			const struct txn_outcome_volume *vol = &x->volumes[j];
			_cleanup_free_ char *name = path_escape(vol->volume ?: "?");

			printf("%s%s", j ? ", " : " ", name ?: "?");
			if (vol->result != TXN_OUTCOME_ROLLED_BACK)
				printf(" (%s)", txn_outcome_result_to_string(vol->result) ?: "?");
		}
		printf("\n");
	}
	return 0;
}
