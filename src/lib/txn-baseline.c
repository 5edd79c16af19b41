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
static void next_tags(const struct txn *t, const struct txn_snap *sn, struct txn_tags *ret)
{
	*ret = sn->tags;
	ret->state = TXN_STATE_OPEN;
	ret->pinned = t->pinned;
	ret->baseline = true;
	ret->restores = t->restores + 1;
	ret->members = t->members;
	ret->pending = ret->good = 0;
	/* The boot that restores it is the one that began this baseline: not a failed boot. */
	txn_boot_id(ret->boot_id);
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
		_cleanup_strv_ char **want = NULL, **add = NULL, **del = NULL;
		struct txn_tags next;
		int r;

		if (!sn->origin || sn->merging)
			continue;
		next_tags(t, sn, &next);
		r = txn_rebase_encode(&next, sn->thin ? 0 : sn->lv->size, &want);
		/* A record there already (a restore recorded, then not started) is replaced, in
		 * the same lvchange: one left from another boot, or damaged, would take the wrong
		 * snapshot or none. */
		for (size_t k = 0; r >= 0 && want[k]; k++)
			if (!strv_contains(sn->origin->tags, want[k]))
				r = strv_extend(&add, want[k]);
		for (size_t k = 0; r >= 0 && sn->origin->tags && sn->origin->tags[k]; k++)
			if (startswith(sn->origin->tags[k], TAG_REBASE_PREFIX) &&
			    !strv_contains(want, sn->origin->tags[k]))
				r = strv_extend(&del, sn->origin->tags[k]);
		if (r >= 0 && (add || del))
			r = lvm_lv_change_tags(l, sn->lv->vg, sn->origin->name, add, del);
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

/*
 * Baseline mode ends for t: the snapshots still there (rolling back, their merge not started)
 * lose rewind:baseline, so that the next boot rolls them forward as a plain rollback instead of
 * taking a new baseline of a few members only. (LVM refuses to change a merging one's tags: it
 * is consumed anyway.)
 */
static void end_baseline(struct lvm *l, const struct txn *t)
{
	char *del[] = {(char *)TAG_PREFIX "baseline", NULL};

	for (size_t j = 0; t && j < t->n_snaps; j++)
		if (!t->snaps[j].merging && t->snaps[j].tags.baseline &&
		    lvm_lv_change_tags(l, t->snaps[j].lv->vg, t->snaps[j].lv->name, NULL, del) < 0)
			log_err("Failed to drop rewind:baseline from %s/%s.", t->snaps[j].lv->vg,
				t->snaps[j].lv->name);
}

/* A snapshot of the old baseline still there and rolling back: its merge did not end. Or a
 * member not visible (a late volume group): its old snapshot may be, which a new snapshot of the
 * others would then be rolled back with. ret_member says which. */
static bool unmerged(const struct txn_set *s, const struct txn *t, const struct txn_rebase *x,
		     char ret_member[static TXN_MEMBER_MAX])
{
	for (size_t j = 0; t && j < t->n_snaps; j++)
		if (t->snaps[j].merging || t->snaps[j].tags.state == TXN_STATE_ROLLING_BACK) {
			snprintf(ret_member, TXN_MEMBER_MAX, "%s/%s", t->snaps[j].lv->vg,
				 t->snaps[j].lv->origin);
			return true;
		}
	for (size_t k = 0; x->tags.members && x->tags.members[k]; k++)
		if (!txn_member_visible(s, x->tags.members[k])) {
			snprintf(ret_member, TXN_MEMBER_MAX, "%s", x->tags.members[k]);
			return true;
		}
	return false;
}

/* lv is a snapshot of origin: not what a cut-short lvcreate leaves (a plain LV, with our tags). */
static bool snapshot_of(const struct lvm_lv *lv, const struct lvm_lv *origin)
{
	return (lvm_lv_is_snapshot(lv) || lv->thin) && streq(lv->origin, origin->name);
}

/* The LV a record's snapshot is to be, when it is one; else NULL. */
static const struct lvm_lv *record_snapshot(const struct txn_set *s, const struct txn_rebase *x)
{
	_cleanup_free_ char *name = txn_snapshot_name(x->origin->name, x->tags.txid);
	const struct lvm_lv *lv = name ? lvm_report_find_lv(&s->rep, x->origin->vg, name) : NULL;

	return lv && snapshot_of(lv, x->origin) ? lv : NULL;
}

/* Every record of txid has its snapshot. */
static bool all_snapshotted(const struct txn_set *s, const char *txid)
{
	for (size_t k = 0; k < s->n_rebases; k++)
		if (streq(s->rebases[k].tags.txid, txid) && !record_snapshot(s, &s->rebases[k]))
			return false;
	return true;
}

/* Take the new baseline snapshot of one origin (unless it exists), then drop its record. */
static int rebase_one(struct lvm *l, const struct txn_set *s, const struct txn_rebase *x)
{
	_cleanup_free_ char *name = txn_snapshot_name(x->origin->name, x->tags.txid);
	_cleanup_strv_ char **tags = NULL;
	const struct lvm_lv *lv;
	int r;

	if (!name)
		return -ENOMEM;
	lv = lvm_report_find_lv(&s->rep, x->origin->vg, name);
	/* lvcreate -s commits twice: a power cut between them leaves the copy-on-write LV, with
	 * our tags, as a plain LV. Only a snapshot of this origin counts. */
	if (lv && !snapshot_of(lv, x->origin)) {
		log_warning("%s/%s is not a snapshot of %s (a cut-short lvcreate): removing it.",
			    lv->vg, lv->name, x->origin->name);
		r = lvm_lv_remove(l, lv->vg, lv->name);
		if (r < 0)
			log_err("Failed to remove %s/%s.", lv->vg, lv->name);
		else
			lv = NULL;
	}
	if (!lv) {
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

int txn_rebase_finish(struct lvm *l, const char *txid, bool in_use)
{
	struct txn_set s = {};
	int r, ret = 0, taken = 0, before;

	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s.n_rebases; i++) {
		const struct txn_rebase *x = &s.rebases[i];
		char member[TXN_MEMBER_MAX];
		bool first = true, u;

		if (txid && !streq(x->tags.txid, txid))
			continue;
		/* Each transaction once, at its first record. */
		for (size_t k = 0; k < i && first; k++)
			first = !streq(s.rebases[k].tags.txid, x->tags.txid);
		if (!first)
			continue;
		u = unmerged(&s, txn_find(&s, x->tags.txid), x, member);
		/* Records beside snapshots that are whole (a restore recorded and then not
		 * started, or its new snapshots taken and a drop that failed): nothing is lost. */
		if (in_use && !u && all_snapshotted(&s, x->tags.txid)) {
			r = txn_rebase_drop(l, &s, x->tags.txid);
			ret = ret ?: r;
			continue;
		}
		if (in_use && !u) {
			log_err(
			    "BASELINE LOST: the restore of %s was not finished by the initramfs "
			    "(its stage was stopped, or rd.rewind=0), and the system runs on its "
			    "volumes: no new baseline is taken. Run 'rewind commit' to end what "
			    "is left of it, then 'rewind begin --baseline' again.",
			    x->tags.txid);
			end_baseline(l, txn_find(&s, x->tags.txid));
			r = txn_rebase_drop(l, &s, x->tags.txid);
			ret = ret ?: (r ?: -EIO);
			continue;
		}
		if (u) {
			/* What mounts the volume next writes to it before its merge ends: a
			 * snapshot taken later would not be the baseline. */
			log_err(
			    "BASELINE LOST: the restore of %s did not finish (%s is still being "
			    "merged, or not visible), and the volumes are used from now on: no new "
			    "baseline is taken, and what is left of %s is rolled back as a "
			    "plain transaction. Once 'rewind status' shows it ended ('rewind "
			    "merge-wait' waits for the merges; the next boot finishes one that "
			    "did not start), run 'rewind begin --baseline' again.",
			    x->tags.txid, member, x->tags.txid);
			end_baseline(l, txn_find(&s, x->tags.txid));
			r = txn_rebase_drop(l, &s, x->tags.txid);
			ret = ret ?: (r ?: -EIO);
			continue;
		}
		before = taken;
		for (size_t k = i; k < s.n_rebases; k++) {
			if (!streq(s.rebases[k].tags.txid, x->tags.txid))
				continue;
			r = rebase_one(l, &s, &s.rebases[k]);
			if (r < 0)
				ret = ret ?: r;
			else
				taken += r;
		}
		/* Records beside the old snapshots only (a restore that did not start): nothing to
		 * say; the transaction keeps its baseline. */
		if (taken > before)
			log_info("Transaction %s is back at its baseline and open again (restored "
				 "%u time%s).",
				 x->tags.txid, x->tags.restores, x->tags.restores == 1 ? "" : "s");
	}
	txn_set_done(&s);
	return ret < 0 ? ret : taken;
}
