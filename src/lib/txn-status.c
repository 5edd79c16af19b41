/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* status: the transactions as one JSON document; the CLI prints it or a table made from it. */
#include "log.h"
#include "paths.h"
#include "txn-auto.h"
#include "txn-esp.h"
#include "txn.h"
#include "util.h"

static int add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	return json_object_object_add(o, key, v) < 0 ? -ENOMEM : 0;
}

/* A value, or JSON null when the value is not known. */
static int add_or_null(struct json_object *o, const char *key, bool known, struct json_object *v)
{
	if (!known) {
		json_object_put(v);
		return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
	}
	return add(o, key, v);
}

/* A string array, [] for NULL. */
static int add_strv(struct json_object *o, const char *key, char *const *l)
{
	struct json_object *a = json_object_new_array();
	int r = a ? add(o, key, a) : -ENOMEM;

	for (size_t i = 0; r >= 0 && l && l[i]; i++)
		r = json_object_array_add(a, json_object_new_string(l[i])) < 0 ? -ENOMEM : 0;
	return r;
}

static struct json_object *snap_json(const struct txn_snap *s)
{
	struct json_object *o = json_object_new_object();
	char fill[32];
	int r = 0;

	if (!o)
		return NULL;
	r = r ?: add(o, "vg", json_object_new_string(s->lv->vg));
	r = r ?: add(o, "origin", json_object_new_string(s->lv->origin));
	r = r ?: add(o, "snapshot", json_object_new_string(s->lv->name));
	r = r ?: add(o, "state", json_object_new_string(txn_state_to_string(s->tags.state)));
	r = r ?: add(o, "size", json_object_new_int64((int64_t)s->lv->size));
	snprintf(fill, sizeof(fill), "%.2f", s->fill);
	r = r
		?: add_or_null(o, "fill_percent", s->fill >= 0,
			       json_object_new_double_s(s->fill, fill));
	r = r ?: add(o, "invalid", json_object_new_boolean(s->invalid));
	r = r ?: add(o, "merging", json_object_new_boolean(s->merging));
	r = r ?: add_or_null(o, "mount", s->tags.mnt, json_object_new_string(s->tags.mnt ?: ""));
	r = r ?: add(o, "root", json_object_new_boolean(s->tags.root));
	r = r ?: add(o, "time", json_object_new_int64((int64_t)s->tags.time));
	if (r < 0 && o) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* "auto": the boot counters, the policy, when auto-commit may commit. */
static int auto_status_add(struct json_object *o, const struct txn *t)
{
	struct json_object *a = json_object_new_object();
	struct conf c;
	int r;

	if (!a)
		return -ENOMEM;
	conf_init(&c);
	(void)conf_load(path_conf(), &c, NULL);
	r = add(o, "auto", a);
	r = r ?: add(a, "pending_boots", json_object_new_int64(txn_pending_boots(t)));
	r = r ?: add(a, "good_boots", json_object_new_int64(txn_good_boots(t)));
	r = r ?: add(a, "auto_rollback_boots", json_object_new_int64(txn_auto_boots(t, &c)));
	/* Recorded at begin (what the boot side uses), or read from rewind.conf now. */
	r = r
		?: add(a, "auto_rollback_boots_recorded",
		       json_object_new_boolean(t->auto_boots >= 0));
	r = r ?: add(a, "auto_commit_after", json_object_new_int64((int64_t)c.auto_commit_after));
	/* When the grace period ends (UNIX time); null when auto-commit is off. */
	r = r
		?: add_or_null(
		       a, "auto_commit_not_before", c.auto_commit_after > 0,
		       json_object_new_int64((int64_t)(txn_began(t) + c.auto_commit_after)));
	conf_done(&c);
	return r;
}

int txn_status_json(struct lvm *l, struct json_object **ret)
{
	struct json_object *root = NULL, *txns = NULL, *outcome;
	_cleanup_free_ char *opath = NULL;
	struct txn_set s = {};
	int r;

	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	root = json_object_new_object();
	txns = json_object_new_array();
	if (!root || !txns) {
		r = -ENOMEM;
		goto fail;
	}
	r = add(root, "transactions", txns);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < s.n_txns; i++) {
		const struct txn *t = &s.txns[i];
		struct json_object *o = json_object_new_object(), *snaps = json_object_new_array();
		r = (o && snaps) ? 0 : -ENOMEM;
		r = r ?: json_object_array_add(txns, o);
		r = r ?: add(o, "txid", json_object_new_string(t->txid));
		r = r ?: add(o, "state", json_object_new_string(txn_state_to_string(t->phase)));
		r = r ?: add_strv(o, "members", t->members);
		r = r ?: add_strv(o, "missing", t->missing);
		r = r ?: add(o, "time", json_object_new_int64((int64_t)txn_began(t)));
		r = r ?: add(o, "volumes", snaps);
		r = r ?: txn_esp_status_add(o, t->txid); /* "boot": the rollback entry, or null */
		r = r ?: auto_status_add(o, t);		 /* "auto": boot counts, auto-commit time */
		for (size_t j = 0; r >= 0 && j < t->n_snaps; j++)
			r = json_object_array_add(snaps, snap_json(&t->snaps[j])) < 0 ? -ENOMEM : 0;
		if (r < 0)
			goto fail;
	}
	/* Root rolled back, the ESP not yet put back (boot-finish retries at every boot). */
	{
		_cleanup_strv_ char **pending = NULL;
		for (size_t i = 0; r >= 0 && i < s.n_restores; i++)
			r = strv_extend(&pending, s.restores[i].txid);
		r = r < 0 ? r : add_strv(root, "esp_restore_pending", pending);
		if (r < 0)
			goto fail;
	}
	opath = strdup_printf("%s/outcome.json", path_rundir());
	if (!opath) {
		r = -ENOMEM;
		goto fail;
	}
	outcome = access(opath, F_OK) == 0 ? json_object_from_file(opath) : NULL;
	if (!outcome && access(opath, F_OK) == 0)
		log_warning("Ignoring %s: not valid JSON.", opath);
	r = add_or_null(root, "last_boot", outcome, outcome);
	if (r < 0)
		goto fail;
	txn_set_done(&s);
	*ret = root;
	return 0;
fail:
	json_object_put(root);
	txn_set_done(&s);
	return r;
}
