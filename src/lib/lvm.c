/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblvm2cmd: one handle, commands as strings, output through a global log callback. Report
 * output arrives at LVM2_LOG_PRINT one line per call, so a JSON report is joined in a buffer
 * before json-c parses it.
 */
#include <inttypes.h>
#include <signal.h>
#include <lvm2cmd.h>
#include <stdarg.h>

#include "json-util.h"
#include "log.h"
#include "lvm.h"
#include "names.h"
#include "util.h"

/* Polling in our own process (no lvmpolld: dracut disables it, and we wait anyway), every second.
 */
#define LVM_POLL_OPTS "--config global/use_lvmpolld=0 -i 1"

struct lvm {
	void *handle;
};

/* lvm2_log_fn() is process-global; so is the capture buffer of the command running now. */
static FILE *capture;

static void lvm_log_cb(int level, const char *file, int line, int dm_errno, const char *message)
{
	level &= 0xf;
	if (level == LVM2_LOG_PRINT && capture) {
		fputs(message, capture);
		fputc('\n', capture);
		return;
	}
	if (level <= LVM2_LOG_ERROR)
		log_err("lvm: %s", message);
	else
		log_debug("lvm: %s", message);
}

int lvm_new(struct lvm **ret)
{
	struct lvm *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	/* We open no stray descriptors on purpose; LVM's warning about inherited ones is noise. */
	setenv("LVM_SUPPRESS_FD_WARNINGS", "1", 0);
	lvm2_log_fn(lvm_log_cb);
	l->handle = lvm2_init();
	if (!l->handle) {
		free(l);
		return log_err_errno(-EIO, "Failed to initialise liblvm2cmd.");
	}
	/* Level 4 keeps verbose/debug lines out of the report output. */
	lvm2_log_level(l->handle, LVM2_LOG_PRINT);
	*ret = l;
	return 0;
}

void lvm_free(struct lvm *l)
{
	if (l->handle)
		lvm2_exit(l->handle);
	free(l);
}

void lvm_disable_monitoring(struct lvm *l)
{
	lvm2_disable_dmeventd_monitoring(l->handle);
}

static int lvm_rc_to_errno(int rc)
{
	switch (rc) {
	case LVM2_COMMAND_SUCCEEDED:
		return 0;
	case LVM2_NO_SUCH_COMMAND:
		return -EOPNOTSUPP;
	default:
		/* Including LVM2_INVALID_PARAMETERS: we validated the input, so LVM failed. */
		return -EIO;
	}
}

/* Run one command; output, when wanted, is returned as one string. */
static int lvm_run(struct lvm *l, char **ret_output, const char *cmd)
{
	_cleanup_free_ char *out = NULL;
	size_t out_size = 0;
	int rc, r;

	log_debug("Running lvm %s", cmd);
	if (ret_output) {
		capture = open_memstream(&out, &out_size);
		if (!capture)
			return -ENOMEM;
	}
	{
		/* A command that forks a background poller (become_daemon) leaves a SIGCHLD
		 * handler that reaps every child of this process: ours to wait for. */
		struct sigaction old;

		(void)sigaction(SIGCHLD, NULL, &old);
		rc = lvm2_run(l->handle, cmd);
		(void)sigaction(SIGCHLD, &old, NULL);
	}
	if (capture) {
		fclose(capture);
		capture = NULL;
	}
	r = lvm_rc_to_errno(rc);
	if (r < 0)
		return log_err_errno(r, "lvm %s failed (%d).", cmd, rc);
	if (ret_output)
		*ret_output = TAKE_PTR(out);
	return 0;
}

_printf_(3, 4) static int lvm_runf(struct lvm *l, char **ret_output, const char *fmt, ...)
{
	_cleanup_free_ char *cmd = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	return lvm_run(l, ret_output, cmd);
}

static int check_vg_lv(const char *vg, const char *lv)
{
	if (name_valid_vg(vg) < 0 || name_valid_lv(lv) < 0)
		return log_err_errno(-EINVAL, "Refusing invalid LVM name '%s/%s'.", vg, lv);
	return 0;
}

