/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one place the library's structs become JSON: status --json and list --json (struct
 * txn_status), the boot's outcome file and its line in the history (struct txn_outcome), and the
 * outcome file read back. The field names and shapes are an interface (scripts, rewind(8),
 * rewind-units(7), the VM scenarios): add fields, never rename one.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "boot.h"
#include "escape.h"
#include "health.h"
#include "json-util.h"
#include "txn-diff.h"
#include "txn-history.h"
#include "txn-packages.h"
#include "txn.h"
#include "util.h"

static json_object *health_json(const struct health_report *h);

/* r, with o freed on failure; o otherwise. */
static json_object *built(int r, json_object *o)
{
	if (r < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* o's member key: an array of fn(&items[i]) for each of the n items. */
#define add_array_of(o, key, items, n, fn)                                                         \
	({                                                                                         \
		json_object *_a = jadd_array(o, key);                                              \
		int _r = _a ? 0 : -ENOMEM;                                                         \
                                                                                                   \
		for (size_t _i = 0; _r >= 0 && _i < (n); _i++)                                     \
			_r = jappend(_a, fn(&(items)[_i]));                                        \
		_r;                                                                                \
	})

static int to_string(json_object *o, int flags, char **ret)
{
	const char *s =
	    o ? json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;

	*ret = s ? strdup(s) : NULL;
	return *ret ? 0 : -ENOMEM;
}

static json_object *volume_json(const struct txn_status_volume *v)
{
	json_object *o = json_object_new_object();
	char fill[32];
	int r = o ? 0 : -ENOMEM;

	snprintf(fill, sizeof(fill), "%.2f", v->fill);
	r = r ?: jadd_str(o, "vg", v->vg);
	r = r ?: jadd_str(o, "origin", v->origin);
	r = r ?: jadd_str(o, "snapshot", v->snapshot);
	r = r ?: jadd_str(o, "state", txn_state_to_string(v->state));
	r = r ?: jadd_u64(o, "size", v->size);
	r = r
		?: jadd_or_null(o, "fill_percent", v->fill >= 0,
				json_object_new_double_s(v->fill, fill));
	r = r ?: jadd(o, "invalid", json_object_new_boolean(v->invalid));
	r = r ?: jadd(o, "merging", json_object_new_boolean(v->merging));
	r = r
		?: jadd_or_null(o, "merge_remaining_sectors", v->merge_remaining_sectors >= 0,
				json_object_new_int64(v->merge_remaining_sectors));
	r = r ?: jadd_str(o, "mount", v->mount);
	r = r ?: jadd(o, "root", json_object_new_boolean(v->root));
	r = r ?: jadd_u64(o, "time", v->time);
	r = r
		?: jadd_or_null(o, "thin_pool", v->pool,
				v->pool ? json_object_new_string(v->pool) : NULL);
	return built(r, o);
}

/* "auto": the boot counters, the policy, when auto-commit may commit. */
static json_object *auto_json(const struct txn_status_auto *a)
{
	json_object *o = json_object_new_object();
	int r = o ? 0 : -ENOMEM;

	r = r ?: jadd_u64(o, "pending_boots", a->pending_boots);
	r = r ?: jadd_u64(o, "good_boots", a->good_boots);
	r = r ?: jadd_u64(o, "auto_rollback_boots", a->auto_rollback_boots);
	r = r
		?: jadd(o, "auto_rollback_boots_recorded",
			json_object_new_boolean(a->auto_rollback_boots_recorded));
	r = r ?: jadd_u64(o, "auto_commit_after", a->auto_commit_after);
	/* null when auto-commit is off */
	r = r
		?: jadd_or_null(o, "auto_commit_not_before", a->auto_commit_not_before > 0,
				json_object_new_int64((int64_t)a->auto_commit_not_before));
	return built(r, o);
}

/* A boot counter: null when there is none. */
static int add_tries_left(json_object *o, const char *key, int tries_left)
{
	return jadd_or_null(o, key, tries_left >= 0, json_object_new_int(tries_left));
}

static json_object *counted_json(const struct boot_counted *c)
{
	json_object *o = json_object_new_object();
	int r = o ? 0 : -ENOMEM;

	r = r ?: jadd_str(o, "entry", c->entry);
	r = r ?: add_tries_left(o, "tries_left", c->tries_left);
	return built(r, o);
}

/* "boot": the rollback entry ("counted" and "tries" only with boot counting). */
static json_object *boot_json(const struct boot_rollback_entry *e)
{
	json_object *o = json_object_new_object();
	int r = o ? 0 : -ENOMEM;

	r = r ?: jadd_str(o, "entry", e->entry);
	r = r ?: jadd(o, "present", json_object_new_boolean(e->present));
	r = r ?: add_tries_left(o, "entry_tries_left", e->entry_tries_left);
	r = r ?: jadd_str(o, "title", e->title);
	r = r ?: jadd_str(o, "pinned_from", e->pinned_from);
	r = r ?: jadd_str(o, "version", e->version);
	if (e->linux_path)
		r = r ?: jadd_str(o, "linux", e->linux_path);
	r = r ?: jadd_u64(o, "size", e->size);
	r = r ?: jadd_str(o, "esp", e->esp);
	if (!e->counting)
		return built(r, o);
	r = r ?: jadd_u64(o, "tries", e->tries);
	r = r ?: add_array_of(o, "counted", e->counted, e->n_counted, counted_json);
	return built(r, o);
}

/* What is not recorded is left out, so that an outcome read back is written out as it was. */
static json_object *outcome_volume_json(const struct txn_outcome_volume *v)
{
	json_object *o = json_object_new_object();
	int r = o ? 0 : -ENOMEM;

	if (v->volume)
		r = r ?: jadd_str(o, "volume", v->volume);
	if (v->snapshot)
		r = r ?: jadd_str(o, "snapshot", v->snapshot);
	if (v->result >= 0)
		r = r ?: jadd_str(o, "result", txn_outcome_result_to_string(v->result));
	if (v->merging)
		r = r ?: jadd(o, "merging", json_object_new_boolean(true));
	if (v->error)
		r = r ?: jadd_str(o, "error", v->error);
	if (v->seconds >= 0)
		r = r ?: jadd(o, "seconds", json_object_new_double(v->seconds));
	if (v->root >= 0)
		r = r ?: jadd(o, "root", json_object_new_boolean(v->root));
	return built(r, o);
}

static json_object *outcome_json(const struct txn_outcome *x)
{
	json_object *o = json_object_new_object();
	int r = o ? 0 : -ENOMEM;

	if (x->txid)
		r = r ?: jadd_str(o, "txid", x->txid);
	if (x->pinned >= 0)
		r = r ?: jadd(o, "pinned", json_object_new_boolean(x->pinned));
	if (x->baseline > 0)
		r = r ?: jadd(o, "baseline", json_object_new_boolean(true));
	if (x->result >= 0)
		r = r ?: jadd_str(o, "result", txn_outcome_result_to_string(x->result));
	r = r ?: add_array_of(o, "volumes", x->volumes, x->n_volumes, outcome_volume_json);
	if (x->time > 0)
		r = r ?: jadd_u64(o, "time", x->time);
	return built(r, o);
}

/* ---- the package record of a transaction (txn-packages.h) ---- */

static json_object *package_json(const struct txn_package *p)
{
	json_object *o = json_object_new_object();
	int r = o ? 0 : -ENOMEM;

	r = r ?: jadd_str(o, "name", p->name);
	r = r ?: jadd_str(o, "arch", p->arch);
	r = r ?: jadd_str(o, "action", txn_pkg_action_to_string(p->action));
	r = r ?: jadd_str(o, "old_version", p->old_version);
	r = r ?: jadd_str(o, "new_version", p->new_version);
	return built(r, o);
}

static json_object *package_run_json(const struct txn_package_run *run)
{
	json_object *o = json_object_new_object();
	int r = o ? 0 : -ENOMEM;

	r = r ?: jadd_u64(o, "time", run->time);
	r = r ?: add_array_of(o, "packages", run->packages, run->n_packages, package_json);
	return built(r, o);
}

/* The record file's object, and status's "packages" of a transaction. */
static json_object *packages_json(const struct txn_packages *p)
{
	json_object *o = json_object_new_object();
	int r = o ? 0 : -ENOMEM;

	r = r ?: jadd_str(o, "txid", p->txid);
	r = r ?: jadd_str(o, "begun_by", p->begun_by_apt ? "apt" : "hand");
	r = r ?: jadd_u64(o, "began", p->began);
	r = r ?: add_array_of(o, "runs", p->runs, p->n_runs, package_run_json);
	return built(r, o);
}

static json_object *txn_json(const struct txn_status_txn *t)
{
	json_object *o = json_object_new_object();
	int r = o ? 0 : -ENOMEM;

	r = r ?: jadd_str(o, "txid", t->txid);
	r = r ?: jadd_str(o, "state", txn_state_to_string(t->state));
	r = r ?: jadd_strv(o, "members", t->members);
	r = r ?: jadd_strv(o, "missing", t->missing);
	r = r ?: jadd_u64(o, "time", t->time);
	r = r ?: jadd(o, "baseline", json_object_new_boolean(t->baseline));
	r = r ?: jadd_u64(o, "restores", t->restores);
	r = r ?: add_array_of(o, "volumes", t->volumes, t->n_volumes, volume_json);
	/* null without a rollback entry */
	r = r ?: jadd_or_null(o, "boot", t->boot, t->boot ? boot_json(t->boot) : NULL);
	r = r ?: jadd(o, "auto", auto_json(&t->automatic));
	/* null without a package record (no apt run since it began) */
	r = r
		?: jadd_or_null(o, "packages", t->packages,
				t->packages ? packages_json(t->packages) : NULL);
	return built(r, o);
}

int txn_status_to_json(const struct txn_status *s, bool transactions_only, char **ret)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	int r = o ? 0 : -ENOMEM;

	r = r ?: add_array_of(o, "transactions", s->txns, s->n_txns, txn_json);
	if (transactions_only)
		return r < 0 ? r
			     : to_string(jget(o, "transactions", json_type_array),
					 JSON_C_TO_STRING_PRETTY, ret);
	r = r ?: jadd_strv(o, "esp_restore_pending", s->esp_restore_pending);
	r = r
		?: jadd_or_null(o, "last_boot", s->last_boot,
				s->last_boot ? outcome_json(s->last_boot) : NULL);
	/* null: no transaction open, or no health check ran at this boot */
	r = r ?: jadd_or_null(o, "health", s->health, s->health ? health_json(s->health) : NULL);
	return r < 0 ? r : to_string(o, JSON_C_TO_STRING_PRETTY, ret);
}

int txn_outcome_to_json(const struct txn_outcome *x, bool one_line, char **ret)
{
	_cleanup_(json_object_putp) json_object *o = outcome_json(x);

	return to_string(o, one_line ? JSON_C_TO_STRING_PLAIN : JSON_C_TO_STRING_PRETTY, ret);
}

static int bool_member(json_object *o, const char *key)
{
	json_object *v = jget(o, key, json_type_boolean);

	return v ? json_object_get_boolean(v) : -1;
}

static double number_member(json_object *o, const char *key)
{
	json_object *v = jget(o, key, json_type_double);
	double d = v ? json_object_get_double(v) : -1;

	return d >= 0 ? d : -1;
}

static int outcome_volume_from_object(json_object *o, struct txn_outcome_volume *v)
{
	*v = (struct txn_outcome_volume){
	    .result = txn_outcome_result_from_string(jget_str(o, "result")),
	    .seconds = number_member(o, "seconds"),
	    .merging = bool_member(o, "merging") > 0,
	    .root = bool_member(o, "root"),
	};
	if (jget_strdup(o, "volume", &v->volume) < 0 ||
	    jget_strdup(o, "snapshot", &v->snapshot) < 0 || jget_strdup(o, "error", &v->error) < 0)
		return -ENOMEM;
	return 0;
}

/* Leniently: an older rewind may have written fewer fields; what is missing stays unknown. */
static int outcome_from_object(json_object *o, struct txn_outcome *ret)
{
	json_object *vols = jget(o, "volumes", json_type_array),
		    *t = jget(o, "time", json_type_int);
	size_t n = vols ? json_object_array_length(vols) : 0;
	struct txn_outcome x = {
	    .pinned = bool_member(o, "pinned"),
	    .baseline = bool_member(o, "baseline"),
	    .result = txn_outcome_result_from_string(jget_str(o, "result")),
	    .time = t && json_object_get_int64(t) > 0 ? (uint64_t)json_object_get_int64(t) : 0,
	};
	int r;

	if (!json_object_is_type(o, json_type_object))
		return -EBADMSG;
	r = jget_strdup(o, "txid", &x.txid);
	if (r >= 0 && n > 0 && !(x.volumes = calloc(n, sizeof(*x.volumes))))
		r = -ENOMEM;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		json_object *v = json_object_array_get_idx(vols, i);

		if (!json_object_is_type(v, json_type_object))
			continue;
		r = outcome_volume_from_object(v, &x.volumes[x.n_volumes++]);
	}
	if (r < 0) {
		txn_outcome_done(&x);
		return r;
	}
	*ret = x;
	return 0;
}

