/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <libmount/libmount.h>
#include <sched.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>

#include "log.h"
#include "mnt.h"
#include "paths.h"
#include "util.h"

struct mount_table {
	struct libmnt_table *tb;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(struct libmnt_context *, mnt_free_context);

int mount_table_load(struct mount_table **ret)
{
	struct mount_table *t = calloc(1, sizeof(*t));
	const char *path = path_mountinfo();

	if (!t)
		return -ENOMEM;
	t->tb = mnt_new_table_from_file(path);
	if (!t->tb) {
		free(t);
		return log_err_errno(-EIO, "Failed to read the mount table %s.", path);
	}
	*ret = t;
	return 0;
}

void mount_table_free(struct mount_table *t)
{
	mnt_unref_table(t->tb);
	free(t);
}

int mount_table_source_of(struct mount_table *t, const char *target, char **ret)
{
	struct libmnt_fs *fs = mnt_table_find_target(t->tb, target, MNT_ITER_BACKWARD);
	const char *src;

	if (!fs || !(src = mnt_fs_get_source(fs)))
		return -ENOENT;
	*ret = strdup(src);
	return *ret ? 0 : -ENOMEM;
}

bool mounts_same_device(const char *a, const char *b)
{
	struct stat sa, sb;

	if (streq(a, b))
		return true;
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return false;
	return S_ISBLK(sa.st_mode) && S_ISBLK(sb.st_mode) && sa.st_rdev == sb.st_rdev;
}

int mount_table_target_of(struct mount_table *t, const char *const *names, char **ret)
{
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	const char *found = NULL;

	if (!it)
		return -ENOMEM;
	while (!found && mnt_table_next_fs(t->tb, it, &fs) == 0) {
		const char *src = mnt_fs_get_source(fs);
		if (!src || src[0] != '/')
			continue;
		for (size_t i = 0; names[i]; i++)
			if (*names[i] && mounts_same_device(src, names[i])) {
				found = mnt_fs_get_target(fs);
				break;
			}
	}
	mnt_free_iter(it);
	if (!found)
		return -ENOENT;
	*ret = strdup(found);
	return *ret ? 0 : -ENOMEM;
}

int mount_table_targets_of(struct mount_table *t, const char *const *names, char ***ret)
{
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	_cleanup_strv_ char **l = NULL;
	struct libmnt_fs *fs;
	int r = 0;

	if (!it)
		return -ENOMEM;
	while (r >= 0 && mnt_table_next_fs(t->tb, it, &fs) == 0) {
		const char *src = mnt_fs_get_source(fs);
		if (!src || src[0] != '/')
			continue;
		for (size_t i = 0; names[i]; i++)
			if (*names[i] && mounts_same_device(src, names[i])) {
				r = strv_extend(&l, mnt_fs_get_target(fs) ?: "?");
				break;
			}
	}
	mnt_free_iter(it);
	if (r < 0)
		return r;
	if (!l)
		return -ENOENT;
	*ret = TAKE_PTR(l);
	return 0;
}

int mount_table_subdir_mount_of(struct mount_table *t, const char *const *names, char **ret)
{
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	int r = 0;

	if (!it)
		return -ENOMEM;
	while (r == 0 && mnt_table_next_fs(t->tb, it, &fs) == 0) {
		const char *src = mnt_fs_get_source(fs), *root = mnt_fs_get_root(fs);
		if (!src || src[0] != '/' || !root || streq(root, "/"))
			continue;
		for (size_t i = 0; names[i]; i++)
			if (*names[i] && mounts_same_device(src, names[i])) {
				*ret = strdup(mnt_fs_get_target(fs) ?: "?");
				r = *ret ? 1 : -ENOMEM;
				break;
			}
	}
	mnt_free_iter(it);
	return r;
}

/* The first mount of major:minor in one process's mount table, or NULL. */
static char *mounted_at(const char *mountinfo, dev_t dev)
{
	struct libmnt_table *tb = mnt_new_table_from_file(mountinfo);
	struct libmnt_iter *it = tb ? mnt_new_iter(MNT_ITER_FORWARD) : NULL;
	struct libmnt_fs *fs;
	char *found = NULL;

	while (it && !found && mnt_table_next_fs(tb, it, &fs) == 0)
		if (mnt_fs_get_devno(fs) == dev)
			found = strdup(mnt_fs_get_target(fs) ?: "?");
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return found;
}

int mounts_find_holders(unsigned major, unsigned minor, char **ret)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_strv_ char **seen = NULL;
	struct stat self;
	struct dirent *de;
	DIR *d;

	*ret = NULL;
	if (major == 0 || stat("/proc/self/ns/mnt", &self) < 0 || !(d = opendir("/proc")))
		return 0;
	while ((de = readdir(d))) {
		_cleanup_free_ char *ns = NULL, *mi = NULL, *comm = NULL, *at = NULL, *id = NULL;
		struct stat st;
		char *n;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		ns = strdup_printf("/proc/%s/ns/mnt", de->d_name);
		/* Our own namespace was looked at already (and unmounted): others only, once. */
		if (!ns || stat(ns, &st) < 0 || st.st_ino == self.st_ino)
			continue;
		id = strdup_printf("%llu", (unsigned long long)st.st_ino);
		if (!id || strv_contains(seen, id) || strv_extend(&seen, id) < 0)
			continue;
		mi = strdup_printf("/proc/%s/mountinfo", de->d_name);
		if (!mi || !(at = mounted_at(mi, makedev(major, minor))))
			continue;
		free(ns);
		ns = strdup_printf("/proc/%s/comm", de->d_name);
		if (ns)
			(void)read_one_line_file(ns, &comm);
		n = strdup_printf("%s%spid %s (%s) has it mounted at %s in another mount namespace",
				  out ?: "", out ? "; " : "", de->d_name, comm ?: "?", at);
		if (!n)
			break;
		free(out);
		out = n;
	}
	closedir(d);
	*ret = TAKE_PTR(out);
	return 0;
}

