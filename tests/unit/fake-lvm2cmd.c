/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblvm2cmd over an in-memory model: the commands lvm.c issues, reports in LVM's real JSON shape
 * (delivered one line per LVM2_LOG_PRINT call, as the real library does), failure injection.
 */
#include <ctype.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <lvm2cmd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-lvm2cmd-base.h"
#include "fake.h"

#define MAX_LVS 64
#define MAX_VGS 8

struct fake_vg {
	char name[128];
	uint64_t free, extent;
};

static struct fake_lv lvs[MAX_LVS];
static struct fake_vg vgs[MAX_VGS];
static int n_vgs;
static char fail_prefix[64];
static int fail_nth, fail_seen;
static bool fail_leave;
static char report_warning[256];
static unsigned next_thin_id;

void fake_report_warning(const char *line)
{
	snprintf(report_warning, sizeof(report_warning), "%s", line);
}

void fake_reset(void)
{
	memset(lvs, 0, sizeof(lvs));
	memset(vgs, 0, sizeof(vgs));
	n_vgs = 0;
	fail_prefix[0] = '\0';
	fail_nth = fail_seen = 0;
	report_warning[0] = '\0';
	next_thin_id = 1;
	fake_events_reset();
}

void fake_add_vg(const char *name, uint64_t free, uint64_t extent)
{
	snprintf(vgs[n_vgs].name, sizeof(vgs[n_vgs].name), "%s", name);
	vgs[n_vgs].free = free;
	vgs[n_vgs].extent = extent;
	n_vgs++;
}

static struct fake_vg *find_vg(const char *name)
{
	for (int i = 0; i < n_vgs; i++)
		if (strcmp(vgs[i].name, name) == 0)
			return &vgs[i];
	return NULL;
}

uint64_t fake_vg_free(const char *name)
{
	struct fake_vg *vg = find_vg(name);
	return vg ? vg->free : 0;
}

struct fake_lv *fake_add_lv(const char *vg, const char *name, uint64_t size, const char *attr)
{
	for (int i = 0; i < MAX_LVS; i++)
		if (!lvs[i].used) {
			memset(&lvs[i], 0, sizeof(lvs[i]));
			lvs[i].used = true;
			snprintf(lvs[i].vg, sizeof(lvs[i].vg), "%s", vg);
			snprintf(lvs[i].name, sizeof(lvs[i].name), "%s", name);
			snprintf(lvs[i].attr, sizeof(lvs[i].attr), "%s", attr);
			lvs[i].size = size;
			return &lvs[i];
		}
	return NULL;
}

struct fake_lv *fake_add_thin_pool(const char *vg, const char *name, uint64_t size, double data_pct)
{
	struct fake_lv *p = fake_add_lv(vg, name, size, "twi-aotz--");

	if (p) {
		p->data_pct = data_pct;
		p->meta_pct = data_pct / 4;
	}
	return p;
}

struct fake_lv *fake_add_thin_lv(const char *vg, const char *name, const char *pool, uint64_t size,
				 bool open)
{
	struct fake_lv *lv = fake_add_lv(vg, name, size, open ? "Vwi-aotz--" : "Vwi-a-tz--");

	if (lv) {
		snprintf(lv->pool, sizeof(lv->pool), "%s", pool);
		lv->thin_id = next_thin_id++;
	}
	return lv;
}

struct fake_lv *fake_find_lv(const char *vg, const char *name)
{
	for (int i = 0; i < MAX_LVS; i++)
		if (lvs[i].used && strcmp(lvs[i].vg, vg) == 0 && strcmp(lvs[i].name, name) == 0)
			return &lvs[i];
	return NULL;
}

int fake_count_lvs(void)
{
	int n = 0;
	for (int i = 0; i < MAX_LVS; i++)
		n += lvs[i].used;
	return n;
}

void fake_lv_add_tag(struct fake_lv *lv, const char *tag)
{
	if (lv->n_tags < FAKE_MAX_TAGS && !fake_lv_has_tag(lv, tag))
		snprintf(lv->tags[lv->n_tags++], sizeof(lv->tags[0]), "%s", tag);
}

bool fake_lv_has_tag(const struct fake_lv *lv, const char *tag)
{
	for (int i = 0; i < lv->n_tags; i++)
		if (strcmp(lv->tags[i], tag) == 0)
			return true;
	return false;
}

