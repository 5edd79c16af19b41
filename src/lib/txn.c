/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The transaction model: loading it from LVM tags, commit and cancel. */
#include <time.h>

#include "dm.h"
#include "log.h"
#include "paths.h"
#include "txn-esp.h"
#include "txn.h"
#include "util.h"

double txn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void txn_boot_id(char *ret)
{
	_cleanup_free_ char *s = NULL;
	size_t k = 0;

	ret[0] = '\0';
	if (read_one_line_file(path_boot_id(), &s) < 0)
		return;
	for (const char *p = s; *p && k < BOOT_ID_LEN; p++)
		if (*p != '-')
			ret[k++] = *p;
	ret[k] = '\0';
	if (k != BOOT_ID_LEN)
		ret[0] = '\0';
}

void txn_set_done(struct txn_set *s)
{
	for (size_t i = 0; i < s->n_txns; i++) {
		for (size_t j = 0; j < s->txns[i].n_snaps; j++)
			txn_tags_done(&s->txns[i].snaps[j].tags);
		free(s->txns[i].snaps);
		strv_free(s->txns[i].members);
		strv_free(s->txns[i].missing);
	}
	free(s->txns);
	free(s->restores);
	for (size_t i = 0; i < s->n_rebases; i++)
		txn_tags_done(&s->rebases[i].tags);
	free(s->rebases);
	lvm_report_done(&s->rep);
	*s = (struct txn_set){};
}

bool txn_is_merging(const struct txn *t)
{
	for (size_t j = 0; j < t->n_snaps; j++)
		if (t->snaps[j].merging)
			return true;
	return false;
}

bool txn_is_armed(const struct txn *t)
{
	return t->phase == TXN_STATE_ARMED;
}

unsigned txn_auto_boots(const struct txn *t, const struct conf *c)
{
	return t->auto_boots >= 0 ? (unsigned)t->auto_boots : c->auto_rollback_boots;
}

bool txn_is_whole(const struct txn *t, char ret_member[static TXN_MEMBER_MAX], const char **ret_why)
{
	ret_member[0] = '\0';
	*ret_why = NULL;
	if (t->missing) {
		snprintf(ret_member, TXN_MEMBER_MAX, "%s", t->missing[0]);
		*ret_why = t->phase == TXN_STATE_CREATING
			       ? "has no snapshot: the begin that created the transaction was "
				 "interrupted"
			       : "has no snapshot (is its volume group visible? see 'vgs')";
		return false;
	}
	for (size_t i = 0; i < t->n_snaps; i++) {
		const struct txn_snap *s = &t->snaps[i];
		if (s->invalid)
			*ret_why = "has an invalid (overflowed) snapshot";
		else if (s->thin && s->pool && lvm_pool_unusable(s->pool))
			*ret_why = "is in a thin pool that failed or whose metadata is read-only "
				   "(repair it: 'lvconvert --repair')";
		else if (!s->origin)
			*ret_why = "has a snapshot whose origin is missing";
		else
			continue;
		snprintf(ret_member, TXN_MEMBER_MAX, "%s/%s", s->lv->vg, s->lv->origin);
		return false;
	}
	return true;
}

/* Phase, members and missing members of a loaded transaction. */
static int txn_summarise(struct txn *t)
{
	int r;

	t->phase = TXN_STATE_CREATING;
	t->auto_boots = -1;
	t->boot_id = "";
	for (size_t i = 0; i < t->n_snaps; i++) {
		const struct txn_tags *g = &t->snaps[i].tags;

		t->phase = MAX(t->phase, g->state);
		t->auto_boots = MAX(t->auto_boots, g->auto_boots);
		t->pinned = t->pinned || g->pinned;
		t->baseline = t->baseline || g->baseline;
		t->restores = MAX(t->restores, g->restores);
		if (*g->boot_id)
			t->boot_id = g->boot_id;
		for (size_t k = 0; g->members && g->members[k]; k++)
			if (!strv_contains(t->members, g->members[k]) &&
			    (r = strv_extend(&t->members, g->members[k])) < 0)
				return r;
	}
	/* Snapshots begun before members were recorded: what is there is all there is. */
	if (!t->members && t->phase == TXN_STATE_CREATING)
		t->phase = TXN_STATE_OPEN;
	for (size_t k = 0; t->members && t->members[k]; k++) {
		bool found = false;

		for (size_t i = 0; i < t->n_snaps && !found; i++) {
			_cleanup_free_ char *m =
			    strdup_printf("%s/%s", t->snaps[i].lv->vg, t->snaps[i].lv->origin);
			if (!m)
				return -ENOMEM;
			found = streq(m, t->members[k]);
		}
		if (!found && (r = strv_extend(&t->missing, t->members[k])) < 0)
			return r;
	}
	return 0;
}