static const char *jstr(struct json_object *o, const char *key)
{
	return jget_str(o, key) ?: "";
}

static int jdup(struct json_object *o, const char *key, char **ret)
{
	*ret = strdup(jstr(o, key));
	return *ret ? 0 : -ENOMEM;
}

static uint64_t ju64(struct json_object *o, const char *key)
{
	uint64_t v = 0;

	(void)safe_atou64(jstr(o, key), &v);
	return v;
}

/* The list of one kind ("lv") inside LVM's {"report": [{"lv": [...]}]}. */
static int report_array(const char *text, const char *kind, struct json_object **ret_root,
			struct json_object **ret)
{
	struct json_object *root, *report, *item;
	struct json_tokener *tok;
	const char *start = text;

	/*
	 * LVM's warnings arrive at the same level as the report, and before it (the JSON report is
	 * written when the command ends): the document starts at the first line opening with '{'.
	 */
	while (*start) {
		const char *nl = strchr(start, '\n'), *p = start;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '{')
			break;
		log_warning("lvm: %.*s", (int)(nl ? nl - p : (ptrdiff_t)strlen(p)), p);
		start = nl ? nl + 1 : start + strlen(start);
	}
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, start, (int)strlen(start));
	if (root && json_tokener_get_parse_end(tok) < strlen(start))
		log_debug("Ignoring text after the LVM %s report.", kind);
	json_tokener_free(tok);
	if (!root)
		return log_err_errno(-EBADMSG, "Failed to parse the LVM %s report.", kind);
	report = jget(root, "report", json_type_array);
	if (!report || json_object_array_length(report) < 1) {
		json_object_put(root);
		return log_err_errno(-EBADMSG, "Unexpected LVM %s report.", kind);
	}
	item = json_object_array_get_idx(report, 0);
	*ret = jget(item, kind, json_type_array);
	if (!*ret) {
		json_object_put(root);
		return log_err_errno(-EBADMSG, "LVM %s report without '%s'.", kind, kind);
	}
	*ret_root = root;
	return 0;
}

static void unbracket(char *name)
{
	size_t n = strlen(name);

	if (n >= 2 && name[0] == '[' && name[n - 1] == ']') {
		memmove(name, name + 1, n - 2);
		name[n - 2] = '\0';
	}
}

static int parse_lv(struct json_object *o, struct lvm_lv *lv)
{
	const char *pct = jstr(o, "snap_percent"), *tags = jstr(o, "lv_tags");
	int r = 0;

	if (jdup(o, "vg_name", &lv->vg) < 0 || jdup(o, "lv_name", &lv->name) < 0 ||
	    jdup(o, "lv_attr", &lv->attr) < 0 || jdup(o, "origin", &lv->origin) < 0 ||
	    jdup(o, "lv_dm_path", &lv->dm_path) < 0 || jdup(o, "lv_path", &lv->path) < 0)
		return -ENOMEM;
	/* LVM brackets the names of hidden LVs, such as a snapshot that is merging. */
	unbracket(lv->name);
	lv->tags = strv_split_char(tags, ',');
	if (!lv->tags)
		return -ENOMEM;
	lv->size = ju64(o, "lv_size");
	lv->snap_percent = *pct ? strtod(pct, NULL) : -1;
	lv->snapshot_invalid = streq(jstr(o, "lv_snapshot_invalid"), "1");
	lv->merging = streq(jstr(o, "lv_merging"), "1");
	if (jdup(o, "pool_lv", &lv->pool) < 0)
		return -ENOMEM;
	unbracket(lv->pool);
	lv->thin = lv->attr[0] == 'V' && *lv->pool;
	lv->metadata_size = ju64(o, "lv_metadata_size");
	pct = jstr(o, "data_percent");
	lv->data_percent = *pct ? strtod(pct, NULL) : -1;
	pct = jstr(o, "metadata_percent");
	lv->metadata_percent = *pct ? strtod(pct, NULL) : -1;
	if (strlen(lv->attr) < 10)
		r = log_err_errno(-EBADMSG, "LV %s/%s has an unexpected lv_attr '%s'.", lv->vg,
				  lv->name, lv->attr);
	return r;
}

