/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* diff (what changed since begin) and history (the boots that rolled back), as text or JSON. */
#include <getopt.h>
#include <inttypes.h>
#include <time.h>

#include "cli.h"
#include "escape.h"
#include "txn-diff.h"
#include "txn-history.h"
#include "util.h"

struct diff_print {
	bool verbose;
	uint64_t added, removed, modified;
};

/* The path on the running system: under the origin's mount point when it is mounted. */
static char *full_path(const struct txn_diff_member *m, const char *path)
{
	if (!m->mount || streq(m->mount, "/"))
		return strdup(path);
	if (streq(path, "/"))
		return strdup(m->mount);
	return strdup_printf("%s%s", m->mount, path);
}

static int print_begin(void *userdata, const struct txn_diff_member *m)
{
	_cleanup_free_ char *mnt = m->mount ? path_escape(m->mount) : NULL;

	printf("# %s (snapshot %s), %s%s\n", m->volume, m->snapshot,
	       m->mount ? "mounted at " : "not mounted: paths relative to its root", mnt ?: "");
	return 0;
}

static int print_change(void *userdata, const struct txn_diff_member *m,
			const struct tree_diff_entry *e)
{
	struct diff_print *p = userdata;
	_cleanup_free_ char *full = full_path(m, e->path);
	_cleanup_free_ char *esc = full ? path_escape(full) : NULL;
	char what[128];

	if (!esc)
		return -ENOMEM;
	if (!p->verbose)
		printf("%c %s\n", tree_change_to_char(e->change), esc);
	else {
		if (e->change == TREE_MODIFIED)
			tree_diff_what_to_string(e->what, what, sizeof(what));
		else
			snprintf(what, sizeof(what), "%s",
				 tree_type_to_string(e->change == TREE_ADDED ? e->new_node.mode
									     : e->old_node.mode));
		printf("%c %s %s\n", tree_change_to_char(e->change), what, esc);
	}
	return 0;
}

static int print_end(void *userdata, const struct txn_diff_member *m)
{
	const struct tree_diff_stats *s = &m->stats;

	if (m->result < 0)
		printf("# %s: not compared\n", m->volume);
	else
		printf("# %s: %" PRIu64 " added, %" PRIu64 " removed, %" PRIu64
		       " modified (%" PRIu64 " paths compared%s)\n",
		       m->volume, s->added, s->removed, s->modified, s->compared,
		       s->errors ? ", some could not be read" : "");
	fflush(stdout);
	return 0;
}

int verb_diff(const struct verb *v, int argc, char **argv)
{
	int json = 0, verbose = 0;
	const struct option opts[] = {
	    {"json", no_argument, &json, 1},
	    {"verbose", no_argument, &verbose, 1},
	    {},
	};
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	_cleanup_(txn_diff_result_done) struct txn_diff_result res = {};
	_cleanup_free_ char *text = NULL;
	struct diff_print p = {};
	struct txn_diff_ops ops;
	struct txn_diff_opts o = {.fork = true};
	int r;

	r = cli_parse_flags(v, argc, argv, opts);
	if (r != 0)
		return r;
	r = cli_check_args_open_lvm(v, argc - optind, &l);
	if (r != 0)
		return r;
	o.volumes = argv + optind;
	p.verbose = verbose;
	if (json) {
		ops = txn_diff_collect_ops;
		ops.userdata = &res;
	} else
		ops = (struct txn_diff_ops){.member_begin = print_begin,
					    .member_end = print_end,
					    .change = print_change,
					    .userdata = &p};
	r = txn_diff(l, &o, &ops, &res.txid);
	/* What was compared is printed even when a member failed. */
	if (json && res.txid) {
		int k = txn_diff_to_json(&res, &text);
		if (k < 0)
			return cli_fail(v, k);
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
