/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rollback --now's unmount and mount, faked: the origin mounted from /dev/mapper/NAME is closed
 * by an unmount (lv_attr "o" cleared) and open again after the mount; both are events
 * ("mnt umount TARGET", "mnt mount TARGET"). fake_mnt_fail makes the unmount of one target fail.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake.h"
#include "mnt.h"
#include "util.h"

static char busy_target[256], mount_fail_target[256];
static int busy_errno;

static char hook_target[256];
static void (*hook_fn)(void);

void fake_mnt_on_unmount(const char *target, void (*fn)(void))
{
	snprintf(hook_target, sizeof(hook_target), "%s", target ?: "");
	hook_fn = fn;
}

void fake_mnt_fail_mount(const char *target)
{
	snprintf(mount_fail_target, sizeof(mount_fail_target), "%s", target ?: "");
}

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
	if (hook_fn && streq(target, hook_target))
		hook_fn();
	*ret = (struct mount_saved){.source = src, .target = strdup(target)};
	return 0;
}

static int fake_remount(const struct mount_saved *s)
{
	if (*mount_fail_target && streq(s->target, mount_fail_target)) {
		fake_event("mnt mount %s: %s", s->target, strerror(EIO));
		return -EIO;
	}
	fake_event("mnt mount %s", s->target);
	set_open(s->source, true);
	return 0;
}

const struct mount_ops fake_mount_ops = {
    .unmount = fake_unmount,
    .remount = fake_remount,
};

/*
 * rewind diff's mounts, faked: "mounting" a device makes the mount point a symlink to the
 * directory fake_diff_tree() gave for it (rmdir, symlink; the unmount undoes it), so the real
 * comparison runs on test trees. Events: "mnt namespace", "mnt mount-ro DEVICE FSTYPE DATA",
 * "mnt unmount TARGET". fake_diff_fstype: what the probe says (NULL: nothing recognised).
 */
static char diff_dev[4][256], diff_dir[4][512];
static const char *diff_fstype = "ext4";

void fake_diff_tree(const char *device, const char *dir)
{
	for (size_t i = 0; i < 4; i++)
		if (!*diff_dev[i] || streq(diff_dev[i], device)) {
			snprintf(diff_dev[i], sizeof(diff_dev[i]), "%s", device);
			snprintf(diff_dir[i], sizeof(diff_dir[i]), "%s", dir);
			return;
		}
}

void fake_diff_reset(void)
{
	memset(diff_dev, 0, sizeof(diff_dev));
	diff_fstype = "ext4";
}

void fake_diff_fstype(const char *fstype)
{
	diff_fstype = fstype;
}

static int fake_probe(const char *device, char **ret)
{
	if (!diff_fstype)
		return -ENOENT;
	*ret = strdup(diff_fstype);
	return *ret ? 0 : -ENOMEM;
}

static int fake_namespace(void)
{
	fake_event("mnt namespace");
	return 0;
}

static int fake_mount_ro(const char *source, const char *target, const char *fstype,
			 const char *data)
{
	fake_event("mnt mount-ro %s %s %s", source, fstype, data ?: "");
	for (size_t i = 0; i < 4; i++)
		if (streq(diff_dev[i], source)) {
			if (rmdir(target) < 0 || symlink(diff_dir[i], target) < 0)
				return -errno;
			return 0;
		}
	return -ENOENT;
}

static int fake_unmount_target(const char *target)
{
	fake_event("mnt unmount %s", target);
	if (unlink(target) < 0 || mkdir(target, 0700) < 0)
		return -errno;
	return 0;
}

static int fake_set_readonly(const char *device, bool ro, bool *ret_was)
{
	fake_event("mnt blockdev %s %s", ro ? "ro" : "rw", device);
	if (ret_was)
		*ret_was = false;
	return 0;
}

const struct diff_mount_ops fake_diff_mount_ops = {
    .probe = fake_probe,
    .private_namespace = fake_namespace,
    .mount_readonly = fake_mount_ro,
    .unmount = fake_unmount_target,
    .set_readonly = fake_set_readonly,
};
