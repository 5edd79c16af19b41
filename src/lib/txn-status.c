/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* status: the transactions as structs (txn.h); txn-json.c makes JSON of them, the CLI a table. */
#include "boot.h"
#include "dm.h"
#include "health.h"
#include "log.h"
#include "paths.h"
#include "txn-esp.h"
#include "txn-packages.h"
#include "txn.h"
#include "util.h"

/* A merge under way: the sectors device-mapper still has to copy back to the origin; -1 when
 * not merging or not known (the origin is not mapped as snapshot-merge). */
static int64_t merge_remaining(const struct txn_snap *s)
{
	const char *dm = s->merging && s->origin ? lvm_lv_dm_name(s->origin) : NULL;
	struct devmap_snap_status st;

	if (!dm || devmap_snap_status(dm, &st) < 0 || !streq(st.target, "snapshot-merge"))
		return -1;
	return (int64_t)(st.allocated - st.metadata);
}

/* *ret: a copy of l (NULL for NULL). */
static int strv_copy(char *const *l, char ***ret)
{
	for (size_t i = 0; l && l[i]; i++)
		if (strv_extend(ret, l[i]) < 0)
			return -ENOMEM;
	return 0;
}

static int volume_fill(const struct txn_snap *s, struct txn_status_volume *v)
{
	*v = (struct txn_status_volume){
	    .vg = strdup(s->lv->vg),
	    .origin = strdup(s->lv->origin),
	    .snapshot = strdup(s->lv->name),
	    .state = s->tags.state,
	    .fill = s->fill,
	    .invalid = s->invalid,
	    .merging = s->merging,
	    .merge_remaining_sectors = merge_remaining(s),
	    .mount = s->tags.mnt ? strdup(s->tags.mnt) : NULL,
	    .root = s->tags.root,
	    .time = s->tags.time,
	    .size = s->thin ? 0 : s->lv->size,
	    .pool = s->thin && s->pool ? strdup_printf("%s/%s", s->pool->vg, s->pool->name) : NULL,
	};
	if (!v->vg || !v->origin || !v->snapshot || (s->tags.mnt && !v->mount) ||
	    (s->thin && s->pool && !v->pool))
		return -ENOMEM;
	return 0;
}

/* The boot counters, the policy, when auto-commit may commit. */
static void auto_fill(const struct txn *t, const struct conf *c, struct txn_status_auto *a)
{
	*a = (struct txn_status_auto){
	    .pending_boots = txn_pending_boots(t),
	    .good_boots = txn_good_boots(t),
	    .auto_rollback_boots = txn_auto_boots(t, c),
	    .auto_rollback_boots_recorded = t->auto_boots >= 0,
	    .auto_commit_after = c->auto_commit_after,
	    .auto_commit_not_before =
		c->auto_commit_after > 0 ? txn_began(t) + c->auto_commit_after : 0,
	};
}

/* What apt changed since t began (rewind apt-hook), when it recorded that. */
static int packages_fill(const struct txn *t, struct txn_status_txn *x)
{
	struct txn_packages p;
	int r = txn_packages_of(t->txid, txn_began(t), &p);

	if (r <= 0)
		return r;
	x->packages = malloc(sizeof(*x->packages));
	if (!x->packages) {
		txn_packages_done(&p);
		return -ENOMEM;
	}
	*x->packages = p;
	return 0;
}

static int txn_fill(const struct txn *t, const struct conf *c, struct txn_status_txn *x)
{
	int r;

	snprintf(x->txid, sizeof(x->txid), "%s", t->txid);
	x->state = t->phase;
	x->time = txn_began(t);
	x->baseline = t->baseline;
	x->restores = t->restores;
	auto_fill(t, c, &x->automatic);
	x->volumes = calloc(t->n_snaps ?: 1, sizeof(*x->volumes));
	if (!x->volumes || strv_copy(t->members, &x->members) < 0 ||
	    strv_copy(t->missing, &x->missing) < 0)
		return -ENOMEM;
	for (size_t j = 0; j < t->n_snaps; j++) {
		x->n_volumes++;
		r = volume_fill(&t->snaps[j], &x->volumes[j]);
		if (r < 0)
			return r;
	}
	/* The rollback entry, when the transaction has one. */
	r = txn_esp_describe(t->txid, &x->boot);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		log_warning("Cannot describe the rollback entry of %s: %s", t->txid, strerror(-r));
	return packages_fill(t, x);
}