int txn_outcome_from_json(const char *text, struct txn_outcome *ret)
{
	_cleanup_(json_object_putp) json_object *o = json_tokener_parse(text);

	return outcome_from_object(o, ret);
}

int txn_outcome_read(const char *path, struct txn_outcome *ret)
{
	_cleanup_(json_object_putp) json_object *o = NULL;

	if (access(path, F_OK) < 0)
		return -errno;
	o = json_object_from_file(path);
	return outcome_from_object(o, ret);
}

/* ---- rewind diff --json (txn-diff.h) ---- */

/* A file name or symlink target: a string when it is valid UTF-8, else the array of its bytes
 * (as journalctl -o json writes a field that is not): JSON text stays valid, nothing is lost. */
static json_object *bytes_json(const char *s)
{
	json_object *a;

	if (utf8_valid(s))
		return json_object_new_string(s);
	a = json_object_new_array();
	for (const unsigned char *p = (const unsigned char *)s; a && *p; p++)
		if (jappend(a, json_object_new_int(*p)) < 0) {
			json_object_put(a);
			return NULL;
		}
	return a;
}

static json_object *diff_node_json(const struct tree_node *n)
{
	json_object *o = json_object_new_object();
	char mode[16], rdev[32];
	int r = o ? 0 : -ENOMEM;

	snprintf(mode, sizeof(mode), "%04o", (unsigned)(n->mode & 07777));
	r = r ?: jadd_str(o, "type", tree_type_to_string(n->mode));
	r = r ?: jadd_str(o, "mode", mode);
	r = r ?: jadd_u64(o, "uid", n->uid);
	r = r ?: jadd_u64(o, "gid", n->gid);
	r = r ?: jadd_u64(o, "size", n->size);
	r = r ?: jadd(o, "mtime", json_object_new_int64(n->mtime_sec));
	r = r ?: jadd(o, "mtime_nsec", json_object_new_int64(n->mtime_nsec));
	if (S_ISLNK(n->mode))
		r = r ?: jadd(o, "target", bytes_json(n->target ?: ""));
	if (S_ISBLK(n->mode) || S_ISCHR(n->mode)) {
		snprintf(rdev, sizeof(rdev), "%u:%u", major(n->rdev), minor(n->rdev));
		r = r ?: jadd_str(o, "rdev", rdev);
	}
	return built(r, o);
}