static void lv_del_tag(struct fake_lv *lv, const char *tag)
{
	for (int i = 0; i < lv->n_tags; i++)
		if (strcmp(lv->tags[i], tag) == 0) {
			memmove(lv->tags[i], lv->tags[i + 1],
				sizeof(lv->tags[0]) * (lv->n_tags - i - 1));
			lv->n_tags--;
			return;
		}
}

static void dm_escape(const char *s, char *out)
{
	for (; *s; s++) {
		*out++ = *s;
		if (*s == '-')
			*out++ = '-';
	}
	*out = '\0';
}

static void dm_name(const struct fake_lv *lv, char *buf)
{
	char v[256], l[256];

	dm_escape(lv->vg, v);
	dm_escape(lv->name, l);
	sprintf(buf, "%s-%s", v, l);
}

struct fake_lv *fake_lv_by_dm_name(const char *name)
{
	char buf[600];

	for (int i = 0; i < MAX_LVS; i++) {
		if (!lvs[i].used)
			continue;
		dm_name(&lvs[i], buf);
		if (strcmp(buf, name) == 0)
			return &lvs[i];
	}
	return NULL;
}

void fake_fail_command(const char *prefix, int nth, bool leave_lv)
{
	snprintf(fail_prefix, sizeof(fail_prefix), "%s", prefix);
	fail_nth = nth;
	fail_seen = 0;
	fail_leave = leave_lv;
}

/* liblvm2cmd API: lvm2_run() (the others are in fake-lvm2cmd-base.c) */

/* lvm_split(): whitespace-separated words; a quote opening a word runs to its partner. */
static int split(char *s, char **argv, int max)
{
	int argc = 0;

	while (*s && argc < max) {
		char quote = 0;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#')
			break;
		if (*s == '\'' || *s == '"')
			quote = *s++;
		argv[argc++] = s;
		while (*s && (quote ? *s != quote : !isspace((unsigned char)*s)))
			s++;
		if (!*s)
			break;
		*s++ = '\0';
	}
	return argc;
}

static void emit_json(struct json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	char *copy = strdup(text), *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		fake_lvm2_log(LVM2_LOG_PRINT, line);
	free(copy);
}

static struct json_object *jstr(const char *s)
{
	return json_object_new_string(s);
}

/* lvs: every LV; vg_fields, with its VG's free space and extent size on each row. */
static int report(bool vg_fields)
{
	struct json_object *root = json_object_new_object(), *rep = json_object_new_array();
	struct json_object *item = json_object_new_object(), *arr = json_object_new_array();
	char buf[600];

	if (report_warning[0])
		fake_lvm2_log(LVM2_LOG_PRINT, report_warning);
	json_object_object_add(root, "report", rep);
	json_object_array_add(rep, item);
	json_object_object_add(item, "lv", arr);
	for (int i = 0; i < MAX_LVS; i++) {
		struct fake_lv *lv = &lvs[i];
		struct json_object *o;
		char tags[FAKE_MAX_TAGS * 257] = "";

		if (!lv->used)
			continue;
		o = json_object_new_object();
		for (int t = 0; t < lv->n_tags; t++) {
			if (t)
				strcat(tags, ",");
			strcat(tags, lv->tags[t]);
		}
		/* Like LVM, bracket the name of a hidden LV: a snapshot that is merging. */
		if (lv->attr[0] == 'S') {
			char hidden[300];
			snprintf(hidden, sizeof(hidden), "[%s]", lv->name);
			json_object_object_add(o, "lv_name", jstr(hidden));
		} else
			json_object_object_add(o, "lv_name", jstr(lv->name));
		json_object_object_add(o, "vg_name", jstr(lv->vg));
		json_object_object_add(o, "lv_tags", jstr(tags));
		json_object_object_add(o, "lv_attr", jstr(lv->attr));
		json_object_object_add(o, "origin", jstr(lv->origin));
		snprintf(buf, sizeof(buf), "%" PRIu64, lv->size);
		json_object_object_add(o, "lv_size", jstr(buf));
		/* Like LVM: an inactive snapshot's fill and validity are unknown (the kernel's
		 * status says them). */
		json_object_object_add(o, "snap_percent",
				       jstr(lv->origin[0] && lv->attr[4] == 'a'
						? (lv->snapshot_invalid ? "100.00" : "3.20")
						: ""));
		dm_name(lv, buf);
		{
			char p[700];
			snprintf(p, sizeof(p), "/dev/mapper/%s", buf);
			json_object_object_add(o, "lv_dm_path", jstr(p));
			snprintf(p, sizeof(p), "/dev/%s/%s", lv->vg, lv->name);
			json_object_object_add(o, "lv_path", jstr(p));
		}
		json_object_object_add(o, "lv_snapshot_invalid",
				       jstr(lv->origin[0] && lv->attr[4] == 'a'
						? (lv->snapshot_invalid ? "1" : "0")
						: "-1"));
		json_object_object_add(o, "lv_merging",
				       jstr(lv->attr[0] == 'S' || lv->thin_merging ? "1" : "0"));
		json_object_object_add(o, "pool_lv", jstr(lv->pool));
		snprintf(buf, sizeof(buf), "%" PRIu64, lv->attr[0] == 't' ? lv->size / 64 : 0);
		json_object_object_add(o, "lv_metadata_size", jstr(buf));
		snprintf(buf, sizeof(buf), "%.2f", lv->data_pct);
		json_object_object_add(o, "data_percent", jstr(lv->attr[0] == 't' ? buf : ""));
		snprintf(buf, sizeof(buf), "%.2f", lv->meta_pct);
		json_object_object_add(o, "metadata_percent", jstr(lv->attr[0] == 't' ? buf : ""));
		if (vg_fields) {
			const struct fake_vg *vg = find_vg(lv->vg);

			snprintf(buf, sizeof(buf), "%" PRIu64, vg ? vg->free : 0);
			json_object_object_add(o, "vg_free", jstr(buf));
			snprintf(buf, sizeof(buf), "%" PRIu64, vg ? vg->extent : 0);
			json_object_object_add(o, "vg_extent_size", jstr(buf));
		}
		json_object_array_add(arr, o);
	}
	emit_json(root);
	json_object_put(root);
	return LVM2_COMMAND_SUCCEEDED;
}

