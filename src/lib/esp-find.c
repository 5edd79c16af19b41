/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finding the ESP: systemd knows where it is (bootctl); rewind does not guess unless bootctl is
 * missing. Mounting it for a restore when nobody did (no fstab entry, or its mount failed).
 */
#include <ctype.h>
#include <sys/stat.h>

#include "boot.h"
#include "efivar.h"
#include "esp-find.h"
#include "json-util.h"
#include "mnt.h"
#include "log.h"
#include "paths.h"
#include "util.h"

/* 1 when bootctl printed a path, 0 when it failed (it finds none), -ENOPKG when it is not
 * installed. */
static int bootctl_print(const char *option, char **ret)
{
	char *argv[] = {(char *)path_bootctl(), (char *)option, NULL};
	_cleanup_free_ char *out = NULL;
	char *p;
	int r;

	r = spawn_capture(argv, 4096, &out, NULL);
	if (r == -ENOENT || r == -EACCES) {
		log_debug("%s cannot be run: %s", argv[0], strerror(-r));
		return -ENOPKG;
	}
	if (r < 0)
		return log_err_errno(r, "Failed to run %s %s: %s", argv[0], option, strerror(-r));
	if (r != 0) {
		_cleanup_free_ char *info = NULL;

		/* systemd-boot booted this system, yet bootctl finds no ESP (an MBR partition
		 * table, an unusual mount point...): say so, rewind can do nothing for the boot. */
		if (streq(option, "--print-esp-path") &&
		    efivar_get_string(path_efivars(), "LoaderInfo", EFI_LOADER_GUID, &info) >= 0)
			log_warning(
			    "systemd-boot (%s) booted this system, but '%s %s' finds no ESP "
			    "(exit status %d, its message above): no rollback entry, no ESP "
			    "record, no restore.",
			    info, argv[0], option, r);
		else
			log_debug("%s %s: exit status %d", argv[0], option, r);
		return 0;
	}
	p = strstrip(out);
	if (p[0] != '/' || strchr(p, '\n'))
		return log_err_errno(-EBADMSG, "%s %s printed no path: '%s'", argv[0], option, p);
	*ret = strdup(p);
	return *ret ? 1 : -ENOMEM;
}

