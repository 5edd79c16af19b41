/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

struct boot;

/*
 * Where the ESP is, asked of systemd: `bootctl --print-esp-path`. Only when bootctl is not
 * installed (Debian ships it in systemd-boot), the first of path_esp_scan() (/efi, /boot/efi,
 * /boot) with a loader/ directory. path_esp() set (the unit tests): that directory.
 * -ENOENT: no ESP (bootctl found none: not mounted?). -EXDEV: `bootctl --print-boot-path` names
 * an XBOOTLDR partition, where the boot entries live apart from the ESP: rewind does not support
 * that (warned once).
 */
int esp_find(char **ret);

/* boot_open() of what esp_find() finds, with path_efivars(); -ENOENT also when the ESP has no
 * loader/ (no systemd-boot), -EXDEV as esp_find(). */
int esp_find_open(struct boot **ret);

/*
 * The ESP is not mounted (esp_find_open() -ENOENT) when a restore is due: mount its partition at
 * path_rundir()/esp (vfat, umask=0077, noexec, nosuid, nodev) for the restore. The partition is
 * the booted loader's (EFI variable LoaderDevicePartUUID: path_dev()/disk/by-partuuid/UUID), or
 * else the only partition of the ESP's GPT type that `lsblk` lists. 0 with the mount point in
 * *ret_dir; -ENOENT: no partition found; -ENOTUNIQ: several, none the loader's.
 */
int esp_mount(char **ret_dir);
/* Unmount what esp_mount() mounted, remove the mount point, free dir. */
void esp_unmount(char *dir);
static inline void esp_unmountp(char **dir)
{
	if (*dir)
		esp_unmount(*dir);
}

/* The mount and unmount of esp_mount(); the unit tests replace them. */
struct esp_mount_ops {
	int (*mount)(const char *device, const char *dir);
	int (*unmount)(const char *dir);
};
extern const struct esp_mount_ops *esp_mount_ops;
