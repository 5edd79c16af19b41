/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel that boots a rolled-back root. A root rolled back under a kernel the upgrade installed
 * (boot counting, or the default entry chosen after a plain rollback) has no modules for it: the
 * ESP (vfat) and the network would not come up, the boot would end in emergency mode, and the ESP
 * would never be put back. Caught in the initramfs, once root is mounted: the next boot is the
 * rollback entry, which boots the kernel pinned at begin, and this one reboots before switch-root.
 */
#include <sys/stat.h>
#include <sys/utsname.h>

#include "log.h"
#include "txn-esp.h"
#include "txn.h"
#include "util.h"

static bool is_type(const char *path, mode_t type)
{
	struct stat st;

	return path && stat(path, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

/*
 * sysroot has a module tree (modules.dep, from depmod) for release: 1; it has module trees, but
 * not this one: 0; it has none at all: -1, cannot tell (a separate /usr that the initramfs mounts
 * later). /lib is looked at only when it is a directory: an absolute /lib symlink would resolve
 * in the initramfs, not in sysroot.
 */
static int has_modules(const char *sysroot, const char *release)
{
	_cleanup_free_ char *usr = strdup_printf("%s/usr/lib/modules", sysroot);
	_cleanup_free_ char *lib = strdup_printf("%s/lib", sysroot);
	_cleanup_free_ char *usr_dep = NULL, *lib_dep = NULL;
	bool lib_own, trees;
	struct stat st;

	if (!usr || !lib)
		return -ENOMEM;
	usr_dep = strdup_printf("%s/%s/modules.dep", usr, release);
	lib_own = lstat(lib, &st) == 0 && S_ISDIR(st.st_mode);
	lib_dep = lib_own ? strdup_printf("%s/modules/%s/modules.dep", lib, release) : NULL;
	if (is_type(usr_dep, S_IFREG) || is_type(lib_dep, S_IFREG))
		return 1;
	free(lib);
	lib = lib_own ? strdup_printf("%s/lib/modules", sysroot) : NULL;
	trees = is_type(usr, S_IFDIR) || is_type(lib, S_IFDIR);
	return trees ? 0 : -1;
}

int txn_boot_kernel_check(const char *sysroot)
{
	char txid[TXID_MAX + 1], chosen[TXID_MAX + 1];
	struct utsname u;
	bool pinned = false, disabled;
	unsigned wait;
	int r;

	r = txn_esp_outcome_root(txid, &pinned);
	if (r <= 0)
		return 0;
	if (uname(&u) < 0)
		return log_warning_errno(0, "Cannot tell which kernel runs: %m; booting on.");
	r = has_modules(sysroot, u.release);
	if (r > 0) {
		log_debug("The rolled-back root has the modules of kernel %s.", u.release);
		return 0;
	}
	if (r < 0) {
		log_warning(
		    "%s has no module tree at all: cannot tell whether the rolled-back root "
		    "has the modules of kernel %s; booting on.",
		    sysroot, u.release);
		return 0;
	}
	if (!pinned) {
		log_warning(
		    "Root is back as it was before transaction %s, but it has no modules for "
		    "the running kernel %s and the transaction has no rollback entry: "
		    "booting on. Boot the kernel installed before %s (boot menu).",
		    txid, u.release, txid);
		return 0;
	}
	if (txn_boot_cmdline(&disabled, chosen, &wait) >= 0 && *chosen) {
		/* This is the rollback entry's boot: another reboot would boot the same kernel. */
		log_warning(
		    "Root is back as it was before transaction %s, but it has no modules for "
		    "the kernel %s that the rollback entry booted: booting on.",
		    txid, u.release);
		return 0;
	}
	if (txn_esp_oneshot_early(txid) < 0)
		return 0;
	log_warning(
	    "Root is back as it was before transaction %s and has no modules for the running "
	    "kernel %s (one the upgrade installed): rebooting into the rollback entry, which "
	    "boots the kernel of before %s.",
	    txid, u.release, txid);
	return 1;
}
