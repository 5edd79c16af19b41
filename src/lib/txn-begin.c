/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * begin: resolve the volumes, size every snapshot and check the space before creating anything,
 * then take all snapshots at one instant (VM-FACTS "Freezing and snapshotting several volumes"):
 * suspend the data origins, snapshot root, snapshot the suspended data origins, resume.
 */
#include <inttypes.h>
#include <time.h>

#include "dm.h"
#include "kmod.h"
#include "log.h"
#include "mnt.h"
#include "paths.h"
#include "suspend-guard.h"
#include "txn-auto.h"
#include "txn-esp.h"
#include "txn.h"
#include "util.h"

struct vol {
	const struct lvm_lv *lv;
	struct policy policy;
	char *mnt; /* mount point, NULL when not mounted */
	bool root;
	uint64_t bytes;
	char snap[LVM_NAME_MAX + 1];
	bool suspended;
	bool created;
};

static void vols_free(struct vol *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].mnt);
	free(v);
}

/* A thin snapshot of ours (a thin one of anyone else's, a clone of a base image, is a volume). */
static bool is_rewind_snapshot(const struct lvm_lv *lv)
{
	for (size_t i = 0; *lv->origin && lv->tags && lv->tags[i]; i++)
		if (startswith(lv->tags[i], TAG_PREFIX "txn="))
			return true;
	return false;
}

static int resolve(const struct lvm_report *rep, struct mount_table *mt, const char *target,
		   const struct lvm_lv **ret)
{
	_cleanup_free_ char *vg = NULL, *lvname = NULL, *src = NULL;
	const struct lvm_lv *lv = NULL;

	if (target[0] == '/') {
		if (mount_table_source_of(mt, target, &src) < 0)
			return log_err_errno(-REFUSE_INPUT, "%s is not a mount point.", target);
		for (size_t i = 0; i < rep->n_lvs && !lv; i++)
			if ((*rep->lvs[i].dm_path &&
			     mounts_same_device(src, rep->lvs[i].dm_path)) ||
			    (*rep->lvs[i].path && mounts_same_device(src, rep->lvs[i].path)))
				lv = &rep->lvs[i];
		if (!lv)
			return log_err_errno(-REFUSE_INPUT,
					     "%s is mounted from %s, which is not an LVM "
					     "logical volume.",
					     target, src);
	} else {
		if (name_split_vg_lv(target, &vg, &lvname) < 0)
			return log_err_errno(
			    -REFUSE_INPUT, "Invalid volume '%s': neither VG/LV nor a mount point.",
			    target);
		lv = lvm_report_find_lv(rep, vg, lvname);
		if (!lv)
			return log_err_errno(-REFUSE_INPUT, "Logical volume %s not found.", target);
	}
	if (lvm_lv_is_snapshot(lv) || is_rewind_snapshot(lv) || lv->attr[0] == 'v' ||
	    lv->attr[0] == 't' || lv->attr[0] == 'e' || lv->attr[0] == 'p')
		return log_err_errno(-REFUSE_INPUT,
				     "%s/%s is not a volume that can be snapshotted.", lv->vg,
				     lv->name);
	*ret = lv;
	return 0;
}