static json_object *diff_change_json(const struct txn_diff_change *c)
{
	json_object *o = json_object_new_object(), *what;
	int r = o ? 0 : -ENOMEM;

	r = r ?: jadd(o, "path", bytes_json(c->path));
	r = r ?: jadd_str(o, "change", tree_change_to_string(c->change));
	what = r >= 0 ? jadd_array(o, "what") : NULL;
	if (!what)
		r = -ENOMEM;
	for (unsigned b = 0; r >= 0 && b < _TREE_DIFF_BITS; b++)
		if (c->what & (1u << b)) {
			char name[16];

			tree_diff_what_to_string(1u << b, name, sizeof(name));
			r = jappend(what, json_object_new_string(name));
		}
	if (c->change != TREE_ADDED)
		r = r ?: jadd(o, "old", diff_node_json(&c->old_node));
	if (c->change != TREE_REMOVED)
		r = r ?: jadd(o, "new", diff_node_json(&c->new_node));
	return built(r, o);
}

static json_object *diff_volume_json(const struct txn_diff_volume *v)
{
	json_object *o = json_object_new_object(), *sum = json_object_new_object();
	int r = o && sum ? 0 : -ENOMEM;

	r = r ?: jadd_str(o, "volume", v->m.volume);
	r = r ?: jadd_str(o, "snapshot", v->m.snapshot);
	r = r ?: jadd_str(o, "fstype", v->m.fstype);
	r = r ?: jadd_or_null(o, "mount", v->m.mount, v->m.mount ? bytes_json(v->m.mount) : NULL);
	r = r
		?: jadd_or_null(o, "error", v->m.result < 0,
				v->m.result < 0
				    ? json_object_new_string(rewind_strerror(v->m.result))
				    : NULL);
	r = r ?: add_array_of(o, "changes", v->changes, v->n_changes, diff_change_json);
	r = r ?: jadd_u64(sum, "compared", v->m.stats.compared);
	r = r ?: jadd_u64(sum, "added", v->m.stats.added);
	r = r ?: jadd_u64(sum, "removed", v->m.stats.removed);
	r = r ?: jadd_u64(sum, "modified", v->m.stats.modified);
	r = r ?: jadd_u64(sum, "errors", v->m.stats.errors);
	if (r >= 0) {
		r = jadd(o, "summary", sum);
		sum = NULL;
	}
	json_object_put(sum);
	return built(r, o);
}

