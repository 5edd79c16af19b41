/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rollback: whole or not at all. With root in the transaction, or a member in use without --now,
 * every member is armed and nothing is merged online, so 'cancel' is always a true undo. Otherwise
 * every member is unmounted and checked closed (device-mapper's open count: mounts in other mount
 * namespaces, raw openers) before the first merge starts: LVM would defer a merge on an open
 * origin to its next activation and erase everything written until then. By default each merge
 * is only started (txn-merge.c) and the members are mounted again at once.
 */
#include "dm.h"
#include "log.h"
#include "mnt.h"
#include "txn-esp.h"
#include "txn.h"
#include "util.h"

const struct mount_ops *txn_mount_ops = &mount_ops_real;

/* The mounts taken down, to be mounted again in reverse. */
struct unmounted {
	struct mount_saved *saved;
	size_t n;
};

/* The member whose origin m mounts; NULL when none is. */
static const struct txn_snap *member_of(const struct txn *t, const struct mount_saved *m)
{
	for (size_t i = 0; m->source && i < t->n_snaps; i++) {
		const struct lvm_lv *o = t->snaps[i].origin;

		if (o && ((*o->dm_path && mounts_same_device(m->source, o->dm_path)) ||
			  (*o->path && mounts_same_device(m->source, o->path))))
			return &t->snaps[i];
	}
	return NULL;
}

/* s shows its content of before the transaction: its merge ended or runs (res from first). */
static bool rolled_back(const struct txn_results *res, size_t first, const struct txn_snap *s)
{
	for (size_t k = first; res && k < res->n; k++)
		if (streq(res->r[k].vg, s->lv->vg) && streq(res->r[k].snapshot, s->lv->name))
			return res->r[k].action == TXN_MERGED || res->r[k].action == TXN_MERGING;
	return false;
}

/* target is one of tops, or below one. */
static bool at_or_below(const char *target, char **tops)
{
	for (size_t i = 0; tops && tops[i]; i++)
		if (streq(tops[i], "/") || streq(target, tops[i]) ||
		    (startswith(target, tops[i]) && target[strlen(tops[i])] == '/'))
			return true;
	return false;
}

/*
 * Mount again, in mount order (the reverse of the unmounts). With res, only what is rolled back:
 * a member whose merge did not start is rolled back by the next boot, which would undo what is
 * written to it now; so it stays unmounted, and so does whatever is mounted at or below its mount
 * points (a rolled-back volume under it would show in its place). -EIO when a mount failed or was
 * left out.
 */
static int remount_all(struct unmounted *u, const struct txn *t, const struct txn_results *res,
		       size_t first)
{
	_cleanup_strv_ char **down = NULL;
	int r = 0;

	for (size_t k = 0; res && k < u->n; k++) {
		const struct txn_snap *s = member_of(t, &u->saved[k]);

		if (s && !rolled_back(res, first, s) && strv_extend(&down, u->saved[k].target) < 0)
			return -ENOMEM;
	}
	while (u->n > 0) {
		struct mount_saved *m = &u->saved[--u->n];

		if (at_or_below(m->target, down)) {
			const struct txn_snap *s = member_of(t, m);

			log_err(
			    "%s stays unmounted: %s. Reboot now: the initramfs finishes the "
			    "rollback.",
			    m->target,
			    s && !rolled_back(res, first, s)
				? "its volume is not rolled back yet (deactivated until the next "
				  "boot: anything written to it now would be lost)"
				: "it is at or below a mount point that stays unmounted");
			r = r ?: -EIO;
		} else if (txn_mount_ops->remount(m) < 0) {
			log_err("Failed to mount %s again: run 'mount %s'.", m->target, m->target);
			r = r ?: -EIO;
		}
		mount_saved_done(m);
	}
	free(u->saved);
	u->saved = NULL;
	return r;
}

/* The origins whose merge did not start, deactivated until the next boot rolls them back: nothing
 * (an automount, 'mount -a', a unit's RequiresMountsFor=) can write to them meanwhile. */
static void deactivate_not_rolled_back(struct lvm *l, const struct txn *t,
				       const struct txn_results *res, size_t first)
{
	for (size_t i = 0; i < t->n_snaps; i++) {
		const struct txn_snap *s = &t->snaps[i];

		if (!s->origin || rolled_back(res, first, s))
			continue;
		if (lvm_lv_deactivate(l, s->lv->vg, s->origin->name) < 0)
			log_warning("Failed to deactivate %s/%s: do not use it until the next boot "
				    "has rolled it back.",
				    s->lv->vg, s->origin->name);
	}
}

/* Every mount of every member in our namespace, the last mounted first: a bind mount, or a member
 * mounted below another member's mount point, goes before what it covers. */
