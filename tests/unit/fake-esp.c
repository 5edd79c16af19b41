/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fake ESP of test-esp.c and test-txn-esp.c: files in a directory; and a fake efivarfs. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "efivar.h"
#include "esp-fixture.h"
#include "util.h"

char esp[512];
int failures;

const char *pathf(const char *fmt, ...)
{
	static char buf[4][1600];
	static int k;
	char rel[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", esp, rel);
	return buf[k];
}

void put(const char *path, const char *content)
{
	_cleanup_free_ char *dir = strdup(path);
	FILE *f;

	if (!dir)
		abort();
	*strrchr(dir, '/') = '\0';
	mkdir_p(dir, 0755);
	f = fopen(path, "we");
	if (!f)
		abort();
	fputs(content, f);
	fclose(f);
}

char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

void esp_make(const char *loader_conf, const char *entry, const char *linux_image,
	      const char *initrd)
{
	put(pathf("loader/loader.conf"), loader_conf);
	put(pathf("loader/entries/" MID "-" KVER ".conf"), entry);
	put(pathf(MID "/" KVER "/linux"), linux_image);
	put(pathf(MID "/" KVER "/initrd.img-" KVER), initrd);
	put(pathf("EFI/BOOT/BOOTX64.EFI"), "MZ systemd-boot");
}

/* ---- efivarfs ---- */

/* The flags of the variable files, by inode: a plain directory keeps none. */
static struct {
	dev_t dev;
	ino_t ino;
	unsigned flags;
} fake_flags[256];
static size_t n_fake_flags;
unsigned fake_efivar_writes;

static unsigned *flags_of(const struct stat *st, bool add)
{
	for (size_t i = 0; i < n_fake_flags; i++)
		if (fake_flags[i].dev == st->st_dev && fake_flags[i].ino == st->st_ino)
			return &fake_flags[i].flags;
	if (!add || n_fake_flags >= sizeof(fake_flags) / sizeof(fake_flags[0]))
		return NULL;
	fake_flags[n_fake_flags] = (typeof(fake_flags[0])){.dev = st->st_dev, .ino = st->st_ino};
	return &fake_flags[n_fake_flags++].flags;
}

static void forget(const struct stat *st)
{
	unsigned *f = flags_of(st, false);

	if (f)
		*f = 0;
}

static bool path_immutable(const char *path)
{
	struct stat st;
	unsigned *f;

	if (stat(path, &st) < 0)
		return false;
	f = flags_of(&st, false);
	return f && (*f & FS_IMMUTABLE_FL);
}

static int fake_open(const char *path, int flags, mode_t mode)
{
	struct stat st;
	bool existed = stat(path, &st) == 0;
	int fd;

	/* efivarfs: inode_permission() refuses MAY_WRITE on an immutable inode. */
	if ((flags & O_ACCMODE) != O_RDONLY && existed && path_immutable(path))
		return -EPERM;
	fd = open(path, flags, mode);
	if (fd < 0)
		return -errno;
	/* A variable created anew is immutable unless it is a standard one; ours never are. */
	if (!existed && fstat(fd, &st) == 0) {
		unsigned *f = flags_of(&st, true);

		if (f)
			*f = FS_IMMUTABLE_FL;
	}
	return fd;
}

/* efivarfs_file_write(): each write() is attributes + data, the whole variable. */
static ssize_t fake_write(int fd, const void *buf, size_t len)
{
	fake_efivar_writes++;
	if (len < 4)
		return -EINVAL;
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, len, 0) != (ssize_t)len)
		return -errno;
	return (ssize_t)len;
}

static int fake_unlink(const char *path)
{
	struct stat st;

	if (path_immutable(path))
		return -EPERM;
	if (stat(path, &st) == 0)
		forget(&st);
	return unlink(path) < 0 ? -errno : 0;
}

static int fake_get_flags(int fd, unsigned *ret)
{
	struct stat st;
	unsigned *f;

	if (fstat(fd, &st) < 0)
		return -errno;
	f = flags_of(&st, false);
	*ret = f ? *f : 0;
	return 0;
}

static int fake_set_flags(int fd, unsigned flags)
{
	struct stat st;
	unsigned *f;

	if (fstat(fd, &st) < 0)
		return -errno;
	f = flags_of(&st, true);
	if (!f)
		return -ENOSPC;
	*f = flags;
	return 0;
}

const struct efivar_fs_ops fake_efivarfs_ops = {
    .open = fake_open,
    .write = fake_write,
    .unlink = fake_unlink,
    .get_flags = fake_get_flags,
    .set_flags = fake_set_flags,
};

void fake_efivarfs(bool on)
{
	n_fake_flags = 0;
	fake_efivar_writes = 0;
	efivar_set_fs_ops(on ? &fake_efivarfs_ops : NULL);
}

bool fake_efivar_immutable(const char *path)
{
	return path_immutable(path);
}

void fake_efivar_set_immutable(const char *path, bool on)
{
	struct stat st;
	unsigned *f;

	if (stat(path, &st) < 0 || !(f = flags_of(&st, true)))
		abort();
	*f = on ? *f | FS_IMMUTABLE_FL : *f & ~FS_IMMUTABLE_FL;
}
