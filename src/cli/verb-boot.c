/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The boot side: the initramfs stage (boot, boot-kernel-check) and rewind-merge.service
 * (merge-wait). Progress goes to the console, and to the journal. */
#include <inttypes.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "paths.h"
#include "txn.h"
#include "util.h"

static void progress(void *userdata, const char *vg, const char *lv, int percent)
{
	int *last = userdata;

	/* The console of a boot: every percent. The journal of a long merge: every 10%. */
	if (last) {
		if (percent / 10 == *last / 10 && percent != 100)
			return;
		*last = percent;
	}
	printf("rewind: merging %s/%s: %d%%\n", vg, lv, percent);
	fflush(stdout);
}

/* merge = in rewind.conf (the initramfs has a copy: module-setup.sh). */
bool cli_merge_foreground(void)
{
	struct conf c;
	bool fg;

	conf_init(&c);
	if (conf_load(path_conf(), &c, NULL) < 0)
		log_warning("Using the default merge = background.");
	fg = c.merge_foreground;
	conf_done(&c);
	return fg;
}

/*
 * `lvconvert --background` left LVM's poller, a grandchild, in the initramfs. Once every merge
 * is started and checked it has no use (rewind-merge.service polls in the real root) and only
 * costs: a device rescan and the VG lock every second while root is checked and mounted, and a
 * udev wait at switch-root with udevd stopping. We are its subreaper: stop it now. LVM blocks
 * signals while it holds a lock, so SIGTERM never lands in the middle of a metadata commit; a
 * poller finishing a merge (the snapshot's removal suspends the origin and waits for udev) may
 * need a while under load, so it gets a minute before SIGKILL, which could leave a device
 * suspended.
 */
static void stop_lvm_pollers(void)
{
	_cleanup_free_ char *path = strdup_printf("/proc/self/task/%d/children", (int)getpid());
	_cleanup_free_ char *list = NULL;
	_cleanup_strv_ char **pids = NULL;

	if (!path || read_one_line_file(path, &list) < 0 || !list || !*list)
		return;
	pids = strv_split_ws(list);
	for (size_t i = 0; pids && pids[i]; i++) {
		uint64_t pid;
		double deadline = txn_now() + 60;

		if (safe_atou64(pids[i], &pid) < 0 || pid <= 1 || pid > INT32_MAX)
			continue;
		(void)kill((pid_t)pid, SIGTERM);
		while (waitpid((pid_t)pid, NULL, WNOHANG) == 0 && txn_now() < deadline)
			usleep(100 * 1000);
		if (waitpid((pid_t)pid, NULL, WNOHANG) == 0) {
			log_warning("LVM's poller (pid %" PRIu64 ") did not stop within a minute: "
				    "killing it.",
				    pid);
			(void)kill((pid_t)pid, SIGKILL);
			(void)waitpid((pid_t)pid, NULL, 0);
		}
	}
}

int verb_boot(const struct verb *v, int argc, char **argv)
{
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	/* Without systemd in the initramfs, no rewind-merge.service follows, and LVM's poller would
	 * outlive the initramfs: wait here. */
	struct txn_merge_opts o = {.fork = true,
				   .own_poller = true,
				   .progress = progress,
				   .foreground = cli_merge_foreground() ||
						 access(path_systemd_system(), F_OK) < 0};
	struct txn_results res = {};
	int r;

	cli_set_log_prefix("rewind: ");
	r = cli_check_args_open_lvm(v, argc - 1, &l);
	if (r != 0)
		return r;
	/* Foreground merges start the same way (txn-merge.c): their poller is left too when a
	 * merge stalled and the wait gave up. */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	r = txn_boot(l, &o, &res);
	stop_lvm_pollers();
	for (size_t i = 0; i < res.n; i++) {
		const struct txn_result *x = &res.r[i];
		printf("rewind: %s/%s: %s", x->vg, x->origin,
		       x->action == TXN_MERGED || x->action == TXN_MERGING ? "rolled back"
									   : "NOT rolled back");
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

int verb_merge_wait(const struct verb *v, int argc, char **argv)
{
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	int last = -10;
	struct txn_merge_opts o = {
	    .foreground = true, .fork = true, .progress = progress, .userdata = &last};
	struct txn_results res = {};
	size_t failed = 0;
	int r;

	r = cli_check_args_open_lvm(v, argc - 1, &l);
	if (r != 0)
		return r;
	r = txn_merge_finish(l, &o, &res);
	if (r >= 0 && res.n == 0)
		printf("No merge is under way.\n");
	for (size_t i = 0; i < res.n; i++) {
		const struct txn_result *x = &res.r[i];

		failed += x->action != TXN_MERGED;
		printf("%s/%s: %s", x->vg, x->origin,
		       x->action == TXN_MERGED ? "merge finished" : "merge NOT finished");
		if (x->detail)
			printf(" (%s)", x->detail);
		printf(" after %.1f s\n", x->seconds);
	}
	txn_results_done(&res);
	if (r < 0)
		return cli_fail(v, r);
	if (failed > 0)
		return cli_fail(v, log_err_errno(-EIO,
						 "%zu merge%s did not finish; the next boot "
						 "resumes %s",
						 failed, failed == 1 ? "" : "s",
						 failed == 1 ? "it" : "them"));
	return 0;
}