/* Validity and fill: device-mapper when the snapshot is mapped, LVM's report otherwise. */
static void snap_probe(struct txn_snap *s, const struct lvm_lv *pool)
{
	const struct lvm_lv *lv = s->lv;
	struct devmap_snap_status st;
	const char *dm = lvm_lv_dm_name(lv);

	s->merging = lv->attr[0] == 'S' || lv->merging;
	s->invalid = lv->snapshot_invalid || lv->attr[4] == 'I' || lv->attr[4] == 'S';
	s->fill = lv->snap_percent;
	if (dm && lvm_lv_is_active(lv) && devmap_snap_status(dm, &st) >= 0 &&
	    streq(st.target, "snapshot")) {
		s->invalid = s->invalid || st.invalid || st.overflow;
		s->fill = devmap_snap_fill_percent(&st);
	}
	if (lv->thin) {
		/* Nothing of its own to overflow: the pool is what fills, for every thin volume. */
		s->thin = true;
		s->pool = pool;
		/* A full or failed pool fails writes, not the snapshot: it stays a valid rollback
		 * (a failed pool is refused when merging: txn_is_whole()). */
		s->invalid = false;
		s->fill = pool ? MAX(pool->data_percent, pool->metadata_percent) : -1;
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

/*
 * An lvcreate -s cut short (begin killed inside it, seen in the VM): LVM had made the
 * copy-on-write LV, with our tags, but not yet turned it into a snapshot. It belongs to the
 * interrupted begin, which removes it; never to be taken for a snapshot otherwise.
 */
static bool half_created(const struct lvm_lv *lv, const struct txn_tags *tags)
{
	_cleanup_free_ char *suffix = strdup_printf("-rewind-%s", tags->txid);
	size_t n = strlen(lv->name), k = suffix ? strlen(suffix) : 0;

	return suffix && tags->state == TXN_STATE_CREATING && n > k &&
	       streq(lv->name + n - k, suffix);
}

/* rewind:restore-esp=TXID on an origin (tags.c: TAG_RESTORE_ESP). */
static int restore_add(struct txn_set *s, const struct lvm_lv *lv)
{
	for (size_t i = 0; lv->tags && lv->tags[i]; i++) {
		const char *v = startswith(lv->tags[i], TAG_RESTORE_ESP)
				    ? lv->tags[i] + strlen(TAG_RESTORE_ESP)
				    : NULL;
		struct txn_restore *n;

		if (!v)
			continue;
		if (name_valid_txid(v) < 0) {
			log_warning("Ignoring the damaged tag %.80s on %s/%s.", lv->tags[i], lv->vg,
				    lv->name);
			continue;
		}
		n = realloc(s->restores, sizeof(*n) * (s->n_restores + 1));
		if (!n)
			return -ENOMEM;
		s->restores = n;
		n = &s->restores[s->n_restores++];
		n->origin = lv;
		strcpy(n->txid, v);
	}
	return 0;
}

/* rewind-base:* on an origin (tags.h: TAG_REBASE_PREFIX): a baseline restore under way. */
static int rebase_add(struct txn_set *s, const struct lvm_lv *lv)
{
	struct txn_rebase *n;
	struct txn_tags tags;
	uint64_t size;
	int r;

	r = txn_rebase_decode(lv->tags, &tags, &size);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		log_warning("Ignoring %s/%s's baseline restore tags: they are damaged.", lv->vg,
			    lv->name);
		return 0;
	}
	if (!tags.present)
		return 0;
	n = realloc(s->rebases, sizeof(*n) * (s->n_rebases + 1));
	if (!n) {
		txn_tags_done(&tags);
		return -ENOMEM;
	}
	s->rebases = n;
	s->rebases[s->n_rebases++] = (struct txn_rebase){.origin = lv, .tags = tags, .size = size};
	return 0;
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

		r = restore_add(&s, lv);
		if (r >= 0)
			r = rebase_add(&s, lv);
		if (r < 0)
			goto fail;
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
		if ((!(lvm_lv_is_snapshot(lv) || lv->thin) || !*lv->origin) &&
		    !half_created(lv, &tags)) {
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
		snap_probe(sn, lvm_report_thin_pool(&s.rep, lv));
	}
	for (size_t i = 0; i < s.n_txns; i++)
		if ((r = txn_summarise(&s.txns[i])) < 0)
			goto fail;
	*ret = s;
	return 0;
fail:
	txn_set_done(&s);
	return r;
}

int txn_set_reload(struct lvm *l, struct txn_set *s, struct txn **t)
{
	char txid[TXID_MAX + 1];
	enum txn_state phase = (*t)->phase;
	int r;

	strcpy(txid, (*t)->txid);
	txn_set_done(s);
	r = txn_set_load(l, false, s);
	if (r < 0)
		return r;
	*t = NULL;
	for (size_t i = 0; i < s->n_txns && !*t; i++)
		if (streq(s->txns[i].txid, txid))
			*t = &s->txns[i];
	if (!*t)
		return -ENOENT;
	(*t)->phase = MAX((*t)->phase, phase);
	return 0;
}

bool txn_member_visible(const struct txn_set *s, const char *member)
{
	_cleanup_free_ char *vg = NULL, *lv = NULL;

	return name_split_vg_lv(member, &vg, &lv) >= 0 && lvm_report_find_lv(&s->rep, vg, lv);
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
	case TXN_MERGING:
		return "rolled back";
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
	    .root = s->tags.root,
	};
	if (!n->vg || !n->origin || !n->snapshot)
		return -ENOMEM;
	return 0;
}

