/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The mount table through libmount (path_mountinfo()); no hand parsing of mountinfo. */
struct mount_table;

int mount_table_load(struct mount_table **ret);
void mount_table_free(struct mount_table *t);
static inline void mount_table_freep(struct mount_table **t)
{
	if (*t)
		mount_table_free(*t);
}

/* The source device mounted at target (exactly that mount point, last mount wins). */
int mount_table_source_of(struct mount_table *t, const char *target, char **ret);
/* Where a device (any of its names) is mounted; -ENOENT when not mounted. */
int mount_table_target_of(struct mount_table *t, const char *const *names, char **ret);

/* Every mount point of a device (any of its names), in mount order; -ENOENT when none. */
int mount_table_targets_of(struct mount_table *t, const char *const *names, char ***ret);

/* A mount of a device that shows a subdirectory of it (a bind mount): 1 with its target, 0 when
 * none. Unmounting and mounting again would not bring it back as it was. */
int mount_table_subdir_mount_of(struct mount_table *t, const char *const *names, char **ret);

/*
 * Who else has the device major:minor mounted: processes in other mount namespaces (containers,
 * unshare -m, systemd's PrivateTmp=...), one line each "pid N (comm) at PATH", joined by "; ".
 * 0 with *ret NULL when nobody is found.
 */
int mounts_find_holders(unsigned major, unsigned minor, char **ret);

/* Two device paths name the same block device (equal strings, or same st_rdev). */
bool mounts_same_device(const char *a, const char *b);

/* Used bytes of the filesystem mounted at path (statvfs). */
int fs_used_bytes(const char *path, uint64_t *ret);

/* What is needed to mount a filesystem again after an unmount. */
struct mount_saved {
	char *source;
	char *target;
	char *fstype;
	char *options;
};
void mount_saved_done(struct mount_saved *s);
/* Unmount target, remembering how it was mounted. -EBUSY when busy. */
int mount_table_unmount(struct mount_table *t, const char *target, struct mount_saved *ret);
int mount_saved_remount(const struct mount_saved *s);

/* The unmount and mount that rollback --now uses; the unit tests replace them. */
struct mount_ops {
	int (*unmount)(struct mount_table *t, const char *target, struct mount_saved *ret);
	int (*remount)(const struct mount_saved *s);
};
extern const struct mount_ops mount_ops_real;
extern const struct mount_ops *txn_mount_ops;

/*
 * Mount a filesystem for rewind's own use only: noexec, nosuid, nodev, data as the filesystem's
 * options ("umask=0077" for vfat); never through fstab. fs_unmount(): unmount exactly target
 * (not following a symlink); -EINVAL when nothing is mounted there.
 */
int fs_mount_private(const char *source, const char *target, const char *fstype, const char *data);
int fs_unmount(const char *target);

/*
 * rewind diff (txn-diff.c): the snapshot looked at without writing to it, in a mount namespace of
 * the child's own. mounts_private_namespace(): unshare(CLONE_NEWNS), then everything MS_PRIVATE
 * (MS_REC), so nothing mounted afterwards propagates out: the mounts end with the namespace,
 * when its last process does (a SIGKILL too). fs_mount_readonly(): MS_RDONLY with nosuid, nodev,
 * noexec and data as given (ext4 "noload", XFS "norecovery,nouuid"). fs_probe_type(): the file
 * system on a device (libblkid through libmount), -ENOENT when none is recognised.
 */
int mounts_private_namespace(void);
int fs_mount_readonly(const char *source, const char *target, const char *fstype, const char *data);
int fs_probe_type(const char *device, char **ret);

/* The calls rewind diff makes; the unit tests replace them. */
struct diff_mount_ops {
	int (*probe)(const char *device, char **ret);
	int (*private_namespace)(void);
	int (*mount_readonly)(const char *source, const char *target, const char *fstype,
			      const char *data);
	int (*unmount)(const char *target);
	/* BLKROSET: ext4 deletes orphan inodes even on a read-only mount, unless the device
	 * itself is read-only. *ret_was: the flag before (to put back). */
	int (*set_readonly)(const char *device, bool ro, bool *ret_was);
};
extern const struct diff_mount_ops diff_mount_ops_real;
extern const struct diff_mount_ops *txn_diff_mount_ops;
