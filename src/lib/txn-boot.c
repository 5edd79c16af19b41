/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * boot: the initramfs stage. One LVM report; nothing armed means return at once. A transaction is
 * rolled back whole or not at all: every member must be there (volume groups that appear late are
 * waited for, rd.rewind.wait=), valid, with its origin; otherwise nothing is merged and the
 * outcome says which member and why. Merges go as txn-merge.c says: by default started, checked
 * to present the merging view, and left to the kernel while the boot goes on (rewind-merge.service
 * waits for their end in the real root); with merge = foreground, waited for here. A merge a
 * power cut interrupted is past the point of no return: every member is rolled forward.
 */
#include <inttypes.h>
#include <time.h>

#include "cmdline.h"
#include "log.h"
#include "paths.h"
#include "txn-auto.h"
#include "txn-esp.h"
#include "txn.h"
#include "util.h"

#define REARM_MAX 3

/* rd.rewind=0 disables; rd.rewind.rollback=TXID arms that transaction for this boot;
 * rd.rewind.wait=SECONDS bounds the wait for members whose volume group is not there yet. The
 * stage warns about the values it ignores. */
int txn_boot_cmdline(bool *disabled, char txid[static TXID_MAX + 1], unsigned *wait)
{
	struct cmdline c;
	int r;

	r = cmdline_read(REWIND_LOG_WARNING, &c);
	if (r < 0)
		log_warning("Cannot read %s, ignoring: %s", path_cmdline(), strerror(-r));
	*disabled = c.disabled;
	strcpy(txid, c.rollback);
	*wait = c.wait;
	return 0;
}

static int boot_one(struct lvm *l, const struct txn_snap *s, const struct txn_merge_opts *o,
		    struct txn_results *res)
{
	int r;

	/* A thin merge needs no activation: inactive, it is metadata alone. */
	if (!s->thin && !lvm_lv_is_active(s->origin)) {
		/* dracut activates only the root LV; data LVs are ours to activate. */
		r = lvm_lv_activate(l, s->lv->vg, s->origin->name, true);
		if (r < 0)
			return txn_result_add(res, s, TXN_FAILED, "could not activate the origin",
					      0);
	}
	r = txn_merge_one(l, s, o, res);
	/* dracut activates only root, and a thin origin is merged inactive (metadata alone):
	 * activate it now, as a thick one was, or the real root waits for LVM's autoactivation
	 * to find it (45 s of "Job dev-vg1-tbench.device/start running" in the bench's TCG boot).
	 */
	if (r >= 0 && s->thin && !lvm_lv_is_active(s->origin) &&
	    res->r[res->n - 1].action == TXN_MERGED &&
	    lvm_lv_activate(l, s->lv->vg, s->origin->name, true) < 0)
		log_warning("Failed to activate %s/%s after its rollback.", s->lv->vg,
			    s->origin->name);
	return r;
}

/* A member without a snapshot whose origin is not visible either: its volume group may come. (One
 * whose origin is there will not: merged at an earlier boot, or removed.) */
static const char *unseen_member(const struct txn_set *s, const struct txn *t)
{
	for (size_t k = 0; t->missing && t->missing[k]; k++)
		if (!txn_member_visible(s, t->missing[k]))
			return t->missing[k];
	return NULL;
}

