/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rollback: merge what can be merged now, arm the rest for the initramfs. We never start a merge
 * on an open origin: LVM would defer it to any next activation, and it could not be cancelled.
 */
#include "log.h"
#include "mnt.h"
#include "txn.h"
#include "util.h"

static int arm(struct lvm *l, const struct txn_snap *s)
{
	char *add[] = {(char *)txn_tags_state_tag(TXN_STATE_ARMED), NULL};
	char *del[] = {(char *)txn_tags_state_tag(TXN_STATE_OPEN), NULL};

	if (s->tags.state == TXN_STATE_ARMED)
		return 0;
	return lvm_lv_change_tags(l, s->lv->vg, s->lv->name, add, del);
}

/* Merge a snapshot whose origin nobody has open; the snapshot LV is gone afterwards. */
static int merge_unopened(struct lvm *l, const struct txn_snap *s)
{
	bool activated = false;
	int r;

	if (!lvm_lv_is_active(s->origin)) {
		/* On an inactive origin LVM would only schedule the merge: activate it first. */
		r = lvm_lv_activate(l, s->lv->vg, s->origin->name, false);
		if (r < 0)
			return r;
		activated = true;
	}
	r = lvm_merge(l, s->lv->vg, s->lv->name);
	if (r >= 0 && txn_snapshot_gone(l, s->lv->vg, s->lv->name) == 0)
		r = log_err_errno(-EIO, "The merge of %s/%s did not finish.", s->lv->vg,
				  s->lv->name);
	if (activated)
		(void)lvm_lv_deactivate(l, s->lv->vg, s->origin->name);
	return r;
}

static int rollback_one(struct lvm *l, struct mnt_tab *mt, const struct txn_rollback_opts *o,
			const struct txn_snap *s, struct txn_results *res)
{
	double t0 = txn_now();
	const char *why = NULL;
	_cleanup_free_ char *mnt = NULL;
	const char *names[3] = {s->origin->dm_path, s->origin->path, NULL};
	struct mnt_saved saved = {};
	int r;

	if (s->tags.root)
		why = "root is in use; the initramfs merges it at the next boot";
	else if (lvm_lv_is_open(s->origin)) {
		if (o->now && mt && mnt_tab_target_of(mt, names, &mnt) >= 0) {
			r = mnt_unmount(mt, mnt, &saved);
			if (r >= 0) {
				r = lvm_merge(l, s->lv->vg, s->lv->name);
				if (mnt_remount(&saved) < 0)
					log_err("Failed to mount %s again: run 'mount %s'.", mnt,
						mnt);
				mnt_saved_done(&saved);
				if (r < 0)
					return txn_result_add(res, s, TXN_FAILED,
							      "merge failed after unmounting",
							      txn_now() - t0);
				return txn_result_add(res, s, TXN_MERGED, "unmounted and remounted",
						      txn_now() - t0);
			}
			why = "busy (could not unmount); the initramfs merges it at the next boot";
		} else
			why = "in use; the initramfs merges it at the next boot";
	}
	if (why) {
		r = arm(l, s);
		if (r < 0)
			return txn_result_add(res, s, TXN_FAILED, "could not arm", 0);
		return txn_result_add(res, s, TXN_ARMED, why, 0);
	}
	r = merge_unopened(l, s);
	if (r < 0)
		return txn_result_add(res, s, TXN_FAILED, "merge failed", txn_now() - t0);
	return txn_result_add(res, s, TXN_MERGED, NULL, txn_now() - t0);
}

int txn_rollback(struct lvm *l, const struct txn_rollback_opts *o, struct txn_results *res)
{
	_cleanup_(mnt_tab_freep) struct mnt_tab *mt = NULL;
	struct txn_set s = {};
	const struct txn *t;
	bool will_arm = false;
	int r;

	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	if (s.n_txns == 0) {
		r = log_err_errno(-ENOENT, "No transaction is open.");
		goto out;
	}
	t = &s.txns[0];
	strcpy(res->txid, t->txid);
	/* Refuse before changing anything. */
	for (size_t i = 0; i < t->n_snaps; i++) {
		const struct txn_snap *sn = &t->snaps[i];
		if (sn->invalid) {
			r = log_err_errno(
			    -ESTALE,
			    "Snapshot %s/%s overflowed (%.0f%% full) and is invalid: a "
			    "rollback is impossible. Run 'rewind commit' to drop the "
			    "transaction.",
			    sn->lv->vg, sn->lv->name, sn->fill);
			goto out;
		}
		if (!sn->origin) {
			r = log_err_errno(-EIO, "The origin of %s/%s is missing.", sn->lv->vg,
					  sn->lv->name);
			goto out;
		}
		if (sn->tags.root || lvm_lv_is_open(sn->origin))
			will_arm = true;
	}
	if (will_arm && o->check_initramfs) {
		r = o->check_initramfs(o->userdata);
		if (r < 0)
			goto out;
	}
	if (o->now)
		(void)mnt_tab_load(&mt);
	for (size_t i = 0; i < t->n_snaps; i++) {
		r = rollback_one(l, mt, o, &t->snaps[i], res);
		if (r < 0)
			goto out;
	}
	r = 0;
	for (size_t i = 0; i < res->n; i++)
		if (res->r[i].action == TXN_FAILED)
			r = -EIO;
out:
	txn_set_done(&s);
	return r;
}
