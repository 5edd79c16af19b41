/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Files the library reads or writes. Each can be moved by an environment variable so the unit
 * tests run without root in a temporary directory; production never sets them.
 */
const char *path_conf(void);	   /* REWIND_CONF       /etc/rewind/rewind.conf */
const char *path_rundir(void);	   /* REWIND_RUNDIR     /run/rewind */
const char *path_cmdline(void);	   /* REWIND_CMDLINE    /proc/cmdline */
const char *path_mountinfo(void);  /* REWIND_MOUNTINFO  /proc/self/mountinfo */
const char *path_statedir(void);   /* REWIND_STATEDIR   /var/lib/rewind */
const char *path_bless_boot(void); /* REWIND_BLESS_BOOT /usr/lib/systemd/systemd-bless-boot */
const char *path_boot_id(void);	   /* REWIND_BOOT_ID    /proc/sys/kernel/random/boot_id */
/* NULL when unset: boot_open() looks in /efi, /boot/efi, /boot and /sys/firmware/efi/efivars. */
const char *path_esp(void);	/* REWIND_ESP */
const char *path_efivars(void); /* REWIND_EFIVARS */