int txn_set_state(struct lvm *l, const struct txn *t, enum txn_state state, unsigned *ret_failed)
{
	unsigned changed = 0, failed = 0;
	int first = 0;

	for (size_t i = 0; i < t->n_snaps; i++) {
		const struct txn_snap *sn = &t->snaps[i];
		char *add[] = {(char *)txn_tags_state_tag(state), NULL};
		char *del[] = {(char *)txn_tags_state_tag(sn->tags.state), NULL};
		int r;

		/* A merging snapshot is hidden and LVM refuses to change its tags; it is past the
		 * point of no return anyway. Every other one is tried, whatever failed before. */
		if (sn->tags.state == state || sn->merging)
			continue;
		r = lvm_lv_change_tags(l, sn->lv->vg, sn->lv->name, add, del);
		if (r < 0) {
			log_err("Failed to mark %s/%s %s.", sn->lv->vg, sn->lv->name,
				txn_state_to_string(state));
			first = first ?: r;
			failed++;
		} else
			changed++;
	}
	if (ret_failed)
		*ret_failed = failed;
	return changed == 0 && failed > 0 ? first : (int)changed;
}

/* Remove every snapshot, then the ESP's pin: the end of a commit, or of an interrupted begin. */
static int txn_remove(struct lvm *l, const struct txn *t)
{
	int r, ret = 0;

	for (size_t j = 0; j < t->n_snaps; j++) {
		const struct lvm_lv *lv = t->snaps[j].lv;
		r = lvm_lv_remove(l, lv->vg, lv->name);
		if (r < 0) {
			log_err("Failed to remove snapshot %s/%s.", lv->vg, lv->name);
			ret = ret ?: r;
		} else
			log_info("Removed snapshot %s/%s.", lv->vg, lv->name);
	}
	/* Only once the snapshots are gone: until then the rollback entry is still of use. */
	if (ret == 0)
		ret = txn_esp_unpin(t->txid);
	return ret;
}