int txn_diff_to_json(const struct txn_diff_result *d, char **ret)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	int r = o ? 0 : -ENOMEM;

	r = r ?: jadd_str(o, "transaction", d->txid);
	r = r ?: add_array_of(o, "volumes", d->volumes, d->n_volumes, diff_volume_json);
	if (r < 0)
		return r;
	return to_string(o, JSON_C_TO_STRING_PRETTY, ret);
}

/* ---- rewind history --json: the outcomes of history.jsonl as one array ---- */

int txn_history_to_json(const struct txn_outcome *o, size_t n, char **ret)
{
	_cleanup_(json_object_putp) json_object *a = json_object_new_array();
	int r = a ? 0 : -ENOMEM;

	for (size_t i = 0; r >= 0 && i < n; i++)
		r = jappend(a, outcome_json(&o[i]));
	if (r < 0)
		return r;
	return to_string(a, JSON_C_TO_STRING_PRETTY, ret);
}

int txn_packages_to_json(const struct txn_packages *p, bool one_line, char **ret)
{
	_cleanup_(json_object_putp) json_object *o = packages_json(p);

	return to_string(o, one_line ? JSON_C_TO_STRING_PLAIN : JSON_C_TO_STRING_PRETTY, ret);
}

static uint64_t u64_member(json_object *o, const char *key)
{
	json_object *v = jget(o, key, json_type_int);
	int64_t n = v ? json_object_get_int64(v) : 0;

	return n > 0 ? (uint64_t)n : 0;
}

