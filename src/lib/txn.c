/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The transaction model: loading it from LVM tags, commit and cancel. */
#include <time.h>

#include "dm.h"
#include "log.h"
#include "txn-esp.h"
#include "txn.h"
#include "util.h"

double txn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void txn_set_done(struct txn_set *s)
{
	for (size_t i = 0; i < s->n_txns; i++) {
		for (size_t j = 0; j < s->txns[i].n_snaps; j++)
			txn_tags_done(&s->txns[i].snaps[j].tags);
		free(s->txns[i].snaps);
	}
	free(s->txns);
	lvm_report_done(&s->rep);
	*s = (struct txn_set){};
}

bool txn_is_armed(const struct txn *t)
{
	for (size_t i = 0; i < t->n_snaps; i++)
		if (t->snaps[i].tags.state == TXN_STATE_ARMED)
			return true;
	return false;
}

/* Validity and fill: device-mapper when the snapshot is mapped, LVM's report otherwise. */
static void snap_probe(struct txn_snap *s)
{
	const struct lvm_lv *lv = s->lv;
	struct dm_snap_status st;
	const char *dm = lvm_lv_dm_name(lv);

	s->merging = lv->attr[0] == 'S' || lv->merging;
	s->invalid = lv->snapshot_invalid || lv->attr[4] == 'I' || lv->attr[4] == 'S';
	s->fill = lv->snap_percent;
	if (dm && lvm_lv_is_active(lv) && dm_snap_status(dm, &st) >= 0 &&
	    streq(st.target, "snapshot")) {
		s->invalid = s->invalid || st.invalid || st.overflow;
		s->fill = dm_snap_fill_percent(&st);
	}
	if (s->invalid)
		s->fill = 100.0;
}

static struct txn *txn_get(struct txn_set *s, const char *txid)
{
	struct txn *t;

	for (size_t i = 0; i < s->n_txns; i++)
		if (streq(s->txns[i].txid, txid))
			return &s->txns[i];
	t = realloc(s->txns, sizeof(struct txn) * (s->n_txns + 1));
	if (!t)
		return NULL;
	s->txns = t;
	t = &s->txns[s->n_txns++];
	*t = (struct txn){};
	strcpy(t->txid, txid);
	return t;
}

int txn_set_load(struct lvm *l, bool with_vgs, struct txn_set *ret)
{
	struct txn_set s = {};
	int r;

	r = lvm_report(l, with_vgs, &s.rep);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s.rep.n_lvs; i++) {
		const struct lvm_lv *lv = &s.rep.lvs[i];
		struct txn_tags tags;
		struct txn_snap *sn;
		struct txn *t;

		r = txn_tags_decode(lv->tags, &tags);
		if (r == -ENOMEM)
			goto fail;
		if (r < 0) {
			log_warning("Ignoring %s/%s: its rewind tags are damaged.", lv->vg,
				    lv->name);
			continue;
		}
		if (!tags.present)
			continue;
		if (!lvm_lv_is_snapshot(lv) || !*lv->origin) {
			log_warning("Ignoring %s/%s: it carries rewind tags but is not a snapshot.",
				    lv->vg, lv->name);
			txn_tags_done(&tags);
			continue;
		}
		t = txn_get(&s, tags.txid);
		sn = t ? realloc(t->snaps, sizeof(struct txn_snap) * (t->n_snaps + 1)) : NULL;
		if (!sn) {
			txn_tags_done(&tags);
			r = -ENOMEM;
			goto fail;
		}
		t->snaps = sn;
		sn = &t->snaps[t->n_snaps++];
		*sn = (struct txn_snap){.lv = lv, .tags = tags};
		sn->origin = lvm_report_find_lv(&s.rep, lv->vg, lv->origin);
		snap_probe(sn);
	}
	*ret = s;
	return 0;
fail:
	txn_set_done(&s);
	return r;
}

int txn_snapshot_gone(struct lvm *l, const char *vg, const char *name)
{
	struct lvm_report rep = {};
	int r = lvm_report(l, false, &rep);

	if (r < 0)
		return r;
	r = lvm_report_find_lv(&rep, vg, name) ? 0 : 1;
	lvm_report_done(&rep);
	return r;
}

