/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Baseline mode (begin --baseline): a rollback returns every member to the baseline and leaves
 * the transaction open on the same content, for test machines that go back to one state again
 * and again.
 *
 * LVM consumes a merged snapshot, so a restore takes a new one of each origin after its merge,
 * before anything mounts it: the merges of a baseline restore always run in the foreground, and
 * the new snapshot of the same content is taken in the same initramfs stage (or by rollback --now
 * before mounting again). One design for thick and thin members: a thin merge is a metadata swap
 * and a thin snapshot a metadata operation, so the thin restore never copies data either.
 *
 * A crash at any point leaves the old baseline or the new one, never none: before the first merge,
 * each origin records the snapshot that is to replace its own (its tags under "rewind-base:",
 * tags.h), in one lvchange. Until the merges end, the old snapshot is the baseline (a merge a power
 * cut interrupted is rolled forward at the next boot, in its initramfs, before anything mounts the
 * origin); once merged and gone, the record says what to take, and the next initramfs stage takes
 * it. The record is dropped after the new snapshot exists; one left beside a snapshot that is not
 * merging (a restore recorded and then not started) is simply dropped.
 */
#include <inttypes.h>

#include "log.h"
#include "txn.h"
#include "util.h"

/* The tags of the snapshot that replaces sn: the transaction's, open again, this boot's, one
 * restore more, no boots counted. */
static int next_tags(const struct txn *t, const struct txn_snap *sn, char *const *members,
		     struct txn_tags *ret)
{
	*ret = sn->tags;
	ret->state = TXN_STATE_OPEN;
	ret->pinned = t->pinned;
	ret->baseline = true;
	ret->restores = t->restores + 1;
	ret->members = (char **)members;
	ret->pending = ret->good = 0;
	/* The boot that restores it is the one that began this baseline: not a failed boot. */
	txn_boot_id(ret->boot_id);
	return 0;
}

static bool has_record(const struct lvm_lv *origin)
{
	for (size_t k = 0; origin->tags && origin->tags[k]; k++)
		if (startswith(origin->tags[k], TAG_REBASE_PREFIX))
			return true;
	return false;
}

int txn_rebase_mark(struct lvm *l, const struct txn *t)
{
	/* A rollback under way (rolled forward after a power cut or a failed merge) recorded every
	 * origin before its first merge. An origin without a record then lost it on purpose:
	 * txn_rebase_finish() found that restore unfinished and ended baseline mode. Recording it
	 * again would take a baseline of the members still merging alone, beside members that
	 * have none (a transaction never whole again, which commit and rollback refuse). */
	if (t->phase == TXN_STATE_ROLLING_BACK || txn_is_merging(t))
		return 0;
	for (size_t j = 0; j < t->n_snaps; j++) {
		const struct txn_snap *sn = &t->snaps[j];
		_cleanup_strv_ char **add = NULL;
		struct txn_tags next;
		int r;

		/* Merging already (a power cut): recorded before that merge started. */
		if (!sn->origin || sn->merging || has_record(sn->origin))
			continue;
		r = next_tags(t, sn, t->members, &next);
		if (r >= 0)
			r = txn_rebase_encode(&next, sn->thin ? 0 : sn->lv->size, &add);
		if (r >= 0)
			r = lvm_lv_change_tags(l, sn->lv->vg, sn->origin->name, add, NULL);
		if (r < 0)
			return log_err_errno(r,
					     "Cannot record on %s/%s the baseline snapshot to take "
					     "after its restore.",
					     sn->lv->vg, sn->origin->name);
	}
	return 0;
}

static int drop_record(struct lvm *l, const struct lvm_lv *origin)
{
	_cleanup_strv_ char **del = NULL;
	int r = 0;

	for (size_t k = 0; r >= 0 && origin->tags && origin->tags[k]; k++)
		if (startswith(origin->tags[k], TAG_REBASE_PREFIX))
			r = strv_extend(&del, origin->tags[k]);
	if (r >= 0 && del)
		r = lvm_lv_change_tags(l, origin->vg, origin->name, NULL, del);
	if (r < 0)
		log_err("Failed to drop the baseline restore tags of %s/%s (%s): remove them with "
			"'lvchange --deltag' (lvs -o lv_tags %s/%s).",
			origin->vg, origin->name, strerror(-r), origin->vg, origin->name);
	return r;
}

