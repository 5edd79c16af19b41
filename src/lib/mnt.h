/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The mount table through libmount (path_mountinfo()); no hand parsing of mountinfo. */
struct mnt_tab;

int mnt_tab_load(struct mnt_tab **ret);
void mnt_tab_free(struct mnt_tab *t);
static inline void mnt_tab_freep(struct mnt_tab **t)
{
	if (*t)
		mnt_tab_free(*t);
}

/* The source device mounted at target (exactly that mount point, last mount wins). */
int mnt_tab_source_of(struct mnt_tab *t, const char *target, char **ret);
/* Where a device (any of its names) is mounted; -ENOENT when not mounted. */
int mnt_tab_target_of(struct mnt_tab *t, const char *const *names, char **ret);

/* Every mount point of a device (any of its names), in mount order; -ENOENT when none. */
int mnt_tab_targets_of(struct mnt_tab *t, const char *const *names, char ***ret);

/* A mount of a device that shows a subdirectory of it (a bind mount): 1 with its target, 0 when
 * none. Unmounting and mounting again would not bring it back as it was. */
int mnt_tab_subdir_mount_of(struct mnt_tab *t, const char *const *names, char **ret);

/*
 * Who else has the device major:minor mounted: processes in other mount namespaces (containers,
 * unshare -m, systemd's PrivateTmp=...), one line each "pid N (comm) at PATH", joined by "; ".
 * 0 with *ret NULL when nobody is found.
 */
int mnt_find_holders(unsigned major, unsigned minor, char **ret);

/* Two device paths name the same block device (equal strings, or same st_rdev). */
bool mnt_same_device(const char *a, const char *b);

/* Used bytes of the filesystem mounted at path (statvfs). */
int mnt_fs_used(const char *path, uint64_t *ret);

/* What is needed to mount a filesystem again after an unmount. */
struct mnt_saved {
	char *source;
	char *target;
	char *fstype;
	char *options;
};
void mnt_saved_done(struct mnt_saved *s);
/* Unmount target, remembering how it was mounted. -EBUSY when busy. */
int mnt_unmount(struct mnt_tab *t, const char *target, struct mnt_saved *ret);
int mnt_remount(const struct mnt_saved *s);

/* The unmount and mount that rollback --now uses; the unit tests replace them. */
struct mnt_ops {
	int (*unmount)(struct mnt_tab *t, const char *target, struct mnt_saved *ret);
	int (*remount)(const struct mnt_saved *s);
};
extern const struct mnt_ops mnt_ops_real;
extern const struct mnt_ops *txn_mnt_ops;

/*
 * Mount a filesystem for rewind's own use only: noexec, nosuid, nodev, data as the filesystem's
 * options ("umask=0077" for vfat); never through fstab. fs_unmount(): unmount exactly target
 * (not following a symlink); -EINVAL when nothing is mounted there.
 */
int fs_mount_private(const char *source, const char *target, const char *fstype, const char *data);
int fs_unmount(const char *target);
