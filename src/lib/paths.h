/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Files the library reads or writes. Each can be moved by an environment variable so the unit
 * tests run without root in a temporary directory; production never sets them.
 */
const char *path_conf(void);
/* dpkg's frontend lock (apt and dpkg hold it while they change packages). */
const char *path_dpkg_lock(void);
/* REWIND_DPKG_LOCK  /var/lib/dpkg/lock-frontend */ /* REWIND_CONF       /etc/rewind/rewind.conf
						     */
const char *path_rundir(void);			    /* REWIND_RUNDIR     /run/rewind */
const char *path_cmdline(void);			    /* REWIND_CMDLINE    /proc/cmdline */
const char *path_mountinfo(void);		    /* REWIND_MOUNTINFO  /proc/self/mountinfo */
const char *path_statedir(void);		    /* REWIND_STATEDIR   /var/lib/rewind */
const char *path_bless_boot(void); /* REWIND_BLESS_BOOT /usr/lib/systemd/systemd-bless-boot */
const char *path_boot_id(void);	   /* REWIND_BOOT_ID    /proc/sys/kernel/random/boot_id */
/* rollback --now starts rewind-merge.service when systemd runs (the directory exists). */
const char *path_systemctl(void);      /* REWIND_SYSTEMCTL      systemctl */
const char *path_systemd_system(void); /* REWIND_SYSTEMD_SYSTEM /run/systemd/system */
/* bootctl, from PATH unless the hook names a file; only when it is not installed, the ESP is the
 * first of these (':'-separated) with a loader/ directory (esp-find.h). */
const char *path_bootctl(void);	 /* REWIND_BOOTCTL     bootctl */
const char *path_esp_scan(void); /* REWIND_ESP_SCAN    /efi:/boot/efi:/boot */
/* REWIND_INITRD: check's initrd without an ESP, instead of /boot/initrd.img-RELEASE; NULL. */
const char *path_initrd_override(void);
/* Where the ESP's partition is looked for when it is not mounted (esp-find.h). */
const char *path_lsblk(void); /* REWIND_LSBLK       lsblk */
const char *path_dev(void);   /* REWIND_DEV         /dev (disk/by-partuuid/ in it) */
/* NULL when unset: the ESP is asked of bootctl (esp-find.h), efivars is /sys/firmware/efi/efivars.
 * REWIND_ESP set: that directory is the ESP, bootctl is not asked. */
const char *path_esp(void);	/* REWIND_ESP */
const char *path_efivars(void); /* REWIND_EFIVARS */
/* The health checks: required.d/ and wanted.d/ in it (health.h). */
const char *path_health_dir(void); /* REWIND_HEALTH_DIR  /etc/rewind/health.d */

/* Write path_rundir()/name atomically (creating path_rundir()); logs its failure. */
int path_rundir_write(const char *name, const char *contents);