static void lv_done(struct lvm_lv *lv)
{
	free(lv->vg);
	free(lv->name);
	free(lv->attr);
	free(lv->origin);
	free(lv->dm_path);
	free(lv->path);
	free(lv->pool);
	strv_free(lv->tags);
}

void lvm_report_done(struct lvm_report *r)
{
	for (size_t i = 0; i < r->n_lvs; i++)
		lv_done(&r->lvs[i]);
	for (size_t i = 0; i < r->n_vgs; i++)
		free(r->vgs[i].name);
	free(r->lvs);
	free(r->vgs);
	*r = (struct lvm_report){};
}

/* A row's VG, added to the report's VGs unless an earlier row gave it. */
static int vg_add(struct lvm_report *rep, struct json_object *o)
{
	const char *name = jstr(o, "vg_name");
	struct lvm_vg *vg;

	if (lvm_report_find_vg(rep, name))
		return 0;
	vg = &rep->vgs[rep->n_vgs];
	vg->name = strdup(name);
	if (!vg->name)
		return -ENOMEM;
	rep->n_vgs++;
	vg->free = ju64(o, "vg_free");
	vg->extent_size = ju64(o, "vg_extent_size");
	return 0;
}

int lvm_report(struct lvm *l, bool with_vgs, struct lvm_report *ret)
{
	_cleanup_free_ char *out = NULL;
	struct json_object *root = NULL, *arr;
	struct lvm_report rep = {};
	size_t n;
	int r;

	/* The VG fields ride on the LV rows: one command, not a vgs beside the lvs (under TCG an
	 * LVM command costs about 0.3 s). */
	r = lvm_runf(l, &out,
		     "lvs --reportformat json --units b --nosuffix --binary -a -o "
		     "lv_name,vg_name,lv_tags,lv_attr,origin,lv_size,snap_percent,lv_dm_path,"
		     "lv_path,lv_snapshot_invalid,lv_merging,pool_lv,data_percent,metadata_percent,"
		     "lv_metadata_size%s",
		     with_vgs ? ",vg_free,vg_extent_size" : "");
	if (r < 0)
		return r;
	r = report_array(out, "lv", &root, &arr);
	if (r < 0)
		return r;
	n = json_object_array_length(arr);
	rep.lvs = calloc(n + 1, sizeof(struct lvm_lv));
	rep.vgs = with_vgs ? calloc(n + 1, sizeof(struct lvm_vg)) : NULL;
	if (!rep.lvs || (with_vgs && !rep.vgs)) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		rep.n_lvs++;
		r = parse_lv(o, &rep.lvs[i]);
		if (r >= 0 && with_vgs)
			r = vg_add(&rep, o);
		if (r < 0)
			goto out;
	}
	*ret = rep;
	rep = (struct lvm_report){};
	r = 0;
out:
	json_object_put(root);
	lvm_report_done(&rep);
	return r;
}

const struct lvm_lv *lvm_report_find_lv(const struct lvm_report *r, const char *vg,
					const char *name)
{
	for (size_t i = 0; i < r->n_lvs; i++)
		if (streq(r->lvs[i].vg, vg) && streq(r->lvs[i].name, name))
			return &r->lvs[i];
	return NULL;
}

const struct lvm_lv *lvm_report_thin_pool(const struct lvm_report *r, const struct lvm_lv *lv)
{
	return lv->thin && *lv->pool ? lvm_report_find_lv(r, lv->vg, lv->pool) : NULL;
}

const struct lvm_vg *lvm_report_find_vg(const struct lvm_report *r, const char *vg)
{
	for (size_t i = 0; i < r->n_vgs; i++)
		if (streq(r->vgs[i].name, vg))
			return &r->vgs[i];
	return NULL;
}

bool lvm_lv_is_snapshot(const struct lvm_lv *lv)
{
	return lv->attr[0] == 's' || lv->attr[0] == 'S';
}

