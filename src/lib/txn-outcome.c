/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The boot's outcome: what the initramfs stage rolled back, written to path_rundir()/outcome.json
 * (it survives switch-root) for rewind-outcome.service, status and boot-kernel-check. Its JSON is
 * txn-json.c's.
 */
#include <time.h>

#include "log.h"
#include "paths.h"
#include "txn.h"
#include "util.h"

static const char *const result_names[_TXN_OUTCOME_RESULT_MAX] = {
    [TXN_OUTCOME_FAILED] = "failed",
    [TXN_OUTCOME_PARTIAL] = "partial",
    [TXN_OUTCOME_ROLLED_BACK] = "rolled-back",
};

const char *txn_outcome_result_to_string(enum txn_outcome_result r)
{
	return r >= 0 && r < _TXN_OUTCOME_RESULT_MAX ? result_names[r] : NULL;
}

enum txn_outcome_result txn_outcome_result_from_string(const char *s)
{
	int i = string_table_lookup(result_names, ELEMENTSOF(result_names), s);

	return i < 0 ? _TXN_OUTCOME_RESULT_UNKNOWN : (enum txn_outcome_result)i;
}

void txn_outcome_done(struct txn_outcome *o)
{
	for (size_t i = 0; i < o->n_volumes; i++) {
		free(o->volumes[i].volume);
		free(o->volumes[i].snapshot);
		free(o->volumes[i].error);
	}
	free(o->volumes);
	free(o->txid);
	*o = (struct txn_outcome){};
}

int txn_outcome_from_results(const struct txn_results *res, uint64_t time, struct txn_outcome *ret)
{
	struct txn_outcome o = {
	    .txid = strdup(res->txid),
	    .pinned = res->pinned,
	    .baseline = res->baseline,
	    .volumes = calloc(res->n ?: 1, sizeof(*o.volumes)),
	    .time = time,
	};
	size_t merged = 0;

	if (!o.txid || !o.volumes) {
		txn_outcome_done(&o);
		return -ENOMEM;
	}
	for (size_t i = 0; i < res->n; i++) {
		const struct txn_result *x = &res->r[i];
		struct txn_outcome_volume *v = &o.volumes[o.n_volumes++];

		bool rolled_back = x->action == TXN_MERGED || x->action == TXN_MERGING;

		merged += rolled_back;
		*v = (struct txn_outcome_volume){
		    .volume = strdup_printf("%s/%s", x->vg, x->origin),
		    .snapshot = strdup(x->snapshot),
		    .result = rolled_back ? TXN_OUTCOME_ROLLED_BACK : TXN_OUTCOME_FAILED,
		    .merging = x->action == TXN_MERGING,
		    /* "merging": true says it all; an error is an error. */
		    .error = x->detail && x->action != TXN_MERGING ? strdup(x->detail) : NULL,
		    .seconds = x->seconds,
		    /* A result knows root from a snapshot's rewind:root tag only: a member without
		     * a snapshot may be root too. Not recorded, readers look at what is mounted at
		     * /. */
		    .root = x->root ? 1 : -1,
		};
		if (!v->volume || !v->snapshot ||
		    (x->detail && x->action != TXN_MERGING && !v->error)) {
			txn_outcome_done(&o);
			return -ENOMEM;
		}
	}
	o.result = merged == res->n ? TXN_OUTCOME_ROLLED_BACK
		   : merged == 0    ? TXN_OUTCOME_FAILED
				    : TXN_OUTCOME_PARTIAL;
	*ret = o;
	return 0;
}

static char *outcome_path(void)
{
	return strdup_printf("%s/" TXN_OUTCOME_FILE, path_rundir());
}

int txn_outcome_write(const struct txn_outcome *o)
{
	_cleanup_free_ char *text = NULL;
	int r = txn_outcome_to_json(o, false, &text);

	return r < 0 ? r : path_rundir_write(TXN_OUTCOME_FILE, text);
}

int txn_outcome_write_results(const struct txn_results *res)
{
	struct txn_outcome o;
	int r;

	r = txn_outcome_from_results(res, (uint64_t)time(NULL), &o);
	if (r < 0)
		return log_err_errno(r, "Failed to write the outcome: %s", strerror(-r));
	r = txn_outcome_write(&o);
	txn_outcome_done(&o);
	return r;
}

int txn_outcome_load(struct txn_outcome *ret)
{
	_cleanup_free_ char *path = outcome_path();
	int r;

	if (!path)
		return -ENOMEM;
	r = txn_outcome_read(path, ret);
	if (r == -ENOENT)
		return 0;
	if (r == -EBADMSG || r == -ENOMEM)
		return r;
	if (r < 0)
		return log_err_errno(r, "Failed to access %s: %s", path, strerror(-r));
	return 1;
}
