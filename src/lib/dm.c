/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <libdevmapper.h>
#include <stdarg.h>
#include <stdio.h>

#include "dm.h"
#include "log.h"
#include "util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct dm_task *, dm_task_destroy);

static void dm_log_cb(int level, const char *file, int line, int dm_errno_or_class, const char *f,
		      ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	level &= 0xf;
	/* libdevmapper levels are syslog's (_LOG_ERR 3 ... _LOG_DEBUG 7). */
	if (level <= 3)
		log_err("dm: %s", buf);
	else if (level == 4)
		log_warning("dm: %s", buf);
	else
		log_debug("dm: %s", buf);
}

void devmap_setup_logging(void)
{
	dm_log_with_errno_init(dm_log_cb);
}

static int dm_simple(int type, const char *name)
{
	_cleanup_(dm_task_destroyp) struct dm_task *dmt = NULL;
	uint32_t cookie = 0;
	int r = 0;

	devmap_setup_logging();
	dmt = dm_task_create(type);
	if (!dmt)
		return -ENOMEM;
	if (!dm_task_set_name(dmt, name))
		return -EINVAL;
	/* A resume makes udev refresh the device; wait for it, as dmsetup does. */
	if (type == DM_DEVICE_RESUME && !dm_task_set_cookie(dmt, &cookie, 0))
		return -EIO;
	if (!dm_task_run(dmt))
		r = -EIO;
	if (type == DM_DEVICE_RESUME)
		(void)dm_udev_wait(cookie);
	if (r < 0)
		return log_err_errno(r, "Failed to %s %s.",
				     type == DM_DEVICE_SUSPEND ? "suspend" : "resume", name);
	return 0;
}

int devmap_suspend(const char *name)
{
	/* lockfs is libdevmapper's default for a suspend (no dm_task_skip_lockfs()). */
	return dm_simple(DM_DEVICE_SUSPEND, name);
}

int devmap_resume(const char *name)
{
	return dm_simple(DM_DEVICE_RESUME, name);
}

/* Run a task of type on the device name; -ENODEV when there is no such device. */
static int dm_run_existing(int type, const char *name, struct dm_task **ret,
			   struct dm_info *ret_info)
{
	_cleanup_(dm_task_destroyp) struct dm_task *dmt = NULL;

	devmap_setup_logging();
	dmt = dm_task_create(type);
	if (!dmt)
		return -ENOMEM;
	if (!dm_task_set_name(dmt, name) || !dm_task_run(dmt) || !dm_task_get_info(dmt, ret_info))
		return -EIO;
	if (!ret_info->exists)
		return -ENODEV;
	*ret = TAKE_PTR(dmt);
	return 0;
}

static int dm_info_of(const char *name, struct dm_info *ret)
{
	_cleanup_(dm_task_destroyp) struct dm_task *dmt = NULL;

	return dm_run_existing(DM_DEVICE_INFO, name, &dmt, ret);
}

int devmap_is_suspended(const char *name)
{
	struct dm_info info;
	int r = dm_info_of(name, &info);

	return r < 0 ? r : info.suspended ? 1 : 0;
}

int devmap_resume_abandoned(const char *name)
{
	_cleanup_(dm_task_destroyp) struct dm_task *dmt = NULL;
	struct dm_info info;
	int r = dm_info_of(name, &info);

	if (r < 0)
		return r;
	if (!info.suspended)
		return 0;
	/* A table LVM loaded but never resumed (preloaded for the snapshot) would go live with
	 * a resume, over devices that may not be ready: drop it, the old mapping comes back. */
	if (info.inactive_table) {
		dmt = dm_task_create(DM_DEVICE_CLEAR);
		if (!dmt || !dm_task_set_name(dmt, name) || !dm_task_run(dmt))
			return -EIO;
		dm_task_destroy(TAKE_PTR(dmt));
	}
	/* With libdevmapper's udev cookie, as any resume: without it udev's dm rules take the
	 * change event for a device that is not ready, and systemd unmounts what is mounted
	 * from it (seen in the VM: /srv/data was gone after the guard's resume). Root comes first
	 * in the guard's list, so udev's rules never wait on a suspended root. */
	r = devmap_resume(name);
	return r < 0 ? r : 1;
}

int devmap_open_count(const char *name, unsigned *ret_major, unsigned *ret_minor)
{
	struct dm_info info;
	int r = dm_info_of(name, &info);

	if (r < 0)
		return r;
	if (ret_major)
		*ret_major = info.major;
	if (ret_minor)
		*ret_minor = info.minor;
	return info.open_count < 0 ? 0 : info.open_count;
}

int devmap_snap_status_parse(const char *target, const char *params, struct devmap_snap_status *ret)
{
	struct devmap_snap_status s = {};
	char extra;

	if (!target || !params || strlen(target) >= sizeof(s.target))
		return -EINVAL;
	strcpy(s.target, target);
	if (!streq(target, "snapshot") && !streq(target, "snapshot-merge"))
		return -EMEDIUMTYPE;
	if (streq(params, "Invalid"))
		s.invalid = true;
	else if (streq(params, "Overflow"))
		s.overflow = true;
	else if (streq(params, "Merge failed"))
		s.merge_failed = true;
	else if (sscanf(params, "%" SCNu64 "/%" SCNu64 " %" SCNu64 " %c", &s.allocated, &s.total,
			&s.metadata, &extra) != 3 ||
		 s.total == 0 || s.allocated > s.total || s.metadata > s.allocated)
		return -EBADMSG;
	*ret = s;
	return 0;
}

int devmap_snap_status(const char *name, struct devmap_snap_status *ret)
{
	_cleanup_(dm_task_destroyp) struct dm_task *dmt = NULL;
	struct dm_info info;
	uint64_t start, length;
	char *type = NULL, *params = NULL;
	int r;

	r = dm_run_existing(DM_DEVICE_STATUS, name, &dmt, &info);
	if (r < 0)
		return r;
	(void)dm_get_next_target(dmt, NULL, &start, &length, &type, &params);
	if (!type || !params)
		return -ENODATA;
	return devmap_snap_status_parse(type, params, ret);
}

double devmap_snap_fill_percent(const struct devmap_snap_status *s)
{
	if (s->invalid || s->overflow)
		return 100.0;
	if (s->total == 0)
		return -1;
	return 100.0 * (double)s->allocated / (double)s->total;
}