static bool has_loader_dir(const char *root)
{
	_cleanup_free_ char *p = strdup_printf("%s/loader", root);
	struct stat st;

	return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int scan(char **ret)
{
	_cleanup_strv_ char **l = strv_split_char(path_esp_scan(), ':');

	if (!l)
		return -ENOMEM;
	for (size_t i = 0; l[i]; i++)
		if (has_loader_dir(l[i])) {
			*ret = strdup(l[i]);
			return *ret ? 0 : -ENOMEM;
		}
	log_debug("No systemd-boot ESP (no loader/ in %s)", path_esp_scan());
	return -ENOENT;
}

static bool same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	if (streq(a, b))
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int esp_find(char **ret)
{
	static bool warned;
	_cleanup_free_ char *esp = NULL, *boot = NULL;
	int r;

	if (path_esp()) {
		*ret = strdup(path_esp());
		return *ret ? 0 : -ENOMEM;
	}
	r = bootctl_print("--print-esp-path", &esp);
	if (r == -ENOPKG) {
		log_debug("%s is not installed: looking for the ESP in %s", path_bootctl(),
			  path_esp_scan());
		return scan(ret);
	}
	if (r < 0)
		return r;
	if (r == 0) {
		log_debug("%s finds no ESP (none, or not mounted)", path_bootctl());
		return -ENOENT;
	}
	r = bootctl_print("--print-boot-path", &boot);
	if (r < 0 && r != -ENOPKG)
		return r;
	if (r > 0 && !same_dir(esp, boot)) {
		if (!warned)
			log_warning(
			    "The boot entries are on an XBOOTLDR partition (%s), apart from "
			    "the ESP (%s): rewind does not support that. It adds no rollback "
			    "boot entry, and does not put the ESP back after a rollback.",
			    boot, esp);
		warned = true;
		return -EXDEV;
	}
	*ret = TAKE_PTR(esp);
	return 0;
}

int esp_find_open(struct boot **ret)
{
	_cleanup_free_ char *root = NULL;
	int r;

	r = esp_find(&root);
	if (r < 0)
		return r;
	return boot_open(root, path_efivars(), ret);
}

#define ESP_TYPE_UUID "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"

static int mount_vfat(const char *device, const char *dir)
{
	return fs_mount_private(device, dir, "vfat", "umask=0077");
}

static const struct esp_mount_ops esp_mount_ops_real = {
    .mount = mount_vfat,
    .unmount = fs_unmount,
};
const struct esp_mount_ops *esp_mount_ops = &esp_mount_ops_real;

static bool uuid_valid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (size_t i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-'
							    : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* The partition systemd-boot was loaded from: 0, or -ENOENT. */
static int loader_partition(char **ret)
{
	_cleanup_free_ char *uuid = NULL, *dev = NULL;
	int r;

	r = efivar_get_string(path_efivars(), "LoaderDevicePartUUID", EFI_LOADER_GUID, &uuid);
	if (r < 0) {
		log_debug("No EFI variable LoaderDevicePartUUID: %s", strerror(-r));
		return -ENOENT;
	}
	if (!uuid_valid(uuid)) {
		log_warning("Ignoring the EFI variable LoaderDevicePartUUID '%s': no UUID", uuid);
		return -ENOENT;
	}
	for (char *c = uuid; *c; c++)
		*c = tolower((unsigned char)*c);
	dev = strdup_printf("%s/disk/by-partuuid/%s", path_dev(), uuid);
	if (!dev)
		return -ENOMEM;
	if (access(dev, F_OK) < 0) {
		log_debug("The booted loader's partition %s is not there: %m", dev);
		return -ENOENT;
	}
	*ret = TAKE_PTR(dev);
	return 0;
}

/* The one partition of the ESP type that lsblk lists. */
static int typed_partition(char **ret)
{
	char *argv[] = {(char *)path_lsblk(),
			(char *)"--json",
			(char *)"--list",
			(char *)"--paths",
			(char *)"--output",
			(char *)"PATH,PARTTYPE",
			NULL};
	_cleanup_(json_object_putp) json_object *o = NULL;
	_cleanup_free_ char *out = NULL, *found = NULL;
	json_object *devs;
	int r;

	r = spawn_capture(argv, 1 << 20, &out, NULL);
	if (r != 0) {
		log_debug("%s: %s", argv[0], r < 0 ? strerror(-r) : "failed");
		return r == -ENOMEM ? r : -ENOENT;
	}
	o = json_tokener_parse(out);
	devs = jget(o, "blockdevices", json_type_array);
	if (!devs)
		return log_err_errno(-EBADMSG, "Failed to parse what %s printed.", argv[0]);
	for (size_t i = 0; i < json_object_array_length(devs); i++) {
		json_object *d = json_object_array_get_idx(devs, i);
		const char *path = jget_str(d, "path"), *type = jget_str(d, "parttype");

		if (!path || !type || strcasecmp(type, ESP_TYPE_UUID) != 0)
			continue;
		if (found)
			return log_err_errno(-ENOTUNIQ,
					     "Several ESP partitions (%s, %s) and none is the "
					     "booted loader's: rewind does not guess which.",
					     found, path);
		found = strdup(path);
		if (!found)
			return -ENOMEM;
	}
	if (!found) {
		log_debug("%s lists no partition of the ESP type.", argv[0]);
		return -ENOENT;
	}
	*ret = TAKE_PTR(found);
	return 0;
}

int esp_mount(char **ret_dir)
{
	_cleanup_free_ char *dev = NULL, *dir = strdup_printf("%s/esp", path_rundir());
	int r;

	if (!dir)
		return -ENOMEM;
	r = loader_partition(&dev);
	if (r == -ENOENT)
		r = typed_partition(&dev);
	if (r < 0)
		return r;
	r = mkdir_p(path_rundir(), 0755);
	if (r >= 0 && mkdir(dir, 0700) < 0 && errno != EEXIST)
		r = -errno;
	if (r < 0)
		return log_err_errno(r, "Failed to create %s: %s", dir, strerror(-r));
	/* Left mounted by a run that died: not twice. */
	(void)esp_mount_ops->unmount(dir);
	r = esp_mount_ops->mount(dev, dir);
	if (r < 0)
		return r;
	log_info("The ESP was not mounted: mounted %s at %s for the restore.", dev, dir);
	*ret_dir = TAKE_PTR(dir);
	return 0;
}

void esp_unmount(char *dir)
{
	int r = esp_mount_ops->unmount(dir);

	if (r < 0)
		log_warning("Failed to unmount the ESP from %s: %s", dir, strerror(-r));
	else if (rmdir(dir) < 0)
		log_debug("Failed to remove %s: %m", dir);
	free(dir);
}
