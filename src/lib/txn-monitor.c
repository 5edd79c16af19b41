/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rewind monitor: the fill of every snapshot, warned about and extended before it overflows (an
 * overflowed snapshot can never be rolled back). A thin snapshot has no space of its own: its
 * pool is watched and extended instead (a full pool fails the writes of every thin volume in it).
 */
#include "log.h"
#include "txn-auto.h"
#include "util.h"

static const char *fmt_bytes(uint64_t b, char *buf, size_t size)
{
	if (b >= (1ULL << 30))
		snprintf(buf, size, "%.1f GiB", (double)b / (1ULL << 30));
	else
		snprintf(buf, size, "%.0f MiB", (double)b / (1ULL << 20));
	return buf;
}

/* lvm_report_find_vg(), writable: an extend takes from the VG's free space in the report, so
 * the next extend in the same run sees what is left. */
static struct lvm_vg *find_vg(struct lvm_report *rep, const char *name)
{
	for (size_t i = 0; i < rep->n_vgs; i++)
		if (streq(rep->vgs[i].name, name))
			return &rep->vgs[i];
	return NULL;
}

/* Extend one snapshot (a thin one: its pool) at or above monitor_extend_percent; 0 extended, 1
 * could not. */
static int monitor_extend(struct lvm *l, const struct txn *t, const struct txn_snap *sn,
			  struct lvm_report *rep)
{
	const struct lvm_lv *lv = sn->thin ? sn->pool : sn->lv;
	struct lvm_vg *vg = find_vg(rep, lv->vg);
	uint64_t extent, want, avail;
	char x[32], y[32];
	int r;

	extent = vg && vg->extent_size ? vg->extent_size : 4ULL << 20;
	want = MAX(lv->size / 2, extent);
	want = (want + extent - 1) / extent * extent;
	avail = vg ? vg->free / extent * extent : 0;
	if (avail == 0) {
		log_err("%s %s/%s IS %.1f%% FULL AND VOLUME GROUP %s HAS NO FREE SPACE: %s "
			"(transaction %s). Add space to %s (vgextend) or commit the transaction "
			"(rewind commit).",
			sn->thin ? "THIN POOL" : "SNAPSHOT", lv->vg, lv->name, sn->fill, lv->vg,
			sn->thin ? "once full, every write to its thin volumes fails"
				 : "it will overflow, and an overflowed snapshot can no longer "
				   "be rolled back",
			t->txid, lv->vg);
		return 1;
	}
	/* A pool whose metadata fills first needs metadata: lvextend -L grows it only as far as
	 * LVM's estimate for the data. */
	if (sn->thin && lv->metadata_percent >= lv->data_percent && lv->metadata_size) {
		want = (MAX(lv->metadata_size / 2, extent) + extent - 1) / extent * extent;
		r = lvm_pool_metadata_extend(l, lv->vg, lv->name, MIN(want, avail));
		if (r >= 0) {
			vg->free -= MIN(want, avail);
			log_warning(
			    "Thin pool %s/%s's metadata was %.1f%% full: extended it by %s.",
			    lv->vg, lv->name, lv->metadata_percent,
			    fmt_bytes(MIN(want, avail), x, sizeof(x)));
			return 0;
		}
	} else
		r = lvm_lv_extend(l, lv->vg, lv->name, MIN(want, avail));
	if (r < 0) {
		log_err("Failed to extend %s %s/%s (%.1f%% full): %s (transaction %s).",
			sn->thin ? "thin pool" : "snapshot", lv->vg, lv->name, sn->fill,
			sn->thin ? "once full, every write to its thin volumes fails"
				 : "it may overflow, and an overflowed snapshot can no longer be "
				   "rolled back",
			t->txid);
		return 1;
	}
	vg->free -= MIN(want, avail);
	log_warning("%s %s/%s was %.1f%% full: extended it by %s to %s.",
		    sn->thin ? "Thin pool" : "Snapshot", lv->vg, lv->name, sn->fill,
		    fmt_bytes(MIN(want, avail), x, sizeof(x)),
		    fmt_bytes(lv->size + MIN(want, avail), y, sizeof(y)));
	if (avail < want)
		log_warning("Volume group %s is now full: snapshot %s/%s cannot grow further.",
			    lv->vg, lv->vg, lv->name);
	return 0;
}

int txn_monitor(struct lvm *l, const struct conf *c)
{
	struct txn_set s = {};
	_cleanup_strv_ char **pools = NULL;
	int r, ret = 0;

	/* The VGs' free space comes with the report at no extra command; extends take from it. */
	r = txn_set_load(l, true, &s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s.n_txns; i++) {
		const struct txn *t = &s.txns[i];

		for (size_t j = 0; j < t->n_snaps; j++) {
			const struct txn_snap *sn = &t->snaps[j];
			const struct lvm_lv *lv = sn->lv;

			if (sn->merging || (sn->thin && !sn->pool))
				continue;
			if (sn->thin) {
				/* One pool, however many thin snapshots it holds. */
				_cleanup_free_ char *p =
				    strdup_printf("%s/%s", sn->pool->vg, sn->pool->name);
				if (!p || strv_contains(pools, p))
					continue;
				if ((r = strv_extend(&pools, p)) < 0) {
					ret = r;
					break;
				}
			}
			if (sn->invalid) {
				log_err(
				    "Snapshot %s/%s is invalid (overflowed): transaction %s can no "
				    "longer be rolled back. Commit it (rewind commit) to drop the "
				    "snapshots, and begin again with a larger size if wanted.",
				    lv->vg, lv->name, t->txid);
				ret = 1;
			} else if (sn->fill < 0)
				log_debug("Snapshot %s/%s is not active: fill unknown.", lv->vg,
					  lv->name);
			else if (c->monitor_extend_percent > 0 &&
				 sn->fill >= c->monitor_extend_percent) {
				if (monitor_extend(l, t, sn, &s.rep) != 0)
					ret = 1;
			} else if (c->monitor_warn_percent > 0 &&
				   sn->fill >= c->monitor_warn_percent)
				log_warning("Snapshot %s/%s of transaction %s is %.1f%% full%s.",
					    lv->vg, lv->name, t->txid, sn->fill,
					    c->monitor_extend_percent > 0
						? "; it is extended at monitor_extend_percent"
						: "");
			else
				log_debug("Snapshot %s/%s is %.1f%% full.", lv->vg, lv->name,
					  sn->fill);
		}
	}
	txn_set_done(&s);
	return ret;
}