static int unmount_members(const struct txn *t, struct unmounted *u)
{
	_cleanup_(mount_table_freep) struct mount_table *mt = NULL;
	_cleanup_free_ const char **names = calloc(2 * t->n_snaps + 1, sizeof(char *));
	_cleanup_strv_ char **targets = NULL;
	int r;

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_snaps; i++) {
		names[2 * i] = t->snaps[i].origin->dm_path;
		names[2 * i + 1] = t->snaps[i].origin->path;
	}
	r = mount_table_load(&mt);
	if (r < 0)
		return r;
	{
		_cleanup_free_ char *sub = NULL;
		r = mount_table_subdir_mount_of(mt, names, &sub);
		if (r < 0)
			return r;
		if (r > 0)
			return log_err_errno(
			    -EBUSY,
			    "%s is a bind mount of a directory of a volume of "
			    "transaction %s: rewind cannot mount it again as it was. "
			    "Unmount it first",
			    sub, t->txid);
	}
	r = mount_table_targets_of(mt, names, &targets);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (size_t k = strv_length(targets); k > 0; k--) {
		struct mount_saved *n = realloc(u->saved, sizeof(*n) * (u->n + 1));

		if (!n)
			return -ENOMEM;
		u->saved = n;
		r = txn_mount_ops->unmount(mt, targets[k - 1], &u->saved[u->n]);
		if (r < 0)
			return log_err_errno(r, "Cannot unmount %s: %s.", targets[k - 1],
					     strerror(-r));
		u->n++;
	}
	return 0;
}

/* Nothing holds lv open (after our unmounts); else say who does. */
static int check_closed_lv(const struct txn_snap *s, const struct lvm_lv *lv, const char *what)
{
	_cleanup_free_ char *who = NULL;
	const char *dm = lvm_lv_dm_name(lv);
	unsigned major = 0, minor = 0;
	int n;

	if (!dm || !lvm_lv_is_active(lv))
		return 0;
	n = devmap_open_count(dm, &major, &minor);
	if (n == -ENODEV)
		return 0;
	if (n < 0)
		return log_err_errno(n, "Cannot tell whether %s/%s is still open.", s->lv->vg,
				     lv->name);
	if (n == 0)
		return 0;
	(void)mounts_find_holders(major, minor, &who);
	return log_err_errno(-EBUSY,
			     "%s %s/%s is still open%s (%d opener%s%s%s). A merge now would be "
			     "deferred by LVM to the next activation and erase everything written "
			     "until then",
			     what, s->lv->vg, lv->name,
			     lv == s->origin ? " after unmounting it here" : "", n,
			     n == 1 ? "" : "s", who ? ": " : "",
			     who ?: "; see 'fuser -vm' and other mount namespaces");
}

/* Neither the origin nor its snapshot (mounted to look at the old files, say) is open, and the
 * snapshot is still valid: the unmount's own writes may have overflowed a nearly full one since
 * LVM's report, and LVM refuses to merge an invalid snapshot. */
static int check_ready(const struct txn_snap *s)
{
	const char *dm = s->thin ? NULL : lvm_lv_dm_name(s->lv);
	struct devmap_snap_status st;
	int r = check_closed_lv(s, s->origin, "Volume");

	if (r >= 0)
		r = check_closed_lv(s, s->lv, "Its snapshot");
	if (r >= 0 && dm && devmap_snap_status(dm, &st) >= 0 && (st.invalid || st.overflow))
		r = log_err_errno(
		    -REFUSE_SNAPSHOT,
		    "The snapshot of %s/%s overflowed: transaction %s cannot be rolled "
		    "back. Nothing was rolled back. Run 'rewind commit' to drop it",
		    s->lv->vg, s->lv->origin, s->tags.txid);
	return r;
}

/*
 * Merge s now, as o says: in the background (when this returns, the origin presents the merging
 * view) or to its end; the result is added to res. An origin that was inactive (inactive_before:
 * activated by us to check its snapshot) is merged to its end and deactivated again: nothing
 * waits to use it, and deactivating it while it merges would only pause the merge.
 */
static int merge_now(struct lvm *l, const struct txn_snap *s, const struct txn_merge_opts *o,
		     bool inactive_before, struct txn_results *res)
{
	struct txn_merge_opts m = *o;
	bool activated = false;
	int r;

	if (inactive_before)
		m.foreground = true;
	/* A thin merge of an inactive origin is metadata alone. */
	if (!s->thin && !lvm_lv_is_active(s->origin)) {
		r = lvm_lv_activate(l, s->lv->vg, s->origin->name, false);
		if (r < 0)
			return txn_result_add(res, s, TXN_FAILED, "could not activate the origin",
					      0);
		activated = true;
		m.foreground = true;
	}
	r = txn_merge_one(l, s, &m, res);
	if (activated)
		(void)lvm_lv_deactivate(l, s->lv->vg, s->origin->name);
	return r;
}