int txn_finish_interrupted(struct lvm *l)
{
	struct txn_set s = {};
	int r, ret = 0, done = 0;

	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s.n_txns; i++) {
		const struct txn *t = &s.txns[i];

		if (t->phase == TXN_STATE_COMMITTING)
			log_warning("The commit of transaction %s was interrupted: finishing it.",
				    t->txid);
		else if (t->phase == TXN_STATE_CREATING)
			log_warning("The begin of transaction %s was interrupted before it "
				    "completed: removing what it created.",
				    t->txid);
		else
			continue;
		r = txn_remove(l, t);
		if (r < 0)
			ret = ret ?: r;
		else
			done = 1;
	}
	txn_set_done(&s);
	return ret < 0 ? ret : done;
}

int txn_result_add_member(struct txn_results *res, const char *member, enum txn_action a,
			  const char *detail)
{
	_cleanup_free_ char *vg = NULL, *lv = NULL;
	struct txn_result *n;

	if (name_split_vg_lv(member, &vg, &lv) < 0)
		return -EINVAL;
	n = realloc(res->r, sizeof(struct txn_result) * (res->n + 1));
	if (!n)
		return -ENOMEM;
	res->r = n;
	n = &res->r[res->n++];
	*n = (struct txn_result){
	    .vg = TAKE_PTR(vg),
	    .origin = TAKE_PTR(lv),
	    .snapshot = strdup(""),
	    .action = a,
	    .detail = detail ? strdup(detail) : NULL,
	};
	return n->snapshot ? 0 : -ENOMEM;
}

/* Root of TXID is back at its begin content: its snapshot is merged (gone) or merging (the
 * origin already shows the old content), or, in baseline mode, is the new snapshot taken after
 * the merge (restore-esp is set only once the old one is rolling back). */
static bool root_rolled_back(const struct txn_set *s, const struct txn_restore *x)
{
	for (size_t i = 0; i < s->n_txns; i++) {
		if (!streq(s->txns[i].txid, x->txid))
			continue;
		for (size_t j = 0; j < s->txns[i].n_snaps; j++) {
			const struct txn_snap *sn = &s->txns[i].snaps[j];
			if (streq(sn->lv->vg, x->origin->vg) &&
			    streq(sn->lv->origin, x->origin->name))
				return sn->merging || (sn->tags.baseline &&
						       sn->tags.state != TXN_STATE_ROLLING_BACK);
		}
	}
	return true;
}

/* txid is a baseline transaction (open again after its restore): its pin stays. */
static bool baseline_of(const struct txn_set *s, const char *txid)
{
	for (size_t i = 0; i < s->n_txns; i++)
		if (streq(s->txns[i].txid, txid))
			return s->txns[i].baseline;
	for (size_t i = 0; i < s->n_rebases; i++)
		if (streq(s->rebases[i].tags.txid, txid))
			return true;
	return false;
}

int txn_finish_restore(struct lvm *l)
{
	struct txn_set s = {};
	int r, ret = 0, done = 0;

	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s.n_restores; i++) {
		const struct txn_restore *x = &s.restores[i];
		_cleanup_free_ char *tag = strdup_printf(TAG_RESTORE_ESP "%s", x->txid);
		char *del[] = {tag, NULL, NULL};

		if (!tag) {
			ret = -ENOMEM;
			break;
		}
		if (!root_rolled_back(&s, x)) {
			log_debug("%s/%s is not rolled back yet: the ESP of %s waits.",
				  x->origin->vg, x->origin->name, x->txid);
			continue;
		}
		r = txn_esp_restore(x->txid, baseline_of(&s, x->txid));
		if (r < 0) {
			log_err("The ESP is still to be put back as it was before transaction %s; "
				"every boot tries again (rewind boot-finish).",
				x->txid);
			ret = ret ?: r;
			continue;
		}
		/* (txn_esp_restore() cleared the one-shot at the rollback entry too.) */
		for (size_t k = 0; x->origin->tags && x->origin->tags[k] && !del[1]; k++)
			if (startswith(x->origin->tags[k], TAG_REARMED))
				del[1] = x->origin->tags[k];
		r = lvm_lv_change_tags(l, x->origin->vg, x->origin->name, NULL, del);
		if (r < 0)
			ret = ret ?: r;
		else
			done = 1;
	}
	txn_set_done(&s);
	return ret < 0 ? ret : done;
}

