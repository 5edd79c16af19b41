/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rollback --now's unmount and mount, faked: the origin mounted from /dev/mapper/NAME is closed
 * by an unmount (lv_attr "o" cleared) and open again after the mount; both are events
 * ("mnt umount TARGET", "mnt mount TARGET"). fake_mnt_fail makes the unmount of one target fail.
 */
#include <errno.h>
#include <string.h>

#include "fake.h"
#include "mnt.h"
#include "util.h"

static char busy_target[256];
static int busy_errno;

void fake_mnt_fail(const char *target, int err)
{
	snprintf(busy_target, sizeof(busy_target), "%s", target ?: "");
	busy_errno = err;
}

void fake_mnt_busy(const char *target)
{
	fake_mnt_fail(target, EBUSY);
}

static void set_open(const char *source, bool open)
{
	const char *name = startswith(source, "/dev/mapper/") ? source + 12 : NULL;
	struct fake_lv *lv = name ? fake_lv_by_dm_name(name) : NULL;

	if (lv)
		lv->attr[5] = open ? 'o' : '-';
}

static int fake_unmount(struct mount_table *t, const char *target, struct mount_saved *ret)
{
	char *src = NULL;

	if (*busy_target && streq(target, busy_target)) {
		fake_event("mnt umount %s: %s", target, strerror(busy_errno));
		return -busy_errno;
	}
	if (mount_table_source_of(t, target, &src) < 0)
		return -ENOENT;
	fake_event("mnt umount %s", target);
	set_open(src, false);
	*ret = (struct mount_saved){.source = src, .target = strdup(target)};
	return 0;
}

static int fake_remount(const struct mount_saved *s)
{
	fake_event("mnt mount %s", s->target);
	set_open(s->source, true);
	return 0;
}

const struct mount_ops fake_mount_ops = {
    .unmount = fake_unmount,
    .remount = fake_remount,
};