int txn_rebase_drop(struct lvm *l, const struct txn_set *s, const char *txid)
{
	int r, ret = 0;

	for (size_t i = 0; i < s->n_rebases; i++)
		if (streq(s->rebases[i].tags.txid, txid) &&
		    (r = drop_record(l, s->rebases[i].origin)) < 0)
			ret = ret ?: r;
	return ret;
}

static const struct txn *txn_find(const struct txn_set *s, const char *txid)
{
	for (size_t i = 0; i < s->n_txns; i++)
		if (streq(s->txns[i].txid, txid))
			return &s->txns[i];
	return NULL;
}

/* A snapshot of the old baseline still there and rolling back: its merge did not end. */
static const struct txn_snap *unmerged(const struct txn *t)
{
	for (size_t j = 0; t && j < t->n_snaps; j++)
		if (t->snaps[j].merging || t->snaps[j].tags.state == TXN_STATE_ROLLING_BACK)
			return &t->snaps[j];
	return NULL;
}

/* Take the new baseline snapshot of one origin (unless it exists), then drop its record. */
static int rebase_one(struct lvm *l, const struct txn_set *s, const struct txn_rebase *x)
{
	_cleanup_free_ char *name = strdup_printf("%s-rewind-%s", x->origin->name, x->tags.txid);
	_cleanup_strv_ char **tags = NULL;
	int r;

	if (!name)
		return -ENOMEM;
	if (!lvm_report_find_lv(&s->rep, x->origin->vg, name)) {
		r = txn_tags_encode(&x->tags, &tags);
		if (r >= 0)
			r = lvm_snapshot_create(l, x->origin->vg, x->origin->name, name, x->size,
						x->tags.chunk_kib, tags);
		if (r < 0) {
			log_err("BASELINE LOST for %s/%s: cannot take its new baseline snapshot "
				"%s (%s). It is at the baseline's content now; run 'rewind commit' "
				"and 'rewind begin --baseline' again.",
				x->origin->vg, x->origin->name, name, strerror(-r));
			(void)drop_record(l, x->origin);
			return r;
		}
		log_info("Took the new baseline snapshot %s/%s (restore %u of %s).", x->origin->vg,
			 name, x->tags.restores, x->tags.txid);
		r = 1;
	} else
		r = 0;
	return drop_record(l, x->origin) < 0 ? -EIO : r;
}

int txn_rebase_finish(struct lvm *l, const char *txid)
{
	struct txn_set s = {};
	int r, ret = 0, taken = 0;

	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s.n_rebases; i++) {
		const struct txn_rebase *x = &s.rebases[i];
		const struct txn_snap *u;
		bool first = true;

		if (txid && !streq(x->tags.txid, txid))
			continue;
		/* Each transaction once, at its first record. */
		for (size_t k = 0; k < i && first; k++)
			first = !streq(s.rebases[k].tags.txid, x->tags.txid);
		if (!first)
			continue;
		u = unmerged(txn_find(&s, x->tags.txid));
		if (u) {
			/* What mounts the volume next writes to it before its merge ends: a
			 * snapshot taken later would not be the baseline. */
			log_err(
			    "BASELINE LOST: the restore of %s did not finish (%s/%s is still "
			    "being merged), and the volumes are used from now on: no new "
			    "baseline is taken. Once the merge ended ('rewind merge-wait'), run "
			    "'rewind commit' and 'rewind begin --baseline' again.",
			    x->tags.txid, u->lv->vg, u->lv->name);
			r = txn_rebase_drop(l, &s, x->tags.txid);
			ret = ret ?: (r ?: -EIO);
			continue;
		}
		for (size_t k = i; k < s.n_rebases; k++) {
			if (!streq(s.rebases[k].tags.txid, x->tags.txid))
				continue;
			r = rebase_one(l, &s, &s.rebases[k]);
			if (r < 0)
				ret = ret ?: r;
			else
				taken += r;
		}
		log_info("Transaction %s is back at its baseline and open again (restored %u "
			 "time%s).",
			 x->tags.txid, x->tags.restores, x->tags.restores == 1 ? "" : "s");
	}
	txn_set_done(&s);
	return ret < 0 ? ret : taken;
}