static struct fake_lv *lv_arg(const char *s);

/* lvs -o thin_id VG/LV: a segment field, one row per segment (one for a thin volume). */
static int report_thin_id(const struct fake_lv *lv)
{
	struct json_object *root = json_object_new_object(), *rep = json_object_new_array();
	struct json_object *item = json_object_new_object(), *arr = json_object_new_array();
	struct json_object *o = json_object_new_object();
	char buf[32];

	if (!lv)
		return LVM2_PROCESSING_FAILED;
	json_object_object_add(root, "report", rep);
	json_object_array_add(rep, item);
	json_object_object_add(item, "lv", arr);
	snprintf(buf, sizeof(buf), "%u", lv->thin_id);
	json_object_object_add(o, "thin_id", jstr(lv->thin_id ? buf : ""));
	json_object_array_add(arr, o);
	emit_json(root);
	json_object_put(root);
	return LVM2_COMMAND_SUCCEEDED;
}

static struct fake_lv *lv_arg(const char *s)
{
	char vg[128], name[128];
	const char *slash = strchr(s, '/');

	if (!slash || (size_t)(slash - s) >= sizeof(vg))
		return NULL;
	snprintf(vg, sizeof(vg), "%.*s", (int)(slash - s), s);
	snprintf(name, sizeof(name), "%s", slash + 1);
	return fake_find_lv(vg, name);
}

static int n_snapshots_of(const struct fake_lv *origin)
{
	int n = 0;
	for (int i = 0; i < MAX_LVS; i++)
		n += lvs[i].used && strcmp(lvs[i].vg, origin->vg) == 0 &&
		     strcmp(lvs[i].origin, origin->name) == 0;
	return n;
}

static void lv_remove(struct fake_lv *lv)
{
	struct fake_vg *vg = find_vg(lv->vg);
	struct fake_lv *origin = lv->origin[0] ? fake_find_lv(lv->vg, lv->origin) : NULL;

	if (vg)
		vg->free += lv->size;
	lv->used = false;
	if (origin && n_snapshots_of(origin) == 0)
		origin->attr[0] = '-';
}

