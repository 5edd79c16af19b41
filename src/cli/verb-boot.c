/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boot: called by dracut/90rewind before root is mounted. Progress goes to the console. */
#include "cli.h"
#include "log.h"
#include "txn.h"
#include "util.h"

static void progress(void *userdata, const char *vg, const char *lv, int percent)
{
	printf("rewind: merging %s/%s: %d%%\n", vg, lv, percent);
	fflush(stdout);
}

int verb_boot(const struct verb *v, int argc, char **argv)
{
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	struct txn_boot_opts o = {.fork_progress = true, .progress = progress};
	struct txn_results res = {};
	int r;

	cli_set_log_prefix("rewind: ");
	r = cli_check_args_open_lvm(v, argc - 1, &l);
	if (r != 0)
		return r;
	r = txn_boot(l, &o, &res);
	for (size_t i = 0; i < res.n; i++) {
		const struct txn_result *x = &res.r[i];
		printf("rewind: %s/%s: %s", x->vg, x->origin,
		       x->action == TXN_MERGED ? "rolled back" : "NOT rolled back");
		if (x->detail)
			printf(" (%s)", x->detail);
		printf(" in %.1f s\n", x->seconds);
	}
	txn_results_done(&res);
	/* A failed rollback is recorded in the outcome; only a broken stage fails the unit. */
	return r < 0 ? cli_fail(v, r) : 0;
}

int verb_boot_kernel_check(const struct verb *v, int argc, char **argv)
{
	int r;

	cli_set_log_prefix("rewind: ");
	r = cli_check_args(v, argc - 1);
	if (r != 0)
		return r;
	/* 8 asks the caller (rewind-initrd-kernel.service, FailureAction=reboot) to reboot: the
	 * one-shot points at the rollback entry. Anything else boots on. */
	return txn_boot_kernel_check(argc > 1 ? argv[1] : "/sysroot") > 0 ? EXIT_REBOOT : 0;
}
