/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * efivar.c against efivarfs's rules (the fake in fake-esp.c): a non-standard variable is immutable,
 * so it can only be changed or removed once FS_IMMUTABLE_FL is off, and each write() is the whole
 * variable. bootctl set-oneshot leaves LoaderEntryOneShot like that; rollback --reboot must still
 * replace it, and the restore after a rollback must still put LoaderEntryDefault back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "efivar.h"
#include "esp-fixture.h"
#include "util.h"

static char dir[512];

static const char *var_path(const char *name)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "%s/%s-" EFI_LOADER_GUID, dir, name);
	return buf;
}

/* The raw file: attributes + data. */
static ssize_t raw(const char *name, unsigned char *buf, size_t size)
{
	int fd = open(var_path(name), O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, size) : -1;

	if (fd >= 0)
		close(fd);
	return n;
}

static bool is(const char *name, const char *value)
{
	_cleanup_free_ char *s = NULL;

	return efivar_get_string(dir, name, EFI_LOADER_GUID, &s) == 0 && streq(s, value);
}

/* What bootctl set-oneshot leaves: a variable efivarfs made immutable. */
static void test_replace_immutable(void)
{
	static const unsigned char want[] = {7, 0, 0, 0, 'b', 0, 0, 0};
	const char *p = var_path("LoaderEntryOneShot");
	unsigned char buf[64];
	unsigned writes;

	fake_efivarfs(true);
	check(efivar_set_string(dir, "LoaderEntryOneShot", EFI_LOADER_GUID, "debian.conf") == 0);
	check(fake_efivar_immutable(p));
	/* the fake refuses as efivarfs does: no open for writing, no unlink */
	check(fake_efivarfs_ops.open(p, O_WRONLY | O_CLOEXEC, 0) == -EPERM);
	check(fake_efivarfs_ops.open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644) == -EPERM);
	check(fake_efivarfs_ops.unlink(p) == -EPERM);
	check(is("LoaderEntryOneShot", "debian.conf")); /* reading is fine */

	/* replaced: in one write(), and immutable again afterwards, as systemd leaves it */
	writes = fake_efivar_writes;
	check(efivar_set_string(dir, "LoaderEntryOneShot", EFI_LOADER_GUID, "b") == 0);
	check(fake_efivar_writes == writes + 1);
	check(raw("LoaderEntryOneShot", buf, sizeof(buf)) == sizeof(want) &&
	      memcmp(buf, want, sizeof(want)) == 0);
	check(fake_efivar_immutable(p));

	/* removed: the flag comes off first */
	check(efivar_delete(dir, "LoaderEntryOneShot", EFI_LOADER_GUID) == 0);
	check(!exists(p));
	check(efivar_delete(dir, "LoaderEntryOneShot", EFI_LOADER_GUID) == -ENOENT);
	fake_efivarfs(false);
}