static int cmd_lvcreate(int argc, char **argv, bool fail)
{
	const char *name = NULL, *target = NULL;
	char tags[FAKE_MAX_TAGS][256];
	int n_tags = 0;
	uint64_t size = 0;
	struct fake_lv *origin, *snap;
	struct fake_vg *vg;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strcmp(argv[i], "-L") == 0 && i + 1 < argc) {
			char *end;
			size = strtoull(argv[++i], &end, 10);
			if (strcmp(end, "b") != 0)
				return LVM2_INVALID_PARAMETERS;
		} else if (strcmp(argv[i], "--addtag") == 0 && i + 1 < argc) {
			if (n_tags == FAKE_MAX_TAGS)
				return LVM2_INVALID_PARAMETERS;
			snprintf(tags[n_tags++], 256, "%s", argv[++i]);
		} else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			char *end;
			unsigned long k = strtoul(argv[++i], &end, 10);
			if (strcmp(end, "k") != 0 || k < 4 || k > 512 || (k & (k - 1)))
				return LVM2_INVALID_PARAMETERS;
		} else if (strcmp(argv[i], "-s") == 0)
			continue;
		else if (argv[i][0] == '-')
			return LVM2_INVALID_PARAMETERS;
		else
			target = argv[i];
	}
	if (!name || !target)
		return LVM2_INVALID_PARAMETERS;
	origin = lv_arg(target);
	if (!origin) {
		fake_lvm2_log(LVM2_LOG_ERROR, "Failed to find origin.");
		return LVM2_PROCESSING_FAILED;
	}
	if (!size) {
		/* A thin snapshot: of a thin origin only; inactive (activation skip). */
		if (origin->attr[0] != 'V' || fake_find_lv(origin->vg, name))
			return LVM2_INVALID_PARAMETERS;
		if (fail) {
			fake_lvm2_log(LVM2_LOG_ERROR, "Injected failure.");
			return LVM2_PROCESSING_FAILED;
		}
		snap = fake_add_thin_lv(origin->vg, name, origin->pool, origin->size, false);
		snap->attr[4] = '-';
		snap->attr[9] = 'k';
		snprintf(snap->origin, sizeof(snap->origin), "%s", origin->name);
		for (int i = 0; i < n_tags; i++)
			fake_lv_add_tag(snap, tags[i]);
		origin->suspended = false;
		return LVM2_COMMAND_SUCCEEDED;
	}
	vg = find_vg(origin->vg);
	if (fake_find_lv(origin->vg, name) || !vg || vg->free < size) {
		fake_lvm2_log(LVM2_LOG_ERROR, "Insufficient free space or name exists.");
		return LVM2_PROCESSING_FAILED;
	}
	if (fail && !fail_leave) {
		fake_lvm2_log(LVM2_LOG_ERROR, "Injected failure.");
		return LVM2_PROCESSING_FAILED;
	}
	snap = fake_add_lv(origin->vg, name, size, fail ? "-wi-i-----" : "swi-a-s---");
	vg->free -= size;
	if (fail) {
		fake_lvm2_log(LVM2_LOG_ERROR, "Injected failure (LV left behind).");
		return LVM2_PROCESSING_FAILED;
	}
	snprintf(snap->origin, sizeof(snap->origin), "%s", origin->name);
	for (int i = 0; i < n_tags; i++)
		fake_lv_add_tag(snap, tags[i]);
	if (origin->attr[4] != 'a')
		snap->attr[4] = '-';
	origin->attr[0] = 'o';
	/* Like LVM: an origin suspended from outside is left resumed. */
	origin->suspended = false;
	return LVM2_COMMAND_SUCCEEDED;
}