static int plan(const struct lvm_report *rep, const struct conf *c, const struct txn_begin_opts *o,
		const char *txid, struct vol **ret, size_t *ret_n)
{
	_cleanup_(mount_table_freep) struct mount_table *mt = NULL;
	struct volume_spec root_spec = {.target = (char *)"/"};
	const struct volume_spec *specs = o->volumes;
	size_t n = o->n_volumes;
	struct vol *v;
	int r;

	if (n == 0) {
		specs = c->n_volumes ? c->volumes : &root_spec;
		n = c->n_volumes ? c->n_volumes : 1;
	}
	/* Every snapshot names every member (tags.c reads at most 64). */
	if (n > TXN_MEMBERS_MAX)
		return log_err_errno(-REFUSE_INPUT,
				     "At most %d volumes per transaction (%zu given).",
				     TXN_MEMBERS_MAX, n);
	r = mount_table_load(&mt);
	if (r < 0)
		return r;
	v = calloc(n, sizeof(struct vol));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *dm = NULL;
		const char *names[3];

		r = resolve(rep, mt, specs[i].target, &v[i].lv);
		if (r < 0)
			goto fail;
		for (size_t j = 0; j < i; j++)
			if (v[j].lv == v[i].lv) {
				r = log_err_errno(-REFUSE_INPUT, "%s/%s is given twice.",
						  v[i].lv->vg, v[i].lv->name);
				goto fail;
			}
		v[i].policy = specs[i].has_policy ? specs[i].policy : o->size ? *o->size : c->size;
		names[0] = v[i].lv->dm_path;
		names[1] = v[i].lv->path;
		names[2] = NULL;
		if (mount_table_target_of(mt, names, &v[i].mnt) >= 0)
			v[i].root = streq(v[i].mnt, "/");
		if ((size_t)snprintf(v[i].snap, sizeof(v[i].snap), "%s-rewind-%s", v[i].lv->name,
				     txid) >= sizeof(v[i].snap)) {
			r = log_err_errno(-REFUSE_INPUT,
					  "Snapshot name for %s/%s would be too long.", v[i].lv->vg,
					  v[i].lv->name);
			goto fail;
		}
		dm = name_dm(v[i].lv->vg, v[i].snap);
		if (!dm) {
			r = -ENOMEM;
			goto fail;
		}
		/* The COW device is VG-LV-cow in device-mapper. */
		if (strlen(dm) + strlen("-cow") > LVM_NAME_MAX) {
			r = log_err_errno(-REFUSE_INPUT,
					  "Snapshot name for %s/%s would be too long.", v[i].lv->vg,
					  v[i].lv->name);
			goto fail;
		}
		if (name_valid_lv(v[i].snap) < 0) {
			r = log_err_errno(-REFUSE_INPUT, "'%s' is not a valid LV name.", v[i].snap);
			goto fail;
		}
		if (lvm_report_find_lv(rep, v[i].lv->vg, v[i].snap)) {
			r = log_err_errno(-REFUSE_TXN_EXISTS, "%s/%s exists already.", v[i].lv->vg,
					  v[i].snap);
			goto fail;
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
fail:
	vols_free(v, n);
	return r;
}

/* A thin snapshot takes nothing from the pool until blocks change: what can run out is the pool,
 * and then every thin volume in it fails its writes. A pool this full is refused. */
#define THIN_POOL_REFUSE_PERCENT 90.0

static int check_thin_pool(const struct lvm_report *rep, const struct vol *v, const struct conf *c)
{
	const struct lvm_lv *pool = lvm_report_thin_pool(rep, v->lv);
	double fill;

	if (!pool)
		return log_err_errno(-REFUSE_INPUT,
				     "The thin pool of %s/%s is not in LVM's report.", v->lv->vg,
				     v->lv->name);
	if (lvm_pool_unusable(pool) || pool->attr[8] == 'D')
		return log_err_errno(-REFUSE_NO_SPACE,
				     "Thin pool %s/%s of %s/%s is %s: repair or extend it first "
				     "(lvs -o lv_health_status %s/%s).",
				     pool->vg, pool->name, v->lv->vg, v->lv->name,
				     pool->attr[8] == 'D'   ? "out of data space"
				     : pool->attr[8] == 'M' ? "read-only (metadata)"
							    : "failed",
				     pool->vg, pool->name);
	fill = MAX(pool->data_percent, pool->metadata_percent);
	if (fill < 0)
		log_warning("Thin pool %s/%s is not active: its fill is unknown.", pool->vg,
			    pool->name);
	if (fill >= THIN_POOL_REFUSE_PERCENT)
		return log_err_errno(
		    -REFUSE_NO_SPACE,
		    "Thin pool %s/%s of %s/%s is %.0f%% full (data %.0f%%, metadata "
		    "%.0f%%): extend it first ('lvextend -L +SIZE %s/%s', "
		    "'lvextend --poolmetadatasize +SIZE %s/%s').",
		    pool->vg, pool->name, v->lv->vg, v->lv->name, fill, pool->data_percent,
		    pool->metadata_percent, pool->vg, pool->name, pool->vg, pool->name);
	if (c->monitor_warn_percent && fill >= c->monitor_warn_percent)
		log_warning("Thin pool %s/%s is %.0f%% full: everything the upgrade writes to "
			    "%s/%s takes new blocks from it.",
			    pool->vg, pool->name, fill, v->lv->vg, v->lv->name);
	return 0;
}

static int size_and_check_space(const struct lvm_report *rep, const struct conf *c, struct vol *v,
				size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct lvm_vg *vg = lvm_report_find_vg(rep, v[i].lv->vg);
		struct policy_input in = {.origin_size = v[i].lv->size, .fs_used = UINT64_MAX};
		char buf[32];
		int fallback, r;

		if (v[i].lv->thin) {
			/* bytes 0: a thin snapshot, which has no size; its chunks are the pool's.
			 */
			if (v[i].policy.chunk_kib)
				log_warning(
				    "%s/%s is a thin volume: its snapshot has no size, and the "
				    "chunk size is its pool's; the policy does not apply.",
				    v[i].lv->vg, v[i].lv->name);
			r = check_thin_pool(rep, &v[i], c);
			if (r < 0)
				return r;
			continue;
		}
		if (!vg)
			return log_err_errno(-REFUSE_INPUT, "Volume group %s not found.",
					     v[i].lv->vg);
		in.vg_free = vg->free;
		in.extent_size = vg->extent_size;
		if (v[i].mnt && fs_used_bytes(v[i].mnt, &in.fs_used) < 0)
			in.fs_used = UINT64_MAX;
		r = policy_compute(&v[i].policy, &in, &v[i].bytes, &fallback);
		if (r < 0)
			return log_err_errno(r, "Cannot size the snapshot of %s/%s.", v[i].lv->vg,
					     v[i].lv->name);
		if (fallback)
			log_warning("%s/%s is not mounted: %s taken as a share of its size.",
				    v[i].lv->vg, v[i].lv->name,
				    policy_format(&v[i].policy, buf, sizeof(buf)));
	}
	/* All snapshots of one VG together must fit its free space. */
	for (size_t i = 0; i < n; i++) {
		const struct lvm_vg *vg = lvm_report_find_vg(rep, v[i].lv->vg);
		uint64_t need = 0;
		bool first = true;

		for (size_t j = 0; j < n; j++)
			if (streq(v[j].lv->vg, v[i].lv->vg)) {
				first = first && j >= i;
				need += v[j].bytes;
			}
		/* vg is there for a thick origin (checked above); a thin one needs nothing. */
		if (first && vg && need > vg->free)
			return log_err_errno(-REFUSE_NO_SPACE,
					     "Volume group %s has %" PRIu64 " MiB free, the "
					     "snapshots need %" PRIu64 " MiB.",
					     vg->name, vg->free >> 20, need >> 20);
	}
	return 0;
}