/* Members whose volume group is not visible yet (a late disk, md, iSCSI): look again, bounded. */
static int wait_for_members(struct lvm *l, struct txn_set *s, struct txn **t, unsigned wait)
{
	double deadline = txn_now() + wait;
	bool said = false;
	int r;

	while (unseen_member(s, *t) && txn_now() < deadline) {
		struct timespec ts = {1, 0};

		if (!said)
			log_warning(
			    "Transaction %s: %s has no snapshot yet; waiting up to %u s for "
			    "its volume group (rd.rewind.wait=).",
			    (*t)->txid, unseen_member(s, *t), wait);
		said = true;
		nanosleep(&ts, NULL);
		r = txn_set_reload(l, s, t);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * dracut activates only root. An inactive snapshot's validity is unknown (LVM reads it from the
 * kernel's status): activate every origin, with its snapshot, before deciding, or an overflowed
 * data snapshot is found only after root was merged (seen in the VM).
 */
static int activate_members(struct lvm *l, struct txn_set *s, struct txn **t)
{
	bool activated = false;

	for (size_t j = 0; j < (*t)->n_snaps; j++) {
		const struct txn_snap *sn = &(*t)->snaps[j];

		/* A thin snapshot has no validity of its own to read, and LVM never activates
		 * it with its origin (activation skip). */
		if (!sn->origin || sn->thin ||
		    (lvm_lv_is_active(sn->origin) && lvm_lv_is_active(sn->lv)))
			continue;
		if (lvm_lv_activate(l, sn->lv->vg, sn->origin->name, true) < 0)
			log_err("Failed to activate %s/%s.", sn->lv->vg, sn->origin->name);
		activated = true;
	}
	return activated ? txn_set_reload(l, s, t) : 0;
}

/*
 * The point of no return, recorded before the first merge: with a pinned ESP, root's origin is
 * tagged rewind:restore-esp=TXID (it survives the merge; boot-finish puts the ESP back and drops
 * it, at every boot until done), then every snapshot rolling-back, so that a power cut between
 * two members' merges is rolled forward at the next boot, never left half done.
 */
static int start_rollback(struct lvm *l, const struct txn *t)
{
	_cleanup_free_ char *tag = strdup_printf(TAG_RESTORE_ESP "%s", t->txid);
	char *add[] = {tag, NULL};
	int r;

	if (!tag)
		return -ENOMEM;
	/* First the phase: negative only when no snapshot took it (nothing changed). */
	r = txn_set_state(l, t, TXN_STATE_ROLLING_BACK, NULL);
	if (r < 0)
		return log_err_errno(r,
				     "NOT ROLLING BACK transaction %s: cannot record that its "
				     "rollback starts.",
				     t->txid);
	/* Then, the rollback being certain, what the real root must do after it: a tag that
	 * exists only once a rollback is under way, so it can never put the ESP back under a
	 * root that was not rolled back. */
	for (size_t j = 0; t->pinned && j < t->n_snaps; j++) {
		const struct txn_snap *s = &t->snaps[j];
		if (!s->tags.root || !s->origin || strv_contains(s->origin->tags, tag))
			continue;
		if (lvm_lv_change_tags(l, s->lv->vg, s->origin->name, add, NULL) < 0)
			log_err("Cannot record on %s/%s that the ESP of %s is to be put back: if "
				"this boot is cut short, run 'rewind boot-finish' after it.",
				s->lv->vg, s->origin->name, t->txid);
		/* Until the ESP is back, the kernel of before the transaction boots. */
		(void)txn_esp_oneshot_early(t->txid);
	}
	return 0;
}

/* txn_is_whole(), and every snapshot active: one that could not be activated has an unknown
 * validity. */
static bool txn_is_whole_active(const struct txn *t, char member[static TXN_MEMBER_MAX],
				const char **why)
{
	if (!txn_is_whole(t, member, why))
		return false;
	for (size_t j = 0; j < t->n_snaps; j++)
		if (!t->snaps[j].thin && !lvm_lv_is_active(t->snaps[j].lv)) {
			snprintf(member, TXN_MEMBER_MAX, "%s/%s", t->snaps[j].lv->vg,
				 t->snaps[j].lv->origin);
			*why = "could not be activated (its snapshot's validity is unknown)";
			return false;
		}
	return true;
}

/* Tell rewind-outcome.service in the real root to run boot-finish: it finishes an interrupted
 * commit or begin (it needs the ESP, which the initramfs does not mount), and what a stage
 * stopped before its end left. */
static void flag_finish(const char *txid)
{
	(void)path_rundir_write("finish", txid);
}

/* Every member, or none: nothing is merged unless all can be (a merge a power cut interrupted
 * excepted: those are rolled forward, whatever the rest). */
static int rollback_txn(struct lvm *l, struct txn_set *s, struct txn *t,
			const struct txn_merge_opts *o, unsigned wait, struct txn_results *res)
{
	struct txn_merge_opts m = *o;
	char member[TXN_MEMBER_MAX];
	const char *why;
	bool merging;
	int r;

	strcpy(res->txid, t->txid);
	res->pinned = t->pinned;
	res->baseline = t->baseline;
	/* A baseline restore takes its new snapshots once the merges ended (txn-baseline.c). */
	m.foreground = m.foreground || t->baseline;
	/* A rollback under way (rolling-back, or a merge a power cut interrupted): members that
	 * are gone are merged already; roll the rest forward, whatever is missing. */
	merging = t->phase == TXN_STATE_ROLLING_BACK || txn_is_merging(t);
	r = wait_for_members(l, s, &t, wait);
	if (r >= 0 && !merging)
		r = activate_members(l, s, &t);
	if (r < 0)
		return r;
	if (!merging && !txn_is_whole_active(t, member, &why)) {
		bool invalid = false;

		/* Only an overflowed snapshot or a removed origin is for ever. A member not
		 * visible, a snapshot that could not be activated (a late or missing PV) or a thin
		 * pool that failed or went read-only can come back: stay armed. */
		for (size_t j = 0; j < t->n_snaps; j++)
			invalid = invalid || t->snaps[j].invalid || !t->snaps[j].origin;
		log_err("NOT ROLLING BACK transaction %s: %s %s. Nothing was merged: every volume "
			"keeps its current content. %s",
			t->txid, member, why,
			invalid ? "It can never be rolled back: run 'rewind commit' to drop it."
				: "Make it available and boot again, or run 'rewind cancel' (keep "
				  "the transaction) or 'rewind commit' (drop it).");
		for (size_t j = 0; j < t->n_snaps; j++) {
			r = txn_result_add(res, &t->snaps[j], TXN_FAILED,
					   t->snaps[j].invalid ? "snapshot invalid (overflowed)"
					   : !t->snaps[j].origin
					       ? "origin missing"
					       : "not rolled back: another volume cannot be",
					   0);
			if (r < 0)
				return r;
		}
		for (size_t k = 0; t->missing && t->missing[k]; k++) {
			r = txn_result_add_member(res, t->missing[k], TXN_FAILED,
						  "missing: its volume group is not visible");
			if (r < 0)
				return r;
		}
		/* An invalid snapshot never becomes valid again: disarm, so that later boots
		 * do not try again. A missing one may come back: stay armed. */
		if (invalid && t->phase == TXN_STATE_ARMED)
			(void)txn_set_state(l, t, TXN_STATE_OPEN, NULL);
		return 0;
	}
	/* From here on the real root has something to finish, even if this stage is stopped by its
	 * timeout: boot-finish ends a baseline whose restore did not end here, and puts the ESP
	 * back after root's merge. */
	flag_finish(t->txid);
	/* Baseline: before the point of no return, what replaces each snapshot. */
	r = t->baseline ? txn_rebase_mark(l, t) : 0;
	if (r < 0 && !merging) {
		log_err("NOT ROLLING BACK transaction %s: its new baseline could not be recorded. "
			"Nothing was merged.",
			t->txid);
		for (size_t j = 0; j < t->n_snaps && r != -ENOMEM; j++)
			(void)txn_result_add(res, &t->snaps[j], TXN_FAILED,
					     "could not record the baseline; nothing merged", 0);
		return r == -ENOMEM ? r : 0;
	}
	/* Also when rolling forward: every member marked, the ESP tag and one-shot again. */
	r = start_rollback(l, t);
	if (!merging) {
		if (r < 0) {
			for (size_t j = 0; j < t->n_snaps && r != -ENOMEM; j++)
				(void)txn_result_add(
				    res, &t->snaps[j], TXN_FAILED,
				    "could not record the rollback; nothing merged", 0);
			return r == -ENOMEM ? r : 0;
		}
	}
	for (size_t j = 0; j < t->n_snaps; j++) {
		const struct txn_snap *sn = &t->snaps[j];

		if (sn->invalid || !sn->origin) {
			r = txn_result_add(
			    res, sn, TXN_FAILED,
			    sn->invalid ? "snapshot invalid (overflowed)" : "origin missing", 0);
		} else
			r = boot_one(l, sn, &m, res);
		if (r < 0)
			return r;
	}
	for (size_t k = 0; t->missing && t->missing[k]; k++) {
		bool merged = txn_member_visible(s, t->missing[k]);

		/* Its origin is there and its snapshot is not: merged at an earlier boot. */
		r = txn_result_add_member(res, t->missing[k], merged ? TXN_MERGED : TXN_FAILED,
					  merged ? "merged at an earlier boot"
						 : "its volume group is not visible; its merge "
						   "resumes when it is activated");
		if (r < 0)
			return r;
	}
	return 0;
}

static int write_outcome(const struct txn_results *res)
{
	return txn_outcome_write_results(res);
}

/* An interrupted commit or begin, or an ESP still to put back: boot-finish's. */
static void flag_unfinished(const struct txn_set *s)
{
	for (size_t i = 0; i < s->n_txns + s->n_restores; i++)
		if (i >= s->n_txns || s->txns[i].phase == TXN_STATE_COMMITTING ||
		    s->txns[i].phase == TXN_STATE_CREATING) {
			flag_finish(i < s->n_txns ? s->txns[i].txid
						  : s->restores[i - s->n_txns].txid);
			return;
		}
}

/*
 * Point the next boot at the rollback entry again, at most REARM_MAX times per restore (counted
 * in a tag beside rewind:restore-esp): a pinned kernel that dies before its initramfs must not
 * make every other boot a boot of it for ever (systemd-boot boots a one-shot whatever its tries).
 */
static void rearm(struct lvm *l, const struct txn_restore *x)
{
	_cleanup_free_ char *now = NULL;
	char *add[] = {NULL, NULL}, *del[] = {NULL, NULL};
	uint64_t n = 0;

	for (size_t k = 0; x->origin->tags && x->origin->tags[k]; k++)
		if (startswith(x->origin->tags[k], TAG_REARMED)) {
			del[0] = x->origin->tags[k];
			if (safe_atou64(del[0] + strlen(TAG_REARMED), &n) < 0)
				n = REARM_MAX;
		}
	if (n >= REARM_MAX) {
		log_warning(
		    "The ESP of transaction %s is still not put back after %" PRIu64
		    " boots pointed "
		    "at its rollback entry: not again. Run 'rewind boot-finish' once booted.",
		    x->txid, n);
		return;
	}
	now = strdup_printf(TAG_REARMED "%" PRIu64, n + 1);
	add[0] = now;
	if (!now || lvm_lv_change_tags(l, x->origin->vg, x->origin->name, add, del) < 0) {
		log_warning("Cannot count the boots pointed at the rollback entry of %s: not "
			    "pointing this one.",
			    x->txid);
		return;
	}
	(void)txn_esp_oneshot_early(x->txid);
}

int txn_boot(struct lvm *l, const struct txn_merge_opts *o, struct txn_results *res)
{
	char cmdline_txid[TXID_MAX + 1];
	struct txn_set s = {};
	bool disabled, known = false, rebase;
	unsigned wait;
	int r;

	r = txn_boot_cmdline(&disabled, cmdline_txid, &wait);
	if (r < 0)
		return r;
	if (disabled) {
		log_info("rd.rewind=0: not looking for rollbacks.");
		return 0;
	}
	/* The stage looked: without this, rewind-outcome.service runs boot-finish anyway (the
	 * stage was disabled, or is not in this initramfs, and root may be in use with a record
	 * of a baseline restore that an earlier stage left). */
	(void)path_rundir_write("stage", "");
	lvm_disable_monitoring(l);
	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	flag_unfinished(&s);
	/* A baseline restore a power cut interrupted after its merges: finished below. */
	rebase = s.n_rebases > 0;
	if (rebase)
		flag_finish(s.rebases[0].tags.txid);
	/* Root rolled back at an earlier boot, its ESP not yet put back: the kernel of before
	 * boots next time too, until boot-finish has put the ESP back. */
	for (size_t i = 0; i < s.n_restores; i++) {
		rearm(l, &s.restores[i]);
		known = known || streq(s.restores[i].txid, cmdline_txid);
	}
	/* auto_rollback_boots: count this boot, or arm (in memory) after N failed ones. */
	txn_auto_boot(l, &s, cmdline_txid);
	for (size_t i = 0; i < s.n_txns; i++) {
		struct txn *t = &s.txns[i];
		bool chosen = *cmdline_txid && streq(t->txid, cmdline_txid);
		bool merging = txn_is_merging(t);

		known = known || chosen;
		/* Never a merge for a committing transaction (commit refuses one with a merge
		 * under way). */
		if (t->phase == TXN_STATE_COMMITTING) {
			if (chosen)
				log_err("Transaction %s is being committed: it can no longer be "
					"rolled back. Booting as it is.",
					t->txid);
			continue;
		}
		if (t->phase == TXN_STATE_ROLLING_BACK)
			chosen = true; /* started at an earlier boot: finish it */
		if (!merging && t->phase == TXN_STATE_CREATING) {
			if (chosen)
				log_err("Transaction %s was never completed (its begin was "
					"interrupted): not rolling back. Booting as it is.",
					t->txid);
			continue;
		}
		/* Armed, chosen on the boot menu, or a merge a power cut interrupted. */
		if (!chosen && t->phase != TXN_STATE_ARMED && !merging)
			continue;
		rebase = rebase || t->baseline;
		r = rollback_txn(l, &s, t, o, wait, res);
		if (r < 0)
			goto out;
		/* One transaction per boot: begin allows only one. */
		break;
	}
	if (*cmdline_txid && !known)
		log_warning("rd.rewind.rollback=%s: no such transaction, ignoring.", cmdline_txid);
	/* Before anything mounts the origins: the new baseline snapshots. */
	if (rebase)
		(void)txn_rebase_finish(l, NULL, false);
	if (res->n > 0)
		(void)write_outcome(res);
	for (size_t i = 0; i < res->n; i++)
		if (res->r[i].action == TXN_MERGING) {
			/* rewind-merge.service, in the real root, waits for the end. */
			(void)txn_merge_flag(res->txid, false);
			break;
		}
	r = 0;
out:
	txn_set_done(&s);
	return r;
}