/* An optional field of a package: absent, null or a valid field (else -EBADMSG). */
static int package_field(json_object *o, const char *key, char **ret)
{
	const char *s = jget_str(o, key);

	*ret = NULL;
	if (!s)
		return 0;
	if (!apt_field_valid(s))
		return -EBADMSG;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

/* One package: 0, -EBADMSG when it is none (skipped), -ENOMEM. */
static int package_from_object(json_object *o, struct txn_package *ret)
{
	struct txn_package p = {
	    .action = txn_pkg_action_from_string(jget_str(o, "action")),
	};
	int r;

	if (p.action < 0)
		return -EBADMSG;
	r = package_field(o, "name", &p.name);
	r = r ?: package_field(o, "arch", &p.arch);
	r = r ?: package_field(o, "old_version", &p.old_version);
	r = r ?: package_field(o, "new_version", &p.new_version);
	if (r == 0 && !p.name)
		r = -EBADMSG;
	if (r < 0) {
		txn_package_done(&p);
		return r;
	}
	*ret = p;
	return 0;
}

static int package_run_from_object(json_object *o, struct txn_package_run *ret)
{
	json_object *pkgs = jget(o, "packages", json_type_array);
	size_t n = pkgs ? MIN(json_object_array_length(pkgs), (size_t)APT_PACKAGES_MAX) : 0;
	struct txn_package_run run = {.time = u64_member(o, "time")};
	int r = 0;

	if (n > 0 && !(run.packages = calloc(n, sizeof(*run.packages))))
		return -ENOMEM;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		r = package_from_object(json_object_array_get_idx(pkgs, i),
					&run.packages[run.n_packages]);
		if (r == 0)
			run.n_packages++;
		else if (r == -EBADMSG)
			r = 0; /* skipped */
	}
	if (r < 0) {
		txn_package_run_done(&run);
		return r;
	}
	*ret = run;
	return 0;
}