int txn_refuse_if_rolling_back(const struct txn *t, const char *what)
{
	bool rolling = t->phase == TXN_STATE_ROLLING_BACK, merging = txn_is_merging(t);

	if (!rolling && !merging)
		return 0;
	return log_err_errno(-REFUSE_UNFINISHED,
			     "Transaction %s is being rolled back (a merge started): it can no "
			     "longer be %s. %s",
			     t->txid, what,
			     merging
				 ? "Its merge runs in the background: 'rewind merge-wait' waits "
				   "for the end."
				 : "The next boot finishes the rollback.");
}

/* The one transaction; -REFUSE_NO_TXN when there is none. */
static int txn_only(struct txn_set *s, struct txn **ret)
{
	if (s->n_txns == 0)
		return log_err_errno(-REFUSE_NO_TXN, "No transaction is open.");
	if (s->n_txns > 1)
		log_warning("%zu transactions found; acting on all of them.", s->n_txns);
	*ret = &s->txns[0];
	return 0;
}

char *txn_snapshot_name(const char *origin, const char *txid)
{
	return strdup_printf("%s-rewind-%s", origin, txid);
}

/* An LV named as member's snapshot of txid is in the report (whatever its tags say). */
static bool member_snapshot_named(const struct txn_set *s, const char *member, const char *txid)
{
	_cleanup_free_ char *vg = NULL, *lv = NULL, *name = NULL;

	if (name_split_vg_lv(member, &vg, &lv) < 0)
		return true;
	name = txn_snapshot_name(lv, txid);
	return !name || lvm_report_find_lv(&s->rep, vg, name);
}

int txn_commit(struct lvm *l, char **ret_txid)
{
	struct txn_set s = {};
	struct txn *t;
	int r, ret = 0;

	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	/* A baseline restore that left only its records (its new snapshots not taken yet):
	 * committing ends baseline mode, the volumes keep what they have. */
	if (s.n_txns == 0 && s.n_rebases > 0) {
		if (ret_txid)
			*ret_txid = strdup(s.rebases[0].tags.txid);
		r = txn_rebase_drop(l, &s, s.rebases[0].tags.txid);
		if (r >= 0)
			r = txn_esp_unpin(s.rebases[0].tags.txid);
		goto out;
	}
	r = txn_only(&s, &t);
	if (r < 0)
		goto out;
	if (ret_txid)
		*ret_txid = strdup(t->txid);
	r = txn_refuse_if_rolling_back(t, "committed");
	if (r < 0)
		goto out;
	/* A snapshot hidden with its VG would stay behind and come back as an open transaction.
	 * (A baseline that lost a member's snapshot has none: its origin is visible and no LV of
	 * the snapshot's name is there, not even one whose tags could not be read.) */
	for (size_t k = 0; t->missing && t->missing[k] &&
			   (t->phase == TXN_STATE_OPEN || t->phase == TXN_STATE_ARMED);
	     k++) {
		if (t->baseline && txn_member_visible(&s, t->missing[k]) &&
		    !member_snapshot_named(&s, t->missing[k], t->txid))
			continue;
		r = log_err_errno(
		    -REFUSE_SNAPSHOT,
		    "%s of transaction %s has no snapshot visible (is its volume group "
		    "there? see 'vgs'): committing now would leave its snapshot behind. "
		    "Make the volume group visible and commit again, or remove its "
		    "snapshot with lvremove.",
		    t->missing[k], t->txid);
		goto out;
	}
	/*
	 * An intent first: once any snapshot says committing, the transaction can never be
	 * rolled back (not by hand, not by boot counting, not from the boot menu), and whoever
	 * comes next finishes the removal. Then remove.
	 */
	for (size_t i = 0; i < s.n_txns; i++) {
		r = txn_set_state(l, &s.txns[i], TXN_STATE_COMMITTING, NULL);
		if (r < 0 && s.txns[i].phase != TXN_STATE_COMMITTING) {
			ret = r;
			goto out;
		}
	}
	for (size_t i = 0; i < s.n_txns; i++) {
		r = txn_remove(l, &s.txns[i]);
		ret = ret ?: r;
		/* Baseline mode ends: no new snapshot is to be taken. */
		r = txn_rebase_drop(l, &s, s.txns[i].txid);
		ret = ret ?: r;
	}
	r = ret;
out:
	txn_set_done(&s);
	return r;
}