bool lvm_lv_is_active(const struct lvm_lv *lv)
{
	/* attr[4] is the state: 'a' active, 'I'/'S' invalid snapshot (still mapped), ... */
	return lv->attr[4] != '-';
}

bool lvm_lv_is_open(const struct lvm_lv *lv)
{
	return lv->attr[5] == 'o';
}

const char *lvm_lv_dm_name(const struct lvm_lv *lv)
{
	const char *s = strrchr(lv->dm_path, '/');

	return s && s[1] ? s + 1 : NULL;
}

static int tag_args(char *const *tags, const char *opt, char **ret)
{
	_cleanup_free_ char *s = strdup("");

	for (size_t i = 0; tags && tags[i]; i++) {
		char *n;

		if (name_valid_tag(tags[i]) < 0)
			return log_err_errno(-EINVAL, "Refusing invalid LVM tag '%s'.", tags[i]);
		n = strdup_printf("%s %s %s", s, opt, tags[i]);
		if (!n)
			return -ENOMEM;
		free(s);
		s = n;
	}
	if (!s)
		return -ENOMEM;
	*ret = TAKE_PTR(s);
	return 0;
}

int lvm_snapshot_create(struct lvm *l, const char *vg, const char *origin, const char *name,
			uint64_t bytes, uint32_t chunk_kib, char *const *tags)
{
	_cleanup_free_ char *add = NULL, *chunk = NULL;
	int r;

	r = check_vg_lv(vg, origin);
	if (r < 0)
		return r;
	r = check_vg_lv(vg, name);
	if (r < 0)
		return r;
	r = tag_args(tags, "--addtag", &add);
	if (r < 0)
		return r;
	chunk = chunk_kib ? strdup_printf(" -c %" PRIu32 "k", chunk_kib) : strdup("");
	if (!chunk)
		return -ENOMEM;
	if (bytes)
		r = lvm_runf(l, NULL, "lvcreate -s -n %s -L %" PRIu64 "b%s%s %s/%s", name, bytes,
			     chunk, add, vg, origin);
	else
		r = lvm_runf(l, NULL, "lvcreate -s -n %s%s %s/%s", name, add, vg, origin);
	if (r < 0) {
		/* A failed lvcreate can leave an inactive LV behind (VM-FACTS): remove it. */
		struct lvm_report rep = {};

		if (lvm_report(l, false, &rep) >= 0 && lvm_report_find_lv(&rep, vg, name)) {
			log_info("Removing the half-created %s/%s.", vg, name);
			(void)lvm_lv_remove(l, vg, name);
		}
		lvm_report_done(&rep);
	}
	return r;
}

int lvm_lv_remove(struct lvm *l, const char *vg, const char *lv)
{
	int r = check_vg_lv(vg, lv);

	if (r < 0)
		return r;
	return lvm_runf(l, NULL, "lvremove -f %s/%s", vg, lv);
}

int lvm_lv_extend(struct lvm *l, const char *vg, const char *lv, uint64_t bytes)
{
	int r = check_vg_lv(vg, lv);

	if (r < 0)
		return r;
	if (bytes == 0)
		return -EINVAL;
	return lvm_runf(l, NULL, "lvextend -L +%" PRIu64 "b %s/%s", bytes, vg, lv);
}

int lvm_lv_change_tags(struct lvm *l, const char *vg, const char *lv, char *const *add,
		       char *const *del)
{
	_cleanup_free_ char *a = NULL, *d = NULL;
	int r = check_vg_lv(vg, lv);

	if (r < 0)
		return r;
	r = tag_args(del, "--deltag", &d);
	if (r < 0)
		return r;
	r = tag_args(add, "--addtag", &a);
	if (r < 0)
		return r;
	/* One command, so the metadata changes atomically: never a moment with no state tag. */
	return lvm_runf(l, NULL, "lvchange%s%s %s/%s", d, a, vg, lv);
}