int fs_used_bytes(const char *path, uint64_t *ret)
{
	struct statvfs sv;

	if (statvfs(path, &sv) < 0)
		return -errno;
	*ret = (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
	return 0;
}

void mount_saved_done(struct mount_saved *s)
{
	free(s->source);
	free(s->target);
	free(s->fstype);
	free(s->options);
	*s = (struct mount_saved){};
}

int mount_table_unmount(struct mount_table *t, const char *target, struct mount_saved *ret)
{
	_cleanup_(mnt_free_contextp) struct libmnt_context *cxt = NULL;
	struct libmnt_fs *fs = mnt_table_find_target(t->tb, target, MNT_ITER_BACKWARD);
	struct mount_saved s = {};
	int r;

	if (!fs)
		return -ENOENT;
	s.source = strdup(mnt_fs_get_source(fs) ?: "");
	s.target = strdup(target);
	s.fstype = strdup(mnt_fs_get_fstype(fs) ?: "auto");
	/* The VFS and the filesystem options together, as they were in effect. */
	s.options = mnt_fs_strdup_options(fs);
	if (!s.source || !s.target || !s.fstype) {
		mount_saved_done(&s);
		return -ENOMEM;
	}
	cxt = mnt_new_context();
	if (!cxt) {
		mount_saved_done(&s);
		return -ENOMEM;
	}
	mnt_context_set_target(cxt, target);
	r = mnt_context_umount(cxt);
	if (r != 0 || mnt_context_get_status(cxt) != 1) {
		int e = mnt_context_get_syscall_errno(cxt);
		mount_saved_done(&s);
		return e ? -e : -EIO;
	}
	*ret = s;
	return 0;
}

int mount_saved_remount(const struct mount_saved *s)
{
	_cleanup_(mnt_free_contextp) struct libmnt_context *cxt = mnt_new_context();
	int r;

	if (!cxt)
		return -ENOMEM;
	mnt_context_set_source(cxt, s->source);
	mnt_context_set_target(cxt, s->target);
	mnt_context_set_fstype(cxt, s->fstype);
	if (s->options)
		mnt_context_set_options(cxt, s->options);
	/* The table may no longer list it; do not let libmount consult fstab. */
	mnt_context_set_optsmode(cxt, MNT_OMODE_IGNORE);
	r = mnt_context_mount(cxt);
	if (r != 0 || mnt_context_get_status(cxt) != 1) {
		int e = mnt_context_get_syscall_errno(cxt);
		return log_err_errno(e ? -e : -EIO, "Failed to mount %s on %s again.", s->source,
				     s->target);
	}
	return 0;
}

const struct mount_ops mount_ops_real = {
    .unmount = mount_table_unmount,
    .remount = mount_saved_remount,
};

int fs_mount_private(const char *source, const char *target, const char *fstype, const char *data)
{
	if (mount(source, target, fstype, MS_NOEXEC | MS_NOSUID | MS_NODEV, data) < 0)
		return log_err_errno(-errno, "Failed to mount %s (%s) at %s: %m", source, fstype,
				     target);
	return 0;
}

int fs_unmount(const char *target)
{
	if (umount2(target, UMOUNT_NOFOLLOW) == 0)
		return 0;
	/* Something still holds it (a shell in it?): gone from the tree now, unmounted when let go.
	 */
	if (errno == EBUSY && umount2(target, UMOUNT_NOFOLLOW | MNT_DETACH) == 0)
		return 0;
	return -errno;
}

int mounts_private_namespace(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return log_err_errno(-errno, "Failed to create a mount namespace: %m");
	/* Nothing mounted from now on propagates back to the namespace it came from. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return log_err_errno(-errno, "Failed to make the mount namespace private: %m");
	return 0;
}

int fs_mount_readonly(const char *source, const char *target, const char *fstype, const char *data)
{
	if (mount(source, target, fstype, MS_RDONLY | MS_NOEXEC | MS_NOSUID | MS_NODEV, data) < 0)
		return log_err_errno(-errno, "Failed to mount %s (%s, ro,%s) at %s: %m", source,
				     fstype, data ?: "", target);
	return 0;
}

static int blockdev_set_readonly(const char *device, bool ro, bool *ret_was)
{
	_cleanup_close_ int fd = open(device, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int was = 0, v = ro;

	if (fd < 0)
		return log_err_errno(-errno, "Failed to open %s: %m", device);
	if (ioctl(fd, BLKROGET, &was) < 0 || ioctl(fd, BLKROSET, &v) < 0)
		return log_err_errno(-errno, "Failed to make %s %s: %m", device,
				     ro ? "read-only" : "writable again");
	if (ret_was)
		*ret_was = was;
	return 0;
}

int fs_probe_type(const char *device, char **ret)
{
	int ambiguous = 0;
	char *type = mnt_get_fstype(device, &ambiguous, NULL);

	if (!type)
		return -ENOENT;
	if (ambiguous) {
		free(type);
		return log_err_errno(-EINVAL, "Failed to tell the file system on %s: ambiguous.",
				     device);
	}
	*ret = type;
	return 0;
}

const struct diff_mount_ops diff_mount_ops_real = {
    .probe = fs_probe_type,
    .private_namespace = mounts_private_namespace,
    .mount_readonly = fs_mount_readonly,
    .unmount = fs_unmount,
    .set_readonly = blockdev_set_readonly,
};
