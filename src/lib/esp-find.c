/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finding the ESP: systemd knows where it is (bootctl); rewind does not guess unless bootctl is
 * missing.
 */
#include <sys/stat.h>

#include "boot.h"
#include "esp-find.h"
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