static int arm_all(struct lvm *l, const struct txn *t, const char *why, struct txn_results *res)
{
	unsigned failed = 0;
	int r;

	r = txn_set_state(l, t, TXN_STATE_ARMED, &failed);
	if (r < 0)
		return r;
	/* Whatever reboots next (rollback --reboot, a plain reboot, a crash), the kernel of before
	 * the transaction boots with root rolled back: not one the upgrade installed, whose modules
	 * the rolled-back root no longer has. 'cancel' clears it. */
	if (t->pinned && txn_esp_set_oneshot(t->txid) > 0)
		log_info("The next boot uses the rollback entry of %s (the kernel of before it).",
			 t->txid);
	/* One armed snapshot arms the whole transaction at boot (the furthest phase counts). */
	if (failed > 0)
		log_warning("Not every snapshot could be tagged armed; the next boot rolls back "
			    "every volume anyway.");
	for (size_t i = 0; i < t->n_snaps; i++) {
		r = txn_result_add(res, &t->snaps[i], TXN_ARMED, why, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Every member unmounted and closed, then merged one after the other. */
static int merge_all(struct lvm *l, const struct txn *t, const struct txn_merge_opts *o,
		     char **activated, struct txn_results *res)
{
	struct txn_merge_opts m = *o;
	struct unmounted u = {};
	bool failed = false, merging = false;
	size_t first = res->n;
	int r, k;

	/* Baseline: merged to the end, then snapshotted again before anything mounts them. */
	m.foreground = m.foreground || t->baseline;
	r = unmount_members(t, &u);
	if (r < 0)
		goto refuse;
	for (size_t i = 0; i < t->n_snaps; i++) {
		r = check_ready(&t->snaps[i]);
		if (r == -REFUSE_SNAPSHOT) {
			(void)remount_all(&u, t, NULL, 0);
			return r;
		}
		if (r < 0)
			goto refuse;
	}
	/* What replaces each baseline snapshot, recorded before anything is merged. */
	if (t->baseline && (r = txn_rebase_mark(l, t)) < 0) {
		/* Nothing merged: the records beside open snapshots are dropped again. */
		(void)txn_rebase_finish(l, t->txid, false);
		goto refuse;
	}
	/* The point of no return, on every member before the first merge: whatever stops us
	 * from here (a failed merge, a power cut, SIGKILL), the next boot rolls every member
	 * forward; it never stays half done, and it can no longer be committed or cancelled. */
	{
		unsigned nfailed = 0;
		r = txn_set_state(l, t, TXN_STATE_ROLLING_BACK, &nfailed);
		if (r < 0 || nfailed > 0) {
			r = log_err_errno(r < 0 ? r : -EIO,
					  "Cannot record that the rollback of %s "
					  "starts.",
					  t->txid);
			if (nfailed > 0)
				log_err(
				    "Some snapshots are marked rolling-back: the next boot rolls "
				    "every volume back.");
			/* Nothing marked: the baseline records beside open snapshots go too. */
			else if (t->baseline)
				(void)txn_rebase_finish(l, t->txid, false);
			goto refuse;
		}
	}
	for (size_t i = 0; i < t->n_snaps; i++) {
		const struct txn_snap *s = &t->snaps[i];

		if (failed) {
			r = txn_result_add(res, s, TXN_ARMED,
					   "not merged now: the next boot rolls it back", 0);
			if (r < 0)
				break;
			continue;
		}
		_cleanup_free_ char *name = strdup_printf("%s/%s", s->lv->vg, s->origin->name);

		if (!name) {
			r = -ENOMEM;
			break;
		}
		r = merge_now(l, s, &m, strv_contains(activated, name), res);
		if (r < 0)
			break;
		/* Some members may be merged already: the rest follow at the next boot (their
		 * snapshots say rolling-back). */
		failed = res->r[res->n - 1].action == TXN_FAILED;
		merging = merging || res->r[res->n - 1].action == TXN_MERGING;
	}
	/* Baseline: the new snapshots, before the volumes are mounted again (a restore that did not
	 * finish ends baseline mode, loudly). */
	if (t->baseline && r >= 0) {
		k = txn_rebase_finish(l, t->txid, false);
		if (k < 0 && !failed)
			r = k;
	}
	if (failed || r < 0)
		deactivate_not_rolled_back(l, t, res, first);
	/* Every origin rolled back shows its content of before the transaction: mount them
	 * again at once; rewind-merge.service waits for the kernel to finish. */
	k = remount_all(&u, t, res, first);
	if (merging)
		(void)txn_merge_flag(t->txid, true);
	if (k < 0 && r >= 0 && !failed)
		log_err("Every volume of %s is rolled back, but not every one is mounted again.",
			t->txid);
	return r < 0 ? r : failed ? -EIO : k;
refuse:
	(void)remount_all(&u, t, NULL, 0);
	return log_err_errno(r,
			     "Nothing was rolled back. Stop what uses it, or run 'rewind "
			     "rollback' without --now to roll back every volume at the next boot.");
}

/* Activate the inactive origins (with their snapshots) and load the report again. */
static int activate_inactive(struct lvm *l, struct txn_set *s, struct txn **t, char ***activated)
{
	int r;

	for (size_t i = 0; i < (*t)->n_snaps; i++) {
		const struct txn_snap *sn = &(*t)->snaps[i];
		/* A thin snapshot's validity does not depend on activation (its pool's does not
		 * either: LVM reports the pool's health when active). */
		if (!sn->origin || sn->thin || lvm_lv_is_active(sn->origin))
			continue;
		r = lvm_lv_activate(l, sn->lv->vg, sn->origin->name, false);
		if (r < 0)
			return log_err_errno(r, "Cannot activate %s/%s to check its snapshot.",
					     sn->lv->vg, sn->origin->name);
		r = strv_push(activated, strdup_printf("%s/%s", sn->lv->vg, sn->origin->name));
		if (r < 0)
			return r;
	}
	return *activated ? txn_set_reload(l, s, t) : 0;
}

/* Deactivate what activate_inactive() activated, where it still exists. */
static void deactivate_again(struct lvm *l, const struct txn_set *s, char **activated)
{
	for (size_t i = 0; activated && activated[i]; i++) {
		_cleanup_free_ char *vg = NULL, *lv = NULL;

		if (name_split_vg_lv(activated[i], &vg, &lv) >= 0 &&
		    lvm_report_find_lv(&s->rep, vg, lv))
			(void)lvm_lv_deactivate(l, vg, lv);
	}
}

int txn_rollback(struct lvm *l, const struct txn_rollback_opts *o, struct txn_results *res)
{
	struct txn_set s = {};
	struct txn *t;
	_cleanup_strv_ char **activated = NULL;
	char member[TXN_MEMBER_MAX];
	const char *why;
	bool has_root = false, busy = false;
	int r;

	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	if (s.n_txns == 0) {
		r = log_err_errno(-REFUSE_NO_TXN, "No transaction is open.");
		goto out;
	}
	t = &s.txns[0];
	strcpy(res->txid, t->txid);
	res->baseline = t->baseline;
	/* Refuse before changing anything. */
	if (t->phase == TXN_STATE_COMMITTING) {
		r = log_err_errno(
		    -REFUSE_UNFINISHED,
		    "Transaction %s is being committed (the commit was interrupted): "
		    "it can no longer be rolled back. Run 'rewind commit' to finish it.",
		    t->txid);
		goto out;
	}
	if (t->phase == TXN_STATE_CREATING) {
		r = log_err_errno(
		    -REFUSE_UNFINISHED,
		    "The begin of transaction %s was interrupted: it is incomplete and "
		    "cannot be rolled back. Run 'rewind commit' to remove what it left.",
		    t->txid);
		goto out;
	}
	r = txn_refuse_if_rolling_back(t, "rolled back again");
	if (r < 0)
		goto out;
	/* An inactive snapshot's validity is unknown (LVM reads it from the kernel): activate
	 * every origin, with its snapshot, before deciding. */
	r = activate_inactive(l, &s, &t, &activated);
	if (r < 0)
		goto out;
	if (!txn_is_whole(t, member, &why)) {
		r = log_err_errno(-REFUSE_SNAPSHOT,
				  "Transaction %s cannot be rolled back as a whole: %s %s. Nothing "
				  "was changed. Run 'rewind commit' to drop the transaction.",
				  t->txid, member, why);
		goto out;
	}
	for (size_t i = 0; i < t->n_snaps; i++) {
		has_root = has_root || t->snaps[i].tags.root;
		busy = busy || lvm_lv_is_open(t->snaps[i].origin);
	}
	if (o->now && has_root) {
		r = log_err_errno(
		    -REFUSE_INPUT,
		    "Root is in transaction %s and cannot be unmounted: --now is for "
		    "transactions whose volumes can all be unmounted. 'rewind rollback' "
		    "arms every volume for the next boot.",
		    t->txid);
		goto out;
	}
	if (has_root || (busy && !o->now)) {
		if (o->check_initramfs) {
			r = o->check_initramfs(o->userdata);
			if (r < 0)
				goto out;
		}
		r = arm_all(l, t,
			    has_root
				? "root is in use; the initramfs rolls back every volume at "
				  "the next boot"
				: "in use; the initramfs rolls back every volume at the next boot",
			    res);
		goto out;
	}
	r = merge_all(l, t, &o->merge, activated, res);
out:
	deactivate_again(l, &s, activated);
	txn_set_done(&s);
	return r;
}