int lvm_lv_activate(struct lvm *l, const char *vg, const char *lv, bool sysinit)
{
	int r = check_vg_lv(vg, lv);

	if (r < 0)
		return r;
	return lvm_runf(l, NULL, "lvchange -ay%s %s/%s", sysinit ? " --sysinit" : "", vg, lv);
}

int lvm_lv_activate_skipped(struct lvm *l, const char *vg, const char *lv)
{
	int r = check_vg_lv(vg, lv);

	if (r < 0)
		return r;
	return lvm_runf(l, NULL, "lvchange -ay -K %s/%s", vg, lv);
}

int lvm_lv_deactivate(struct lvm *l, const char *vg, const char *lv)
{
	int r = check_vg_lv(vg, lv);

	if (r < 0)
		return r;
	return lvm_runf(l, NULL, "lvchange -an %s/%s", vg, lv);
}

int lvm_merge(struct lvm *l, const char *vg, const char *snapshot)
{
	int r = check_vg_lv(vg, snapshot);

	if (r < 0)
		return r;
	return lvm_runf(l, NULL, "lvconvert %s --mergesnapshot %s/%s", LVM_POLL_OPTS, vg, snapshot);
}

int lvm_merge_background(struct lvm *l, const char *vg, const char *snapshot, bool own_poller)
{
	int r = check_vg_lv(vg, snapshot);

	if (r < 0)
		return r;
	/* --background returns once the merge started; the polling that removes the snapshot at
	 * its end goes to lvmpolld, or (own_poller, or lvmpolld not configured) to a child that
	 * LVM forks from this process. */
	return lvm_runf(l, NULL, "lvconvert%s --background --mergesnapshot %s/%s",
			own_poller ? " --config global/use_lvmpolld=0 -i 1" : "", vg, snapshot);
}

bool lvm_pool_unusable(const struct lvm_lv *pool)
{
	return pool->attr[8] == 'F' || pool->attr[8] == 'M';
}

int lvm_thin_id(struct lvm *l, const char *vg, const char *lv, uint64_t *ret)
{
	_cleanup_free_ char *out = NULL;
	struct json_object *root = NULL, *arr;
	int r = check_vg_lv(vg, lv);

	if (r < 0)
		return r;
	r = lvm_runf(l, &out, "lvs --reportformat json -o thin_id %s/%s", vg, lv);
	if (r < 0)
		return r;
	r = report_array(out, "lv", &root, &arr);
	if (r < 0)
		return r;
	/* A thin volume has one segment: one row. */
	*ret = json_object_array_length(arr) == 1
		   ? ju64(json_object_array_get_idx(arr, 0), "thin_id")
		   : 0;
	json_object_put(root);
	return *ret ? 0 : log_err_errno(-EBADMSG, "No thin device id for %s/%s.", vg, lv);
}

int lvm_thin_merge_resume(struct lvm *l, const char *vg, const char *origin)
{
	int r = check_vg_lv(vg, origin);

	if (r < 0)
		return r;
	return lvm_runf(l, NULL, "lvpoll %s --polloperation merge_thin %s/%s", LVM_POLL_OPTS, vg,
			origin);
}

int lvm_pool_metadata_extend(struct lvm *l, const char *vg, const char *pool, uint64_t bytes)
{
	int r = check_vg_lv(vg, pool);

	if (r < 0)
		return r;
	if (bytes == 0)
		return -EINVAL;
	return lvm_runf(l, NULL, "lvextend --poolmetadatasize +%" PRIu64 "b %s/%s", bytes, vg,
			pool);
}

int lvm_thin_merge(struct lvm *l, const char *vg, const char *snapshot)
{
	int r = check_vg_lv(vg, snapshot);

	if (r < 0)
		return r;
	return lvm_runf(l, NULL, "lvconvert --mergethin %s/%s", vg, snapshot);
}

int lvm_merge_resume(struct lvm *l, const char *vg, const char *origin)
{
	int r = check_vg_lv(vg, origin);

	if (r < 0)
		return r;
	return lvm_runf(l, NULL, "lvpoll %s --polloperation merge %s/%s", LVM_POLL_OPTS, vg,
			origin);
}