int txn_cancel(struct lvm *l, char **ret_txid)
{
	struct txn_set s = {};
	const char *armed = NULL;
	int r, ret = 0;

	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s.n_txns; i++) {
		unsigned failed = 0;

		/* A rollback under way (a background merge) says so, not "nothing is armed". */
		if (s.txns[i].phase != TXN_STATE_ARMED && s.txns[i].phase != TXN_STATE_ROLLING_BACK)
			continue;
		r = txn_refuse_if_rolling_back(&s.txns[i], "cancelled");
		if (r < 0) {
			ret = ret ?: r;
			continue;
		}
		armed = s.txns[i].txid;
		if (ret_txid && !*ret_txid)
			*ret_txid = strdup(armed);
		/* Every member back to open, together: a rollback is whole or not at all. */
		r = txn_set_state(l, &s.txns[i], TXN_STATE_OPEN, &failed);
		if (r < 0 || failed > 0)
			ret = ret ?: (r < 0 ? r : -EIO);
	}
	if (!armed && ret == 0)
		ret = log_err_errno(-REFUSE_NO_TXN,
				    "Nothing is armed: there is no rollback to cancel.");
	/* A one-shot boot of the rollback entry passes rd.rewind.rollback=: it would roll back. */
	if (armed && (r = txn_esp_clear_oneshot(armed)) < 0)
		ret = ret ?: r;
	txn_set_done(&s);
	return ret;
}

int txn_audit_esp(struct lvm *l, char ***ret_pending, char ***ret_leftover)
{
	_cleanup_strv_ char **pins = NULL, **pending = NULL, **leftover = NULL;
	struct txn_set s = {};
	int r;

	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < s.n_restores; i++)
		r = strv_extend(&pending, s.restores[i].txid);
	if (r >= 0)
		r = txn_esp_pins(&pins);
	for (size_t i = 0; r >= 0 && pins && pins[i]; i++) {
		bool known = strv_contains(pending, pins[i]);

		for (size_t j = 0; !known && j < s.n_txns; j++)
			known = streq(s.txns[j].txid, pins[i]);
		if (!known)
			r = strv_extend(&leftover, pins[i]);
	}
	txn_set_done(&s);
	if (r < 0)
		return r;
	*ret_pending = TAKE_PTR(pending);
	*ret_leftover = TAKE_PTR(leftover);
	return 0;
}

uint64_t txn_began(const struct txn *t)
{
	uint64_t time = 0;

	for (size_t i = 0; i < t->n_snaps; i++)
		if (t->snaps[i].tags.time)
			time = time ? MIN(time, t->snaps[i].tags.time) : t->snaps[i].tags.time;
	return time;
}

unsigned txn_pending_boots(const struct txn *t)
{
	unsigned n = 0;

	for (size_t i = 0; i < t->n_snaps; i++)
		n = MAX(n, t->snaps[i].tags.pending);
	return n;
}

unsigned txn_good_boots(const struct txn *t)
{
	unsigned n = 0;

	for (size_t i = 0; i < t->n_snaps; i++)
		n = MAX(n, t->snaps[i].tags.good);
	return n;
}

int txn_sweep_pins(struct lvm *l)
{
	_cleanup_strv_ char **pending = NULL, **leftover = NULL;
	int r, ret = 0;

	r = txn_audit_esp(l, &pending, &leftover);
	if (r < 0)
		return r;
	for (size_t i = 0; leftover && leftover[i]; i++) {
		r = txn_esp_sweep(leftover[i]);
		ret = ret ?: r;
	}
	return ret;
}