static void resume_all(struct vol *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *dm = lvm_lv_dm_name(v[i].lv);
		if (!v[i].suspended || !dm)
			continue;
		/* lvcreate -s of a suspended origin leaves it resumed. Resume unless the device
		 * says for sure that it is not suspended: a failed query is no reason to leave a
		 * filesystem frozen. */
		if (devmap_is_suspended(dm) != 0 && devmap_resume(dm) < 0)
			log_err(
			    "Failed to resume %s: writes to it are blocked; run 'dmsetup resume "
			    "%s'.",
			    dm, dm);
		v[i].suspended = false;
	}
}

struct begin_ctx {
	const char *txid;
	uint64_t now;
	char **members;
	const char *boot_id;
	int auto_boots;
	bool baseline;
};

static int create_one(struct lvm *l, struct vol *v, const struct begin_ctx *ctx)
{
	_cleanup_strv_ char **tags = NULL;
	struct txn_tags t = {
	    .state = TXN_STATE_CREATING,
	    .time = ctx->now,
	    .root = v->root,
	    .members = ctx->members,
	    .auto_boots = ctx->auto_boots,
	    .baseline = ctx->baseline,
	    /* Recorded for a baseline restore, which takes the snapshot again. */
	    .chunk_kib = v->bytes ? v->policy.chunk_kib : 0,
	};
	int r;

	strcpy(t.txid, ctx->txid);
	snprintf(t.boot_id, sizeof(t.boot_id), "%s", ctx->boot_id);
	t.mnt = v->mnt;
	r = txn_tags_encode(&t, &tags);
	if (r < 0)
		return log_err_errno(r, "Cannot encode the tags of %s/%s.", v->lv->vg, v->snap);
	r = lvm_snapshot_create(l, v->lv->vg, v->lv->name, v->snap, v->bytes, v->policy.chunk_kib,
				tags);
	if (r < 0)
		return log_err_errno(r, "Failed to create snapshot %s/%s.", v->lv->vg, v->snap);
	v->created = true;
	if (v->bytes && v->policy.chunk_kib)
		log_info("Created snapshot %s/%s (%" PRIu64 " MiB, chunk %" PRIu32 " KiB).",
			 v->lv->vg, v->snap, v->bytes >> 20, v->policy.chunk_kib);
	else if (v->bytes)
		log_info("Created snapshot %s/%s (%" PRIu64 " MiB).", v->lv->vg, v->snap,
			 v->bytes >> 20);
	else
		log_info("Created thin snapshot %s/%s.", v->lv->vg, v->snap);
	return 0;
}