static int cmd_lvchange(int argc, char **argv)
{
	struct fake_lv *lv = argc > 1 ? lv_arg(argv[argc - 1]) : NULL;

	if (!lv)
		return LVM2_PROCESSING_FAILED;
	for (int i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--addtag") == 0 && i + 1 < argc - 1)
			fake_lv_add_tag(lv, argv[++i]);
		else if (strcmp(argv[i], "--deltag") == 0 && i + 1 < argc - 1)
			lv_del_tag(lv, argv[++i]);
		else if (strcmp(argv[i], "-ay") == 0 || strcmp(argv[i], "-an") == 0) {
			/* An origin is activated and deactivated with its snapshots; an open one
			 * is not deactivated; activating one whose snapshot merges loads
			 * snapshot-merge. */
			char a = argv[i][2] == 'y' ? 'a' : '-';
			if (a == '-' && lv->attr[5] == 'o') {
				fake_lvm2_log(LVM2_LOG_ERROR, "Logical volume in use.");
				return LVM2_PROCESSING_FAILED;
			}
			lv->attr[4] = a;
			for (int k = 0; k < MAX_LVS; k++)
				if (lvs[k].used && strcmp(lvs[k].vg, lv->vg) == 0 &&
				    strcmp(lvs[k].origin, lv->name) == 0 &&
				    !(lvs[k].attr[0] == 'V' && lvs[k].attr[9] == 'k')) {
					lvs[k].attr[4] = a;
					if (a == 'a' && lvs[k].attr[0] == 'S') {
						snprintf(lv->dm_target, sizeof(lv->dm_target),
							 "snapshot-merge");
						snprintf(lv->dm_params, sizeof(lv->dm_params),
							 "64/2000 16");
					}
				}
		} else if (strcmp(argv[i], "-K") == 0)
			lv->attr[4] = 'a'; /* -ay -K: the LV named, activation skip or not */
		else if (strcmp(argv[i], "--sysinit") != 0)
			return LVM2_INVALID_PARAMETERS;
	}
	return LVM2_COMMAND_SUCCEEDED;
}

/* LVM's thin_merge_finish(): the snapshot's device takes the origin's name, UUID, flags and
 * tags (2.03.16: _move_lv_attributes()); the origin's device goes. */
static void thin_merge_finish(struct fake_lv *origin, struct fake_lv *snap)
{
	snprintf(snap->name, sizeof(snap->name), "%s", origin->name);
	snap->origin[0] = '\0';
	memcpy(snap->attr, origin->attr, sizeof(snap->attr));
	snap->attr[5] = '-';
	snap->thin_merging = false;
	memcpy(snap->tags, origin->tags, sizeof(snap->tags));
	snap->n_tags = origin->n_tags;
	origin->used = false;
}

static int cmd_mergethin(struct fake_lv *snap)
{
	struct fake_lv *origin =
	    snap && snap->origin[0] ? fake_find_lv(snap->vg, snap->origin) : NULL;

	if (!origin || snap->attr[0] != 'V')
		return LVM2_INVALID_PARAMETERS;
	if (snap->attr[5] == 'o' || origin->attr[5] == 'o' || origin->holders) {
		/* Marked merging: finished by the poll of the origin (lvpoll). */
		fake_lvm2_log(LVM2_LOG_PRINT, "Delaying merge since origin volume is open.");
		snap->thin_merging = true;
		return LVM2_COMMAND_SUCCEEDED;
	}
	thin_merge_finish(origin, snap);
	return LVM2_COMMAND_SUCCEEDED;
}

static int cmd_lvconvert(int argc, char **argv)
{
	struct fake_lv *snap = lv_arg(argv[argc - 1]), *origin;
	bool merge = false, background = false;

	if (argc == 3 && strcmp(argv[1], "--mergethin") == 0)
		return cmd_mergethin(snap);
	for (int i = 1; i < argc - 1; i++)
		if (strcmp(argv[i], "--mergesnapshot") == 0)
			merge = true;
		else if (strcmp(argv[i], "--background") == 0)
			background = true;
	if (!merge || !snap || !snap->origin[0])
		return LVM2_INVALID_PARAMETERS;
	if (snap->snapshot_invalid) {
		fake_lvm2_log(LVM2_LOG_ERROR, "Unable to merge invalid snapshot.");
		return LVM2_PROCESSING_FAILED;
	}
	origin = fake_find_lv(snap->vg, snap->origin);
	if (origin->attr[5] == 'o' || snap->attr[5] == 'o' || origin->attr[4] != 'a') {
		fake_lvm2_log(LVM2_LOG_PRINT, "Delaying merge since origin is open.");
		snap->attr[0] = 'S';
		return LVM2_COMMAND_SUCCEEDED;
	}
	if (background) {
		/* Started: the origin's table is snapshot-merge; the poll removes the snapshot. */
		snap->attr[0] = 'S';
		snprintf(origin->dm_target, sizeof(origin->dm_target), "snapshot-merge");
		snprintf(origin->dm_params, sizeof(origin->dm_params), "64/2000 16");
		return LVM2_COMMAND_SUCCEEDED;
	}
	lv_remove(snap);
	return LVM2_COMMAND_SUCCEEDED;
}