/* A variable someone else wrote (not through the library), which efivarfs marks immutable. */
static void test_foreign_immutable(void)
{
	uint32_t attr = 0;
	size_t size = 0;
	void *data = NULL;
	static const unsigned char old[] = {7, 0, 0, 0, 'x', 0, 0, 0};
	int fd;

	fake_efivarfs(true);
	fd = open(var_path("LoaderEntryDefault"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	check(fd >= 0 && write(fd, old, sizeof(old)) == sizeof(old));
	if (fd >= 0)
		close(fd);
	check(is("LoaderEntryDefault", "x"));
	fake_efivar_set_immutable(var_path("LoaderEntryDefault"), true);
	check(efivar_set_string(dir, "LoaderEntryDefault", EFI_LOADER_GUID, "debian-6.1.conf") ==
	      0);
	check(is("LoaderEntryDefault", "debian-6.1.conf"));
	check(efivar_read(dir, "LoaderEntryDefault", EFI_LOADER_GUID, &attr, &data, &size) == 0);
	check(attr == EFI_VARIABLE_NV_BS_RT && size == strlen("debian-6.1.conf") * 2 + 2);
	free(data);
	check(efivar_delete(dir, "LoaderEntryDefault", EFI_LOADER_GUID) == 0);
	check(!exists(var_path("LoaderEntryDefault")));
	fake_efivarfs(false);
}

static int no_flags(int fd, unsigned *ret)
{
	return -ENOTTY;
}

static int not_supported(int fd, unsigned flags)
{
	return -EOPNOTSUPP;
}

static int denied(int fd, unsigned flags)
{
	return -EPERM;
}

static int get_flags(int fd, unsigned *ret)
{
	return fake_efivarfs_ops.get_flags(fd, ret);
}

/* A file system without the flags (ENOTTY, EOPNOTSUPP) is fine: there is nothing to clear. */
static void test_no_flags(void)
{
	struct efivar_fs_ops ops = fake_efivarfs_ops;

	fake_efivarfs(true);
	ops.get_flags = no_flags;
	ops.set_flags = not_supported;
	efivar_set_fs_ops(&ops);
	check(efivar_set_string(dir, "LoaderEntryOneShot", EFI_LOADER_GUID, "a") == 0);
	/* (the fake made it immutable on creation; a real file system without flags would not) */
	fake_efivar_set_immutable(var_path("LoaderEntryOneShot"), false);
	check(efivar_set_string(dir, "LoaderEntryOneShot", EFI_LOADER_GUID, "bb") == 0);
	check(is("LoaderEntryOneShot", "bb"));
	check(efivar_delete(dir, "LoaderEntryOneShot", EFI_LOADER_GUID) == 0);

	/* the real calls on the test's directory (tmpfs or whatever /tmp is) */
	fake_efivarfs(false);
	check(efivar_set_string(dir, "LoaderEntryOneShot", EFI_LOADER_GUID, "longer value") == 0);
	check(efivar_set_string(dir, "LoaderEntryOneShot", EFI_LOADER_GUID, "c") == 0);
	check(is("LoaderEntryOneShot", "c"));
	check(efivar_delete(dir, "LoaderEntryOneShot", EFI_LOADER_GUID) == 0);
	check(efivar_delete(dir, "LoaderEntryOneShot", EFI_LOADER_GUID) == -ENOENT);
}

/* Without CAP_LINUX_IMMUTABLE the flag stays: the variable is left as it was, and the error is
 * efivarfs's EPERM. */
static void test_cannot_clear(void)
{
	struct efivar_fs_ops ops = fake_efivarfs_ops;

	fake_efivarfs(true);
	check(efivar_set_string(dir, "LoaderEntryOneShot", EFI_LOADER_GUID, "a") == 0);
	ops.get_flags = get_flags;
	ops.set_flags = denied;
	efivar_set_fs_ops(&ops);
	check(efivar_set_string(dir, "LoaderEntryOneShot", EFI_LOADER_GUID, "b") == -EPERM);
	check(efivar_delete(dir, "LoaderEntryOneShot", EFI_LOADER_GUID) == -EPERM);
	check(is("LoaderEntryOneShot", "a"));
	check(fake_efivar_immutable(var_path("LoaderEntryOneShot")));
	efivar_set_fs_ops(&fake_efivarfs_ops);
	check(efivar_delete(dir, "LoaderEntryOneShot", EFI_LOADER_GUID) == 0);
	fake_efivarfs(false);
}

static int fail_write_open(const char *path, int flags, mode_t mode)
{
	if ((flags & O_ACCMODE) != O_RDONLY)
		return -EIO;
	return fake_efivarfs_ops.open(path, flags, mode);
}

/* A write that fails after the flag came off puts the flag back. */
static void test_flag_back_on_failure(void)
{
	struct efivar_fs_ops ops = fake_efivarfs_ops;

	fake_efivarfs(true);
	check(efivar_set_string(dir, "LoaderEntryDefault", EFI_LOADER_GUID, "a") == 0);
	ops.open = fail_write_open;
	efivar_set_fs_ops(&ops);
	check(efivar_set_string(dir, "LoaderEntryDefault", EFI_LOADER_GUID, "b") == -EIO);
	check(fake_efivar_immutable(var_path("LoaderEntryDefault")));
	check(is("LoaderEntryDefault", "a"));
	efivar_set_fs_ops(&fake_efivarfs_ops);
	check(efivar_delete(dir, "LoaderEntryDefault", EFI_LOADER_GUID) == 0);
	fake_efivarfs(false);
}

int main(void)
{
	char tmpl[] = "/tmp/test-efivar.XXXXXX", *root = mkdtemp(tmpl);
	char cmd[600];

	if (!root)
		return 1;
	snprintf(dir, sizeof(dir), "%s/efivars", root);
	mkdir_p(dir, 0755);
	RUN_ESP(test_replace_immutable(), "replace_immutable");
	RUN_ESP(test_foreign_immutable(), "foreign_immutable");
	RUN_ESP(test_no_flags(), "no_flags");
	RUN_ESP(test_cannot_clear(), "cannot_clear");
	RUN_ESP(test_flag_back_on_failure(), "flag_back_on_failure");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", root);
	if (failures)
		fprintf(stderr, "test-efivar: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