/*
 * A thin origin is never suspended from outside: LVM creates a thin snapshot by sending the pool
 * its messages while it suspends the origin itself, and skips that for an origin it finds
 * suspended already: LVM's metadata then has a snapshot the pool never made, and the pool's
 * transaction id no longer matches (seen in the VM: the pool would not activate at the next
 * boot). Thin origins are taken right after root, each frozen by LVM in its own lvcreate.
 */
static bool will_suspend(const struct vol *v, size_t n)
{
	return n > 1 && !v->root && !v->lv->thin && v->mnt && lvm_lv_dm_name(v->lv) &&
	       lvm_lv_is_active(v->lv);
}

static int snapshot_all(struct lvm *l, struct vol *v, size_t n, const struct begin_ctx *ctx)
{
	struct suspend_guard guard = {.fd = -1};
	_cleanup_strv_ char **guarded = NULL;
	int r = 0;

	/* Every active origin: root, which LVM freezes itself inside lvcreate (a begin killed
	 * there would leave it frozen; resumed first, everything else may need it), and the data
	 * ones we suspend. */
	for (size_t i = 0; i < n; i++)
		if (v[i].root && lvm_lv_dm_name(v[i].lv) &&
		    (r = strv_extend(&guarded, lvm_lv_dm_name(v[i].lv))) < 0)
			return r;
	for (size_t i = 0; i < n; i++)
		if (will_suspend(&v[i], n) &&
		    (r = strv_extend(&guarded, lvm_lv_dm_name(v[i].lv))) < 0)
			return r;
	if (guarded && (r = suspend_guard_start(&guard, guarded)) < 0)
		return r;
	rewind_log_hold(true);
	/* (1) Data origins: suspend with lockfs, so they stand still while root is taken. */
	for (size_t i = 0; i < n; i++) {
		const char *dm = lvm_lv_dm_name(v[i].lv);
		if (!will_suspend(&v[i], n))
			continue;
		/* Marked first: a suspend that fails halfway is resumed too. */
		v[i].suspended = true;
		r = devmap_suspend(dm);
		if (r < 0) {
			log_err("Failed to suspend %s.", dm);
			goto out;
		}
	}
	/* (2) Root first: LVM freezes it itself; never suspend root from outside LVM. */
	for (size_t i = 0; i < n; i++)
		if (v[i].root && (r = create_one(l, &v[i], ctx)) < 0)
			goto out;
	/* (3) Thin origins, as close to root as they can be (LVM freezes each itself). */
	for (size_t i = 0; i < n; i++)
		if (!v[i].root && v[i].lv->thin && (r = create_one(l, &v[i], ctx)) < 0)
			goto out;
	/* (4) The rest, suspended or not. */
	for (size_t i = 0; i < n; i++)
		if (!v[i].root && !v[i].lv->thin && (r = create_one(l, &v[i], ctx)) < 0)
			goto out;
out:
	/* (5) On every path. */
	resume_all(v, n);
	rewind_log_hold(false);
	suspend_guard_stop(&guard);
	return r;
}

/* The last step of begin: every snapshot from creating to open. Once one is open, the
 * transaction is complete (txn.c: the furthest phase counts), so only the first may fail. */
static int confirm_all(struct lvm *l, struct vol *v, size_t n, bool pinned)
{
	/* rewind:pinned tells the boot stage that a root rollback has an ESP to put back. */
	char *add[] = {(char *)txn_tags_state_tag(TXN_STATE_OPEN),
		       pinned ? (char *)TAG_PINNED : NULL, NULL};
	char *del[] = {(char *)txn_tags_state_tag(TXN_STATE_CREATING), NULL};
	bool first = true;
	int r;

	for (size_t i = 0; i < n; i++) {
		r = lvm_lv_change_tags(l, v[i].lv->vg, v[i].snap, add, del);
		if (r < 0 && first)
			return log_err_errno(r, "Failed to mark %s/%s open.", v[i].lv->vg,
					     v[i].snap);
		if (r < 0)
			log_warning("Failed to mark %s/%s open; the transaction is complete "
				    "anyway (another snapshot of it is).",
				    v[i].lv->vg, v[i].snap);
		first = first && r < 0;
	}
	return 0;
}