static int cmd_lvpoll(int argc, char **argv)
{
	struct fake_lv *origin = lv_arg(argv[argc - 1]);

	if (!origin)
		return LVM2_PROCESSING_FAILED;
	for (int i = 0; i < MAX_LVS; i++)
		if (lvs[i].used && lvs[i].thin_merging &&
		    strcmp(argv[argc - 2], "merge_thin") == 0 &&
		    strcmp(lvs[i].vg, origin->vg) == 0 &&
		    strcmp(lvs[i].origin, origin->name) == 0 && origin->attr[5] != 'o' &&
		    !origin->holders && origin->attr[4] == 'a') {
			/* LVM polls an active origin only ("Interrupted: No longer active"). */
			thin_merge_finish(origin, &lvs[i]);
			return LVM2_COMMAND_SUCCEEDED;
		}
	for (int i = 0; i < MAX_LVS; i++)
		if (lvs[i].used && lvs[i].attr[0] == 'S' && strcmp(lvs[i].vg, origin->vg) == 0 &&
		    strcmp(lvs[i].origin, origin->name) == 0) {
			lv_remove(&lvs[i]);
			origin->dm_target[0] = '\0';
		}
	return LVM2_COMMAND_SUCCEEDED;
}

/* lvextend -L +<N>b VG/LV */
static int cmd_lvextend(int argc, char **argv)
{
	struct fake_lv *lv = argc == 4 ? lv_arg(argv[3]) : NULL;
	struct fake_vg *vg = lv ? find_vg(lv->vg) : NULL;
	uint64_t add;
	char *end;

	if (!lv || (strcmp(argv[1], "-L") != 0 && strcmp(argv[1], "--poolmetadatasize") != 0) ||
	    argv[2][0] != '+')
		return LVM2_INVALID_PARAMETERS;
	add = strtoull(argv[2] + 1, &end, 10);
	if (strcmp(end, "b") != 0 || add == 0)
		return LVM2_INVALID_PARAMETERS;
	if (!vg || vg->free < add) {
		fake_lvm2_log(LVM2_LOG_ERROR, "Insufficient free space.");
		return LVM2_PROCESSING_FAILED;
	}
	vg->free -= add;
	lv->size += add;
	return LVM2_COMMAND_SUCCEEDED;
}

int lvm2_run(void *handle, const char *cmdline)
{
	char *copy = strdup(cmdline), *argv[64];
	int argc = split(copy, argv, 64), rc = LVM2_INVALID_PARAMETERS;
	bool fail = false;

	fake_event("lvm %s", cmdline);
	if (fail_prefix[0] && strncmp(cmdline, fail_prefix, strlen(fail_prefix)) == 0 &&
	    ++fail_seen == fail_nth)
		fail = true;
	if (argc == 0)
		goto out;
	if (fail && strcmp(argv[0], "lvcreate") != 0) {
		fake_lvm2_log(LVM2_LOG_ERROR, "Injected failure.");
		rc = LVM2_PROCESSING_FAILED;
	} else if (strcmp(argv[0], "lvs") == 0 && argc == 6 && strcmp(argv[4], "thin_id") == 0)
		rc = report_thin_id(lv_arg(argv[5]));
	else if (strcmp(argv[0], "lvs") == 0)
		rc = report(strstr(cmdline, "vg_free") != NULL);
	else if (strcmp(argv[0], "lvcreate") == 0)
		rc = cmd_lvcreate(argc, argv, fail);
	else if (strcmp(argv[0], "lvremove") == 0) {
		struct fake_lv *lv = lv_arg(argv[argc - 1]);
		if (lv) {
			lv_remove(lv);
			rc = LVM2_COMMAND_SUCCEEDED;
		} else
			rc = LVM2_PROCESSING_FAILED;
	} else if (strcmp(argv[0], "lvchange") == 0)
		rc = cmd_lvchange(argc, argv);
	else if (strcmp(argv[0], "lvconvert") == 0)
		rc = cmd_lvconvert(argc, argv);
	else if (strcmp(argv[0], "lvpoll") == 0)
		rc = cmd_lvpoll(argc, argv);
	else if (strcmp(argv[0], "lvextend") == 0)
		rc = cmd_lvextend(argc, argv);
	else
		rc = LVM2_NO_SUCH_COMMAND;
out:
	free(copy);
	return rc;
}