static int last_boot_fill(struct txn_status *s)
{
	struct txn_outcome o;
	int r;

	r = txn_outcome_load(&o);
	if (r == -EBADMSG)
		log_warning("Ignoring %s/" TXN_OUTCOME_FILE ": not valid JSON.", path_rundir());
	if (r <= 0)
		return r == -ENOMEM ? r : 0;
	s->last_boot = malloc(sizeof(*s->last_boot));
	if (!s->last_boot) {
		txn_outcome_done(&o);
		return -ENOMEM;
	}
	*s->last_boot = o;
	return 0;
}

/* This boot's health results, when there are some (rewind-health.service ran). */
static int health_fill(struct txn_status *s)
{
	struct health_report h;
	char boot_id[BOOT_ID_LEN + 1];
	int r;

	r = health_load(&h);
	if (r == -EBADMSG)
		log_warning("Ignoring %s/" HEALTH_FILE ": not valid JSON.", path_rundir());
	if (r <= 0)
		return r == -ENOMEM ? r : 0;
	txn_boot_id(boot_id);
	if (!*boot_id || !streq(h.boot_id, boot_id)) {
		health_report_done(&h);
		return 0;
	}
	s->health = malloc(sizeof(*s->health));
	if (!s->health) {
		health_report_done(&h);
		return -ENOMEM;
	}
	*s->health = h;
	return 0;
}

void txn_status_done(struct txn_status *s)
{
	for (size_t i = 0; i < s->n_txns; i++) {
		struct txn_status_txn *t = &s->txns[i];

		for (size_t j = 0; j < t->n_volumes; j++) {
			free(t->volumes[j].vg);
			free(t->volumes[j].origin);
			free(t->volumes[j].snapshot);
			free(t->volumes[j].mount);
			free(t->volumes[j].pool);
		}
		free(t->volumes);
		strv_free(t->members);
		strv_free(t->missing);
		boot_rollback_entry_free(t->boot);
		if (t->packages)
			txn_packages_done(t->packages);
		free(t->packages);
	}
	free(s->txns);
	strv_free(s->esp_restore_pending);
	if (s->last_boot)
		txn_outcome_done(s->last_boot);
	free(s->last_boot);
	if (s->health)
		health_report_done(s->health);
	free(s->health);
	*s = (struct txn_status){};
}

int txn_status(struct lvm *l, struct txn_status *ret)
{
	struct txn_status st = {};
	struct txn_set s = {};
	struct conf c;
	int r;

	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	conf_init(&c);
	(void)conf_load(path_conf(), &c, NULL);
	st.txns = calloc(s.n_txns ?: 1, sizeof(*st.txns));
	r = st.txns ? 0 : -ENOMEM;
	for (size_t i = 0; r >= 0 && i < s.n_txns; i++) {
		st.n_txns++;
		r = txn_fill(&s.txns[i], &c, &st.txns[i]);
	}
	/* Root rolled back, the ESP not yet put back (boot-finish retries at every boot). */
	for (size_t i = 0; r >= 0 && i < s.n_restores; i++)
		r = strv_extend(&st.esp_restore_pending, s.restores[i].txid);
	if (r >= 0)
		r = last_boot_fill(&st);
	if (r >= 0 && st.n_txns > 0)
		r = health_fill(&st);
	conf_done(&c);
	txn_set_done(&s);
	if (r < 0) {
		txn_status_done(&st);
		return r;
	}
	*ret = st;
	return 0;
}