static void remove_created(struct lvm *l, struct vol *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!v[i].created)
			continue;
		if (lvm_lv_remove(l, v[i].lv->vg, v[i].snap) < 0)
			log_err("Failed to remove snapshot %s/%s; remove it with 'lvremove %s/%s'.",
				v[i].lv->vg, v[i].snap, v[i].lv->vg, v[i].snap);
		else
			log_info("Removed snapshot %s/%s again.", v[i].lv->vg, v[i].snap);
	}
}

int txn_begin(struct lvm *l, const struct conf *c, const struct txn_begin_opts *o, char **ret_txid)
{
	struct txn_set s = {};
	struct vol *v = NULL;
	size_t n = 0;
	char txid[TXID_MAX + 1], boot_id[BOOT_ID_LEN + 1];
	_cleanup_strv_ char **members = NULL;
	struct begin_ctx ctx = {.txid = txid, .boot_id = boot_id, .baseline = o->baseline};
	bool has_root = false;
	int r;

	if (o->txid) {
		if (name_valid_txid(o->txid) < 0)
			return log_err_errno(-REFUSE_INPUT, "'%s' is not a valid transaction name.",
					     o->txid);
		strcpy(txid, o->txid);
	} else {
		time_t now = time(NULL);
		strftime(txid, sizeof(txid), "%Y%m%d-%H%M%S", localtime(&now));
	}

	r = txn_set_load(l, true, &s);
	if (r < 0)
		return r;
	for (size_t i = 0; !o->dry_run && i < s.n_txns; i++)
		if (s.txns[i].phase == TXN_STATE_CREATING ||
		    s.txns[i].phase == TXN_STATE_COMMITTING) {
			/* Left by a crash: finish it, then look again. */
			txn_set_done(&s);
			r = txn_finish_interrupted(l);
			if (r < 0)
				return r;
			r = txn_set_load(l, true, &s);
			if (r < 0)
				return r;
			break;
		}
	if (s.n_rebases > 0) {
		r = log_err_errno(
		    -REFUSE_UNFINISHED,
		    "The baseline restore of transaction %s is unfinished (%s/%s has no new "
		    "baseline snapshot yet): the next boot finishes it; 'rewind commit' ends "
		    "baseline mode instead.",
		    s.rebases[0].tags.txid, s.rebases[0].origin->vg, s.rebases[0].origin->name);
		goto out;
	}
	if (s.n_txns > 0 && s.txns[0].phase == TXN_STATE_ROLLING_BACK) {
		r = log_err_errno(
		    -REFUSE_TXN_EXISTS,
		    "Transaction %s is being rolled back (its merge runs): wait for it "
		    "to end ('rewind merge-wait'; 'rewind status' shows it).",
		    s.txns[0].txid);
		goto out;
	}
	if (s.n_txns > 0) {
		r = log_err_errno(-REFUSE_TXN_EXISTS, "Transaction %s is %s.", s.txns[0].txid,
				  txn_is_armed(&s.txns[0]) ? "armed" : "open");
		goto out;
	}
	r = plan(&s.rep, c, o, txid, &v, &n);
	if (r < 0)
		goto out;
	r = size_and_check_space(&s.rep, c, v, n);
	if (r < 0 || o->dry_run)
		goto out;
	for (size_t i = 0; i < n; i++) {
		r = strv_push(&members, strdup_printf("%s/%s", v[i].lv->vg, v[i].lv->name));
		if (r < 0)
			goto out;
		has_root = has_root || v[i].root;
	}
	ctx.members = members;
	ctx.now = (uint64_t)time(NULL);
	ctx.auto_boots = (int)MIN(c->auto_rollback_boots, 1000u);
	txn_boot_id(boot_id);
	if (kmodule_ensure_snapshot() < 0)
		log_warning("dm_snapshot could not be loaded; trying anyway.");
	/*
	 * Snapshots tagged creating, the ESP pinned, then every snapshot marked open: a begin that
	 * dies before the last step leaves a transaction that every later command recognises as
	 * incomplete and removes (txn_finish_interrupted()), never one that looks complete.
	 */
	r = snapshot_all(l, v, n, &ctx);
	if (r >= 0)
		r = txn_esp_pin(txid, has_root, time(NULL),
				c->auto_rollback_boots); /* -REFUSE_NO_SPACE */
	if (r >= 0) {
		r = confirm_all(l, v, n, r > 0);
		if (r < 0)
			(void)txn_esp_unpin(txid);
	}
	if (r < 0) {
		remove_created(l, v, n);
		goto out;
	}
	txn_auto_check_begin(c);
	if (ret_txid)
		*ret_txid = strdup(txid);
out:
	vols_free(v, n);
	txn_set_done(&s);
	return r;
}
