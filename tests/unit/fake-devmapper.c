/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libdevmapper calls dm.c makes, over the fake LVM model: active LVs are dm devices. */
#include <libdevmapper.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake.h"

struct dm_task {
	int type;
	char name[256];
	bool ran;
	char target[32];
	char params[64];
};

void dm_log_with_errno_init(dm_log_with_errno_fn fn)
{
}

struct dm_task *dm_task_create(int type)
{
	struct dm_task *t = calloc(1, sizeof(*t));
	if (t)
		t->type = type;
	return t;
}

void dm_task_destroy(struct dm_task *dmt)
{
	free(dmt);
}

int dm_task_set_name(struct dm_task *dmt, const char *name)
{
	snprintf(dmt->name, sizeof(dmt->name), "%s", name);
	return 1;
}

int dm_task_set_cookie(struct dm_task *dmt, uint32_t *cookie, uint16_t flags)
{
	*cookie = 1;
	return 1;
}

int dm_udev_wait(uint32_t cookie)
{
	return 1;
}

/* Shared mode (fake_dm_share()): the suspended state and the events live in files, as the kernel's
 * state is shared between processes: a forked guard sees what its parent suspended. */
static char shared_dir[256];

void fake_dm_share(const char *dir)
{
	snprintf(shared_dir, sizeof(shared_dir), "%s", dir ?: "");
}

static void shared_set(const char *name, bool suspended)
{
	char p[600];
	FILE *f;

	if (!*shared_dir)
		return;
	snprintf(p, sizeof(p), "%s/%s.suspended", shared_dir, name);
	if (suspended) {
		f = fopen(p, "we");
		if (f)
			fclose(f);
	} else
		unlink(p);
	snprintf(p, sizeof(p), "%s/events", shared_dir);
	f = fopen(p, "ae");
	if (f) {
		fprintf(f, "dm %s %s by %d\n", suspended ? "suspend" : "resume", name,
			(int)getpid());
		fclose(f);
	}
}

static bool shared_suspended(const char *name, bool local)
{
	char p[600];

	if (!*shared_dir)
		return local;
	snprintf(p, sizeof(p), "%s/%s.suspended", shared_dir, name);
	return access(p, F_OK) == 0;
}

static struct fake_lv *device(const char *name)
{
	struct fake_lv *lv = fake_lv_by_dm_name(name);
	return lv && lv->attr[4] != '-' ? lv : NULL;
}

int dm_task_run(struct dm_task *dmt)
{
	struct fake_lv *lv = device(dmt->name);

	dmt->ran = true;
	switch (dmt->type) {
	case DM_DEVICE_SUSPEND:
		fake_event("dm suspend %s", dmt->name);
		if (!lv)
			return 0;
		lv->suspended = true;
		shared_set(dmt->name, true);
		return 1;
	case DM_DEVICE_RESUME:
		fake_event("dm resume %s", dmt->name);
		if (!lv)
			return 0;
		lv->suspended = false;
		shared_set(dmt->name, false);
		return 1;
	case DM_DEVICE_STATUS:
		if (!lv)
			return 1;
		if (lv->dm_target[0]) {
			snprintf(dmt->target, sizeof(dmt->target), "%s", lv->dm_target);
			snprintf(dmt->params, sizeof(dmt->params), "%s", lv->dm_params);
		} else if (lv->origin[0]) {
			snprintf(dmt->target, sizeof(dmt->target), "snapshot");
			snprintf(dmt->params, sizeof(dmt->params), "%s",
				 lv->snapshot_invalid ? "Invalid" : "64/2000 16");
		} else
			snprintf(dmt->target, sizeof(dmt->target), "linear");
		return 1;
	default:
		return 1;
	}
}

int dm_task_get_info(struct dm_task *dmt, struct dm_info *info)
{
	struct fake_lv *lv = device(dmt->name);

	memset(info, 0, sizeof(*info));
	info->exists = lv != NULL;
	info->suspended = lv && shared_suspended(dmt->name, lv->suspended);
	info->open_count = lv ? (lv->attr[5] == 'o') + lv->holders : 0;
	info->major = lv ? 253 : 0;
	return 1;
}

void *dm_get_next_target(struct dm_task *dmt, void *next, uint64_t *start, uint64_t *length,
			 char **target_type, char **params)
{
	*start = 0;
	*length = 0;
	*target_type = dmt->target[0] ? dmt->target : NULL;
	*params = dmt->target[0] ? dmt->params : NULL;
	return NULL;
}