/* Defensively: a record is an object with a valid txid; runs and packages that are no such
 * thing are skipped. */
static int packages_from_object(json_object *o, struct txn_packages *ret)
{
	json_object *runs = jget(o, "runs", json_type_array);
	size_t n = runs ? MIN(json_object_array_length(runs), (size_t)TXN_PACKAGES_RUNS_MAX) : 0;
	const char *txid = jget_str(o, "txid");
	struct txn_packages p = {
	    .begun_by_apt = streq(jget_str(o, "begun_by") ?: "", "apt"),
	    .began = u64_member(o, "began"),
	};
	int r = 0;

	if (!json_object_is_type(o, json_type_object) || !txid || name_valid_txid(txid) < 0)
		return -EBADMSG;
	p.txid = strdup(txid);
	if (!p.txid || (n > 0 && !(p.runs = calloc(n, sizeof(*p.runs)))))
		r = -ENOMEM;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		json_object *x = json_object_array_get_idx(runs, i);

		if (!json_object_is_type(x, json_type_object))
			continue;
		r = package_run_from_object(x, &p.runs[p.n_runs]);
		if (r == 0)
			p.n_runs++;
	}
	if (r < 0) {
		txn_packages_done(&p);
		return r;
	}
	*ret = p;
	return 0;
}

int txn_packages_from_json(const char *text, struct txn_packages *ret)
{
	_cleanup_(json_object_putp) json_object *o = json_tokener_parse(text);

	return packages_from_object(o, ret);
}

/* ---- the health checks' results (health.h), path_rundir()/health.json ---- */

