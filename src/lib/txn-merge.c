/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * merge: the one way rewind merges a snapshot back into its origin, for the initramfs stage,
 * rollback --now and rewind-merge.service.
 *
 * Background (the default): LVM starts the merge and returns. From that instant the origin's
 * table is snapshot-merge, and every read of it sees the content of before the transaction
 * while the kernel copies the chunks back behind it; a power cut changes nothing (the next
 * activation loads snapshot-merge again and the kernel goes on). We check that table, and the
 * caller goes on: mounts root, mounts the data volume again. What is left is bookkeeping: when
 * the kernel is done, LVM removes the snapshot LV. That is polling, which rewind-merge.service
 * does in the real root (txn_merge_finish); LVM's own poller (lvmpolld, or the child
 * `lvconvert --background` forks) may do it first, which is fine: a poller that finds the merge
 * finished says so and stops.
 *
 * Foreground (merge = foreground): the same start, then wait in this process until the
 * snapshot is gone, with progress from device-mapper.
 *
 * Thin snapshots have nothing to copy: with origin and snapshot closed, LVM swaps the two in one
 * metadata commit (the snapshot's thin device becomes the origin, with the origin's name, UUID,
 * tags and flags; the old device is deleted). Before or after that commit, never between: a
 * power cut leaves either the armed snapshot or the merged origin. Background or foreground, it
 * is done when LVM returns, and we check that it was (the origin's thin device id is the
 * snapshot's). The origin need not be active: inactive, the merge is metadata alone.
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "dm.h"
#include "lock.h"
#include "log.h"
#include "paths.h"
#include "txn.h"
#include "util.h"

#define STALL_TIMEOUT_DEFAULT 600

/* 0 when the origin presents the merging view (its table is snapshot-merge and the merge has
 * not failed); -EAGAIN when it does not. */
static int merging_view(const struct txn_snap *s)
{
	const char *dm = lvm_lv_dm_name(s->origin);
	struct devmap_snap_status st;
	int r;

	if (!dm)
		return -ENODEV;
	r = devmap_snap_status(dm, &st);
	if (r == -EMEDIUMTYPE || (r >= 0 && !streq(st.target, "snapshot-merge")))
		return -EAGAIN;
	if (r < 0)
		return r;
	return st.merge_failed ? -EIO : 0;
}

/* What LVM says of the snapshot now: 1 gone (merged), 0 merging, -ENOENT there and not merging. */
static int snapshot_state(struct lvm *l, const struct txn_snap *s)
{
	struct lvm_report rep = {};
	const struct lvm_lv *lv;
	int r = lvm_report(l, false, &rep);

	if (r < 0)
		return r;
	lv = lvm_report_find_lv(&rep, s->lv->vg, s->lv->name);
	r = !lv ? 1 : lv->merging || lv->attr[0] == 'S' ? 0 : -ENOENT;
	lvm_report_done(&rep);
	return r;
}

static int wait_child(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/*
 * Merge the thin snapshot s. LVM refuses nothing we could have checked first: a pool that cannot
 * take metadata changes (failed, read-only metadata) is refused here, since LVM would commit the
 * swap, fail the pool's delete message and leave the origin inactive.
 */
static int thin_merge(struct lvm *l, const struct txn_snap *s)
{
	const char *vg = s->lv->vg;
	bool was_active = lvm_lv_is_active(s->origin);
	struct lvm_report rep = {};
	const struct lvm_lv *o, *sn;
	uint64_t id = 0, now = 0;
	int r;

	if (s->pool && lvm_pool_unusable(s->pool))
		return log_err_errno(-EROFS,
				     "Thin pool %s/%s has failed or its metadata is read-only: "
				     "nothing can be merged until it is repaired ('lvconvert "
				     "--repair %s/%s').",
				     vg, s->pool->name, vg, s->pool->name);
	r = lvm_thin_id(l, vg, s->lv->name, &id);
	if (r < 0)
		return r;
	if (s->merging)
		/* Deferred by LVM to the origin's activation (the origin was open then). */
		r = lvm_thin_merge_resume(l, vg, s->origin->name);
	else
		r = lvm_thin_merge(l, vg, s->lv->name);
	if (r < 0)
		log_warning("LVM reported an error merging %s/%s.", vg, s->lv->name);
	/* What counts is what LVM did: the snapshot gone, its thin device now the origin. */
	r = lvm_report(l, false, &rep);
	if (r < 0)
		return r;
	o = lvm_report_find_lv(&rep, vg, s->origin->name);
	sn = lvm_report_find_lv(&rep, vg, s->lv->name);
	if (sn && sn->merging && o && !lvm_lv_is_open(o)) {
		/* Deferred although we found both closed (udev probing the device, say), or at an
		 * earlier boot and found with the origin inactive (LVM polls an active origin
		 * only): the origin's next activation maps the snapshot's device, then the poll
		 * finishes the swap in the metadata. --sysinit: LVM starts no poller of its own. */
		bool active = lvm_lv_is_active(o);

		lvm_report_done(&rep);
		if ((!active || lvm_lv_deactivate(l, vg, s->origin->name) >= 0) &&
		    lvm_lv_activate(l, vg, s->origin->name, true) >= 0)
			(void)lvm_thin_merge_resume(l, vg, s->origin->name);
		r = lvm_report(l, false, &rep);
		if (r < 0)
			return r;
		o = lvm_report_find_lv(&rep, vg, s->origin->name);
		sn = lvm_report_find_lv(&rep, vg, s->lv->name);
	}
	if (sn && sn->merging)
		r = log_err_errno(
		    -EAGAIN,
		    "LVM deferred the merge of %s/%s to the next activation of %s/%s, "
		    "which would undo everything written to it until then. Do not use "
		    "it; reboot to finish the rollback.",
		    vg, s->lv->name, vg, s->origin->name);
	else if (sn || !o || !o->thin || lvm_thin_id(l, vg, o->name, &now) < 0 || now != id)
		r = log_err_errno(-EIO, "LVM did not merge %s/%s into %s/%s.", vg, s->lv->name, vg,
				  s->origin->name);
	/* LVM re-activates what it deactivated, unless a step after its commit failed. */
	else if (was_active && !lvm_lv_is_active(o) &&
		 (r = lvm_lv_activate(l, vg, o->name, false)) < 0)
		r = log_err_errno(r,
				  "%s/%s is rolled back but LVM left it inactive: activate it "
				  "('lvchange -ay %s/%s').",
				  vg, o->name, vg, o->name);
	else
		r = 0;
	lvm_report_done(&rep);
	return r;
}

int txn_merge_start(struct lvm *l, const struct txn_snap *s, const struct txn_merge_opts *o)
{
	int r, status;
	pid_t pid;

	/* Started at an earlier boot (a power cut): the origin's activation resumed it. */
	if (s->merging)
		goto check;
	if (!o->fork) {
		r = lvm_merge_background(l, s->lv->vg, s->lv->name, o->own_poller);
		goto checked_start;
	}
	/* `lvconvert --background` forks the calling process to poll: let that be a child of
	 * ours without our lock, so that the next rewind command does not wait for the poll. */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		rewind_lock_forget();
		_exit(lvm_merge_background(l, s->lv->vg, s->lv->name, o->own_poller) < 0 ? 1 : 0);
	}
	r = wait_child(pid, &status);
	if (r < 0)
		return r;
	r = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
checked_start:
	if (r < 0)
		log_warning("LVM reported an error starting the merge of %s/%s.", s->lv->vg,
			    s->lv->name);
check:
	/* What counts is what the kernel and LVM do now, not what the command said. */
	r = merging_view(s);
	if (r == -EAGAIN) {
		int st = snapshot_state(l, s);

		/* A small merge that a poller finished already. */
		if (st == 1)
			return 1;
		if (st == -ENOENT)
			return log_err_errno(-EIO, "LVM did not start the merge of %s/%s.",
					     s->lv->vg, s->lv->name);
		/* Recorded but deferred to the next activation (something had the origin or
		 * the snapshot open): that activation, now, while nothing has them open. */
		if (st == 0 && lvm_lv_deactivate(l, s->lv->vg, s->origin->name) >= 0 &&
		    lvm_lv_activate(l, s->lv->vg, s->origin->name, true) >= 0)
			r = merging_view(s);
	}
	if (r == -EAGAIN)
		return log_err_errno(
		    r,
		    "The merge of %s/%s did not start: LVM deferred it to the next "
		    "activation of %s/%s, which would undo everything written to it "
		    "until then. Do not use it; reboot to finish the rollback.",
		    s->lv->vg, s->lv->name, s->lv->vg, s->origin->name);
	if (r == -EIO)
		return log_err_errno(r, "The kernel reports that the merge of %s/%s failed.",
				     s->lv->vg, s->lv->name);
	if (r < 0)
		return log_err_errno(r, "Cannot read the device-mapper table of %s/%s: %s",
				     s->lv->vg, s->origin->name, strerror(-r));
	return 0;
}

/* Run the LVM command that starts (or resumes) the merge and polls it to its end. */
static int merge_poll(struct lvm *l, const struct txn_snap *s)
{
	return s->merging ? lvm_merge_resume(l, s->lv->vg, s->origin->name)
			  : lvm_merge(l, s->lv->vg, s->lv->name);
}

int txn_merge_wait(struct lvm *l, const struct txn_snap *s, const struct txn_merge_opts *o)
{
	const char *dm = lvm_lv_dm_name(s->origin);
	unsigned stall = o->stall_timeout_sec ?: STALL_TIMEOUT_DEFAULT;
	uint64_t start = 0, last_alloc = UINT64_MAX;
	double last_change = txn_now();
	int last_pct = -1, status;
	pid_t pid;

	if (!o->fork)
		return merge_poll(l, s);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(merge_poll(l, s) < 0 ? 1 : 0);
	for (;;) {
		struct devmap_snap_status st;
		struct timespec ts = {0, 250 * 1000 * 1000};
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (dm && devmap_snap_status(dm, &st) >= 0 && streq(st.target, "snapshot-merge")) {
			int pct;
			if (start == 0 || st.allocated > start)
				start = st.allocated;
			pct = start == st.metadata
				  ? 100
				  : (int)((start - st.allocated) * 100 / (start - st.metadata));
			if (st.allocated != last_alloc) {
				last_alloc = st.allocated;
				last_change = txn_now();
			}
			if (pct != last_pct && o->progress)
				o->progress(o->userdata, s->lv->vg, s->origin->name, pct);
			last_pct = pct;
		}
		/* Without readable progress, only a much longer silence counts as a stall. */
		if (txn_now() - last_change > (last_pct < 0 ? 6.0 * stall : stall)) {
			/* The kernel merge goes on by itself; the next activation resumes it. */
			log_err(
			    "The merge of %s/%s made no progress for %.0f s; giving up waiting.",
			    s->lv->vg, s->origin->name, txn_now() - last_change);
			kill(pid, SIGTERM);
			(void)wait_child(pid, &status);
			return -ETIMEDOUT;
		}
		nanosleep(&ts, NULL);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO;
	if (o->progress && last_pct != 100)
		o->progress(o->userdata, s->lv->vg, s->origin->name, 100);
	return 0;
}

/* Poll the merge of s to its end and check the snapshot is gone: LVM's poll also returns
 * success when it stops early (origin no longer active), and when it only scheduled the merge
 * ("Delaying merge since origin is open"): -EAGAIN then. */
static int merge_to_end(struct lvm *l, const struct txn_snap *s, const struct txn_merge_opts *o)
{
	int r = txn_merge_wait(l, s, o);

	if (r < 0)
		return r;
	/* Merged only if LVM says the snapshot is gone (a report that fails says nothing). */
	r = txn_snapshot_gone(l, s->lv->vg, s->lv->name);
	return r < 0 ? r : r == 0 ? -EAGAIN : 0;
}

int txn_merge_one(struct lvm *l, const struct txn_snap *s, const struct txn_merge_opts *o,
		  struct txn_results *res)
{
	double t0 = txn_now();
	int r;

	if (s->thin) {
		log_info("Rolling back %s/%s from the thin snapshot %s.", s->lv->vg,
			 s->origin->name, s->lv->name);
		r = thin_merge(l, s);
		if (r < 0)
			return txn_result_add(res, s, TXN_FAILED,
					      r == -EAGAIN ? "merge deferred to the next activation"
					      : r == -EROFS ? "thin pool failed or read-only"
							    : "merge failed",
					      txn_now() - t0);
		return txn_result_add(res, s, TXN_MERGED, NULL, txn_now() - t0);
	}
	if (!o->foreground) {
		log_info("%s %s/%s from %s; the merge goes on in the background.",
			 s->merging ? "Resuming the merge of" : "Rolling back", s->lv->vg,
			 s->origin->name, s->lv->name);
		r = txn_merge_start(l, s, o);
		if (r < 0)
			return txn_result_add(res, s, TXN_FAILED,
					      r == -EAGAIN
						  ? "merge did not start; it starts at the "
						    "next activation"
						  : "merge did not start",
					      txn_now() - t0);
		return txn_result_add(res, s, TXN_MERGING, "merging in the background",
				      txn_now() - t0);
	}
	log_info("%s %s/%s from %s.", s->merging ? "Resuming the merge of" : "Rolling back",
		 s->lv->vg, s->origin->name, s->lv->name);
	/* The same start as in the background (with its retry of a merge LVM deferred because
	 * something had the origin open), then polled here to its end. */
	r = txn_merge_start(l, s, o);
	if (r == 0) {
		struct txn_snap started = *s;

		started.merging = true;
		r = merge_to_end(l, &started, o);
	} else if (r == 1)
		r = 0;
	if (r < 0)
		return txn_result_add(res, s, TXN_FAILED,
				      r == -ETIMEDOUT ? "merge stalled"
				      : r == -EAGAIN
					  ? "merge not finished; it resumes at the next activation"
					  : "merge failed",
				      txn_now() - t0);
	return txn_result_add(res, s, TXN_MERGED, NULL, txn_now() - t0);
}

static char *flag_path(void)
{
	return strdup_printf("%s/merging", path_rundir());
}

int txn_merge_flag(const char *txid, bool start_unit)
{
	int r = path_rundir_write("merging", txid);

	if (r < 0)
		return r;
	/* Under systemd, its poller now; otherwise LVM's own poller finishes alone. */
	if (start_unit && access(path_systemd_system(), F_OK) == 0) {
		char *argv[] = {(char *)path_systemctl(), "start", "--no-block",
				"rewind-merge.service", NULL};
		_cleanup_free_ char *out = NULL;

		r = spawn_capture(argv, 4096, &out, NULL);
		if (r != 0)
			log_warning("Could not start rewind-merge.service (%s): LVM's own poller "
				    "finishes the merge; 'rewind status' shows it.",
				    r < 0 ? strerror(-r) : "systemctl failed");
	}
	return 0;
}

int txn_merge_finish(struct lvm *l, const struct txn_merge_opts *o, struct txn_results *res)
{
	struct txn_set s = {};
	_cleanup_free_ char *p = flag_path();
	bool left = false;
	int r;

	if (!p)
		return -ENOMEM;
	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s.n_txns; i++) {
		const struct txn *t = &s.txns[i];
		double t0 = txn_now();
		size_t merged = 0, n = 0;

		for (size_t j = 0; j < t->n_snaps; j++) {
			const struct txn_snap *sn = &t->snaps[j];
			double t1 = txn_now();
			bool activated = false;

			if (!sn->merging || !sn->origin) {
				/* Part of a rollback under way, but no merge runs: the next boot
				 * starts it. Not done: say so. */
				if (t->phase == TXN_STATE_ROLLING_BACK) {
					n++;
					left = true;
					r = txn_result_add(res, sn, TXN_ARMED,
							   "no merge runs; the next boot starts it",
							   0);
					if (r < 0)
						goto out;
				}
				continue;
			}
			n++;
			if (!lvm_lv_is_active(sn->origin)) {
				/* Activation restarts the kernel's merge; --sysinit: LVM starts no
				 * poller of its own from this process. */
				r = lvm_lv_activate(l, sn->lv->vg, sn->origin->name, true);
				if (r < 0) {
					left = true;
					r = txn_result_add(res, sn, TXN_FAILED,
							   "could not activate the origin", 0);
					if (r < 0)
						goto out;
					continue;
				}
				activated = true;
			}
			log_info("Waiting for the merge of %s/%s into %s/%s.", sn->lv->vg,
				 sn->lv->name, sn->lv->vg, sn->origin->name);
			r = merge_to_end(l, sn, o);
			if (r < 0)
				left = true;
			else
				merged++;
			/* It was inactive before: as it was, once merged. */
			if (activated && r >= 0)
				(void)lvm_lv_deactivate(l, sn->lv->vg, sn->origin->name);
			r = txn_result_add(res, sn, r < 0 ? TXN_FAILED : TXN_MERGED,
					   r == -ETIMEDOUT ? "merge stalled"
					   : r < 0	   ? "merge not finished; it resumes at "
							     "the next activation"
							   : NULL,
					   txn_now() - t1);
			if (r < 0)
				goto out;
		}
		if (n == 0)
			continue;
		strcpy(res->txid, t->txid);
		if (merged == n)
			log_info("Transaction %s is rolled back: every merge finished (%.0f s).",
				 t->txid, txn_now() - t0);
	}
	r = 0;
out:
	/* Nothing left to wait for: rewind-merge.service has no more to do at the next boot. A
	 * merge started meanwhile (rollback --now) wrote the flag again: keep it. */
	if (r >= 0 && !left) {
		txn_set_done(&s);
		if (txn_set_load(l, false, &s) >= 0) {
			for (size_t i = 0; i < s.n_txns; i++)
				left = left || txn_is_merging(&s.txns[i]);
			if (!left && unlink(p) < 0 && errno != ENOENT)
				log_warning("Failed to remove %s: %m", p);
		}
	}
	txn_set_done(&s);
	return r;
}
