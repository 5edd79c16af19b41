/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check: preflight. The kernel module, space for the default policy, the initramfs module. */
#include <sys/utsname.h>
#include <sys/wait.h>

#include "cli.h"
#include "conf.h"
#include "kmod.h"
#include "paths.h"
#include "txn.h"
#include "util.h"

#define DRACUT_MODULE_DIR "/usr/lib/dracut/modules.d/90rewind"

static int initrd_path(char **ret)
{
	const char *env = secure_getenv("REWIND_INITRD");
	struct utsname u;

	if (env && *env) {
		*ret = strdup(env);
		return *ret ? 0 : -ENOMEM;
	}
	if (uname(&u) < 0)
		return -errno;
	*ret = strdup_printf("/boot/initrd.img-%s", u.release);
	return *ret ? 0 : -ENOMEM;
}

/* lsinitrd's listing has the dracut module names, one a line, and every file. */
static int lsinitrd_has_rewind(const char *initrd)
{
	_cleanup_free_ char *cmd = strdup_printf("lsinitrd '%s' 2>/dev/null", initrd);
	_cleanup_free_ char *line = NULL;
	size_t n = 0;
	FILE *p;
	bool found = false;
	int status;

	if (!cmd || strchr(initrd, '\''))
		return -EINVAL;
	p = popen(cmd, "re");
	if (!p)
		return -errno;
	while (getline(&line, &n, p) >= 0) {
		char *s = strstrip(line);
		const char *base = strrchr(s, '/');
		/* The module list ("rewind"), or our binary or unit among the files. */
		if (streq(s, "rewind") || (base && streq(base, "/rewind")) ||
		    strstr(s, "rewind-initrd.service") || strstr(s, "90rewind"))
			found = true;
	}
	status = pclose(p);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return found ? 1 : -EIO; /* lsinitrd missing or failed: cannot tell */
	return found ? 1 : 0;
}

int check_initramfs_module(bool verbose)
{
	_cleanup_free_ char *initrd = NULL;
	int r;

	if (access(DRACUT_MODULE_DIR, F_OK) < 0 && !secure_getenv("REWIND_INITRD")) {
		if (verbose)
			printf("FAIL  dracut module: %s is missing\n", DRACUT_MODULE_DIR);
		return -ENOPKG;
	}
	r = initrd_path(&initrd);
	if (r < 0)
		return r;
	if (access(initrd, R_OK) < 0) {
		if (verbose)
			printf("WARN  initramfs: %s not found; cannot tell whether it has rewind\n",
			       initrd);
		return 0;
	}
	r = lsinitrd_has_rewind(initrd);
	if (r < 0) {
		if (verbose)
			printf("WARN  initramfs: could not list %s (is lsinitrd installed?)\n",
			       initrd);
		return 0;
	}
	if (r == 0) {
		if (verbose)
			printf("FAIL  initramfs: %s lacks the rewind module\n", initrd);
		return -ENOPKG;
	}
	if (verbose)
		printf("ok    initramfs: %s has the rewind module\n", initrd);
	return 1;
}

int verb_check(const struct verb *v, int argc, char **argv)
{
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	struct txn_begin_opts o = {.dry_run = true};
	struct conf c;
	int r, code = 0, m;

	r = cli_check_args(v, argc - 1);
	if (r != 0)
		return r;
	m = kmod_module_available("dm_snapshot");
	printf("%s  kernel: dm_snapshot %s\n", m > 0 ? "ok  " : "FAIL",
	       m > 0 ? "is available" : "cannot be loaded");
	if (m <= 0)
		code = EXIT_FAILED;

	conf_init(&c);
	r = conf_load(path_conf(), &c, NULL);
	if (r >= 0)
		r = lvm_new(&l);
	if (r >= 0)
		r = txn_begin(l, &c, &o, NULL);
	conf_done(&c);
	if (r == -EEXIST)
		printf("ok    space: a transaction is open already\n");
	else if (r < 0) {
		printf("FAIL  space: the default volumes cannot be snapshotted (see above)\n");
		code = code ?: cli_exit_code(r);
	} else
		printf("ok    space: the volume groups have room for the default size policy\n");

	r = check_initramfs_module(true);
	if (r == -ENOPKG)
		code = EXIT_NO_MODULE;
	return code;
}