static json_object *health_check_json(const struct health_check *c)
{
	json_object *o = json_object_new_object();
	int r = o ? 0 : -ENOMEM;

	r = r ?: jadd_str(o, "name", c->name);
	r = r ?: jadd_str(o, "type", health_type_to_string(c->type));
	r = r ?: jadd_str(o, "result", health_result_to_string(c->result));
	r = r
		?: jadd_or_null(o, "exit_status", c->exit_status >= 0,
				json_object_new_int(c->exit_status));
	r = r ?: jadd_or_null(o, "signal", c->signal >= 0, json_object_new_int(c->signal));
	r = r ?: jadd_or_null(o, "seconds", c->seconds >= 0, json_object_new_double(c->seconds));
	return built(r, o);
}

static json_object *health_json(const struct health_report *h)
{
	json_object *o = json_object_new_object();
	int r = o ? 0 : -ENOMEM;

	r = r ?: jadd_str(o, "boot_id", h->boot_id);
	r = r ?: jadd_u64(o, "time", h->time);
	r = r ?: jadd_u64(o, "timeout", h->timeout);
	r = r ?: jadd_str(o, "result", health_result_to_string(h->result));
	r = r ?: add_array_of(o, "checks", h->checks, h->n_checks, health_check_json);
	return built(r, o);
}

int health_report_to_json(const struct health_report *h, bool one_line, char **ret)
{
	_cleanup_(json_object_putp) json_object *o = health_json(h);

	return to_string(o, one_line ? JSON_C_TO_STRING_PLAIN : JSON_C_TO_STRING_PRETTY, ret);
}

/* A non-negative int member that fits an int; -1 when absent or out of range. */
static int small_int_member(json_object *o, const char *key)
{
	json_object *v = jget(o, key, json_type_int);
	int64_t n = v ? json_object_get_int64(v) : -1;

	return n >= 0 && n <= INT32_MAX ? (int)n : -1;
}

static int health_from_object(json_object *o, struct health_report *ret)
{
	json_object *checks = jget(o, "checks", json_type_array);
	size_t n = checks ? json_object_array_length(checks) : 0;
	const char *boot_id = jget_str(o, "boot_id");
	struct health_report h = {
	    .time = u64_member(o, "time"),
	    .timeout = u64_member(o, "timeout"),
	    .result = health_result_from_string(jget_str(o, "result")),
	};
	int r = 0;

	if (!json_object_is_type(o, json_type_object))
		return -EBADMSG;
	/* Only what a boot ID can be; anything else is unknown (never this boot's). */
	if (boot_id && strlen(boot_id) <= BOOT_ID_LEN)
		snprintf(h.boot_id, sizeof(h.boot_id), "%s", boot_id);
	if (n > 0 && !(h.checks = calloc(n, sizeof(*h.checks))))
		r = -ENOMEM;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		json_object *c = json_object_array_get_idx(checks, i);
		struct health_check *x;

		if (!json_object_is_type(c, json_type_object))
			continue;
		x = &h.checks[h.n_checks++];
		*x = (struct health_check){
		    .type = health_type_from_string(jget_str(c, "type")),
		    .result = health_result_from_string(jget_str(c, "result")),
		    .exit_status = small_int_member(c, "exit_status"),
		    .signal = small_int_member(c, "signal"),
		    .seconds = number_member(c, "seconds"),
		};
		r = jget_strdup(c, "name", &x->name);
	}
	if (r < 0) {
		health_report_done(&h);
		return r;
	}
	*ret = h;
	return 0;
}

int health_report_from_json(const char *text, struct health_report *ret)
{
	_cleanup_(json_object_putp) json_object *o = json_tokener_parse(text);

	return health_from_object(o, ret);
}

int health_report_read(const char *path, struct health_report *ret)
{
	_cleanup_(json_object_putp) json_object *o = NULL;

	if (access(path, F_OK) < 0)
		return -errno;
	o = json_object_from_file(path);
	return health_from_object(o, ret);
}