void txn_results_done(struct txn_results *res)
{
	for (size_t i = 0; i < res->n; i++) {
		free(res->r[i].vg);
		free(res->r[i].origin);
		free(res->r[i].snapshot);
		free(res->r[i].detail);
	}
	free(res->r);
	res->r = NULL;
	res->n = 0;
}

const char *txn_action_to_string(enum txn_action a)
{
	switch (a) {
	case TXN_MERGED:
		return "merged";
	case TXN_ARMED:
		return "armed";
	default:
		return "failed";
	}
}

int txn_result_add(struct txn_results *res, const struct txn_snap *s, enum txn_action a,
		   const char *detail, double seconds)
{
	struct txn_result *n = realloc(res->r, sizeof(struct txn_result) * (res->n + 1));

	if (!n)
		return -ENOMEM;
	res->r = n;
	n = &res->r[res->n++];
	*n = (struct txn_result){
	    .vg = strdup(s->lv->vg),
	    .origin = strdup(s->lv->origin),
	    .snapshot = strdup(s->lv->name),
	    .action = a,
	    .detail = detail ? strdup(detail) : NULL,
	    .seconds = seconds,
	};
	if (!n->vg || !n->origin || !n->snapshot)
		return -ENOMEM;
	return 0;
}

/* The one open transaction; -ENOENT when there is none. */
static int txn_only(struct txn_set *s, struct txn **ret)
{
	if (s->n_txns == 0)
		return log_err_errno(-ENOENT, "No transaction is open.");
	if (s->n_txns > 1)
		log_warning("%zu transactions found; acting on all of them.", s->n_txns);
	*ret = &s->txns[0];
	return 0;
}

int txn_commit(struct lvm *l, char **ret_txid)
{
	struct txn_set s = {};
	struct txn *t;
	int r, ret = 0;

	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	r = txn_only(&s, &t);
	if (r < 0)
		goto out;
	if (ret_txid)
		*ret_txid = strdup(t->txid);
	for (size_t i = 0; i < s.n_txns; i++)
		for (size_t j = 0; j < s.txns[i].n_snaps; j++) {
			const struct lvm_lv *lv = s.txns[i].snaps[j].lv;
			r = lvm_lv_remove(l, lv->vg, lv->name);
			if (r < 0) {
				log_err("Failed to remove snapshot %s/%s.", lv->vg, lv->name);
				ret = ret ?: r;
			} else
				log_info("Removed snapshot %s/%s.", lv->vg, lv->name);
		}
	/* Only once the snapshots are gone: until then the rollback entry is still of use. */
	for (size_t i = 0; ret == 0 && i < s.n_txns; i++)
		ret = txn_esp_unpin(s.txns[i].txid);
	r = ret;
out:
	txn_set_done(&s);
	return r;
}

int txn_cancel(struct lvm *l, char **ret_txid)
{
	struct txn_set s = {};
	char *add[] = {(char *)txn_tags_state_tag(TXN_STATE_OPEN), NULL};
	char *del[] = {(char *)txn_tags_state_tag(TXN_STATE_ARMED), NULL};
	const char *armed = NULL;
	unsigned n = 0;
	int r, ret = 0;

	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s.n_txns; i++)
		for (size_t j = 0; j < s.txns[i].n_snaps; j++) {
			const struct txn_snap *sn = &s.txns[i].snaps[j];
			if (sn->tags.state != TXN_STATE_ARMED)
				continue;
			armed = s.txns[i].txid;
			if (ret_txid && !*ret_txid)
				*ret_txid = strdup(s.txns[i].txid);
			n++;
			r = lvm_lv_change_tags(l, sn->lv->vg, sn->lv->name, add, del);
			if (r < 0) {
				log_err("Failed to disarm %s/%s.", sn->lv->vg, sn->lv->name);
				ret = ret ?: r;
			}
		}
	if (n == 0 && ret == 0)
		ret = log_err_errno(-ENOENT, "Nothing is armed: there is no rollback to cancel.");
	/* A one-shot boot of the rollback entry passes rd.rewind.rollback=: it would roll back. */
	if (armed && txn_esp_clear_oneshot(armed) < 0)
		ret = ret ?: -EIO;
	txn_set_done(&s);
	return ret;
}
