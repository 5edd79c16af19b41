/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "log.h"
#include "paths.h"
#include "util.h"

/* The REWIND_* overrides exist only in the test build (-DREWIND_TEST_HOOKS: the unit tests and
 * the fuzz targets): the installed binary never takes a path from its environment. */
#ifdef REWIND_TEST_HOOKS
static const char *env_or(const char *name, const char *def)
{
	const char *v = secure_getenv(name);

	return v && *v ? v : def;
}
#else
#define env_or(name, def) (def)
#endif

const char *path_conf(void)
{
	return env_or("REWIND_CONF", "/etc/rewind/rewind.conf");
}

const char *path_dpkg_lock(void)
{
	return env_or("REWIND_DPKG_LOCK", "/var/lib/dpkg/lock-frontend");
}

const char *path_rundir(void)
{
	return env_or("REWIND_RUNDIR", "/run/rewind");
}

const char *path_cmdline(void)
{
	return env_or("REWIND_CMDLINE", "/proc/cmdline");
}

const char *path_mountinfo(void)
{
	return env_or("REWIND_MOUNTINFO", "/proc/self/mountinfo");
}

const char *path_statedir(void)
{
	return env_or("REWIND_STATEDIR", "/var/lib/rewind");
}

const char *path_bless_boot(void)
{
	return env_or("REWIND_BLESS_BOOT", "/usr/lib/systemd/systemd-bless-boot");
}

const char *path_bootctl(void)
{
	return env_or("REWIND_BOOTCTL", "bootctl");
}

const char *path_systemctl(void)
{
	return env_or("REWIND_SYSTEMCTL", "systemctl");
}

const char *path_systemd_system(void)
{
	return env_or("REWIND_SYSTEMD_SYSTEM", "/run/systemd/system");
}

const char *path_esp_scan(void)
{
	return env_or("REWIND_ESP_SCAN", "/efi:/boot/efi:/boot");
}

const char *path_lsblk(void)
{
	return env_or("REWIND_LSBLK", "lsblk");
}

const char *path_dev(void)
{
	return env_or("REWIND_DEV", "/dev");
}

const char *path_esp(void)
{
	return env_or("REWIND_ESP", NULL);
}

const char *path_efivars(void)
{
	return env_or("REWIND_EFIVARS", NULL);
}

const char *path_boot_id(void)
{
	return env_or("REWIND_BOOT_ID", "/proc/sys/kernel/random/boot_id");
}

const char *path_initrd_override(void)
{
	return env_or("REWIND_INITRD", NULL);
}

const char *path_health_dir(void)
{
	return env_or("REWIND_HEALTH_DIR", "/etc/rewind/health.d");
}

int path_rundir_write(const char *name, const char *contents)
{
	_cleanup_free_ char *path = strdup_printf("%s/%s", path_rundir(), name);
	int r;

	if (!path)
		return -ENOMEM;
	r = mkdir_p(path_rundir(), 0755);
	if (r >= 0)
		r = write_file_atomic(path, contents);
	if (r < 0)
		return log_err_errno(r, "Failed to write %s: %s", path, strerror(-r));
	return 0;
}
