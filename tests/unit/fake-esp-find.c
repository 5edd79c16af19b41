/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every test binary: finding the ESP never asks the build host's bootctl or lsblk, nor looks at
 * its /efi, /boot/efi, /boot or /dev, even in a test that unsets REWIND_ESP (test-esp-find.c sets
 * its own); and the ESP is never really mounted. The fake mount of DEVICE (after symlinks) at DIR
 * moves the directory DEVICE.fs to DIR, the unmount moves it back: events "esp mount DEVICE DIR"
 * and "esp umount DIR".
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esp-find.h"
#include "fake.h"
#include "util.h"

static char mounted_fs[PATH_MAX + 4];

static int fake_mount(const char *device, const char *dir)
{
	char real[PATH_MAX];

	if (!realpath(device, real))
		return -errno;
	fake_event("esp mount %s %s", real, dir);
	snprintf(mounted_fs, sizeof(mounted_fs), "%s.fs", real);
	if (rmdir(dir) < 0 || rename(mounted_fs, dir) < 0) {
		*mounted_fs = '\0';
		return -errno;
	}
	return 0;
}

static int fake_unmount(const char *dir)
{
	if (!*mounted_fs)
		return -EINVAL;
	fake_event("esp umount %s", dir);
	if (rename(dir, mounted_fs) < 0 || mkdir(dir, 0700) < 0)
		return -errno;
	*mounted_fs = '\0';
	return 0;
}

static const struct esp_mount_ops fake_esp_mount_ops = {
    .mount = fake_mount,
    .unmount = fake_unmount,
};

__attribute__((constructor)) static void fake_esp_find_init(void)
{
	setenv("REWIND_BOOTCTL", "/nonexistent/bootctl", 1);
	setenv("REWIND_ESP_SCAN", "/nonexistent/efi:/nonexistent/boot", 1);
	setenv("REWIND_LSBLK", "/nonexistent/lsblk", 1);
	setenv("REWIND_DEV", "/nonexistent/dev", 1);
	esp_mount_ops = &fake_esp_mount_ops;
}
