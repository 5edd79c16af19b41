/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* begin, commit, rollback, cancel */
#include <getopt.h>
#include <sys/wait.h>

#include "cli.h"
#include "conf.h"
#include "log.h"
#include "paths.h"
#include "txn-esp.h"
#include "txn.h"
#include "util.h"

int verb_begin(const struct verb *v, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"name", required_argument, NULL, 'n'},
	    {"size", required_argument, NULL, 's'},
	    {"baseline", no_argument, NULL, 'b'},
	    {},
	};
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	_cleanup_free_ char *txid = NULL;
	struct txn_begin_opts o = {};
	struct volume_spec *specs = NULL;
	struct policy size;
	struct conf c;
	int ch, r, n;

	conf_init(&c);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "n:s:", opts, NULL)) >= 0)
		switch (ch) {
		case 'n':
			if (name_valid_txid(optarg) < 0)
				return cli_usage_error(v,
						       "invalid transaction name '%s' (use "
						       "[A-Za-z0-9_.+-], at most 32, not starting "
						       "with '-')",
						       optarg);
			o.txid = optarg;
			break;
		case 'b':
			o.baseline = true;
			break;
		case 's':
			if (policy_parse(optarg, &size) < 0)
				return cli_usage_error(v,
						       "invalid size policy '%s' (use SIZE, "
						       "N%%SIZE, N%%USED or N%%FREE, "
						       "optionally with ,chunk=4K..512K)",
						       optarg);
			o.size = &size;
			break;
		default:
			return cli_usage_error(v, "unknown option");
		}
	n = argc - optind;
	r = cli_check_args(v, n);
	if (r != 0)
		return r;
	specs = calloc(n + 1, sizeof(*specs));
	if (!specs)
		return cli_fail(v, -ENOMEM);
	for (int i = 0; i < n; i++) {
		if (volume_spec_parse(argv[optind + i], &specs[i]) < 0) {
			r = cli_usage_error(v,
					    "invalid volume '%s' (use VG/LV or a mount point, "
					    "optionally with :POLICY)",
					    argv[optind + i]);
			goto out;
		}
		o.n_volumes++;
	}
	o.volumes = specs;
	r = conf_load(path_conf(), &c, NULL);
	if (r < 0) {
		r = cli_fail(v, r);
		goto out;
	}
	r = cli_open_lvm(v, &l);
	if (r != 0)
		goto out;
	r = txn_begin(l, &c, &o, &txid);
	if (r < 0) {
		r = cli_fail(v, r);
		goto out;
	}
	if (o.baseline)
		printf("Baseline %s is open. Every 'rewind rollback' returns to it and keeps it; "
		       "'rewind commit' ends baseline mode.\n",
		       txid);
	else
		printf("Transaction %s is open. 'rewind commit' keeps the changes, 'rewind "
		       "rollback' undoes them.\n",
		       txid);
	r = 0;
out:
	for (size_t i = 0; i < o.n_volumes; i++)
		volume_spec_done(&specs[i]);
	free(specs);
	conf_done(&c);
	return r;
}

/* commit and cancel: fn on the one transaction, then "<before> TXID <after>". */
static int txn_verb(const struct verb *v, int argc, int (*fn)(struct lvm *l, char **ret_txid),
		    const char *before, const char *after)
{
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	_cleanup_free_ char *txid = NULL;
	int r;

	r = cli_check_args_open_lvm(v, argc - 1, &l);
	if (r != 0)
		return r;
	r = fn(l, &txid);
	if (r < 0)
		return cli_fail(v, r);
	printf("%s %s %s\n", before, txid ?: "?", after);
	return 0;
}

int verb_commit(const struct verb *v, int argc, char **argv)
{
	return txn_verb(v, argc, txn_commit, "Transaction",
			"committed; its snapshots are removed.");
}

int verb_cancel(const struct verb *v, int argc, char **argv)
{
	return txn_verb(v, argc, txn_cancel, "Rollback of",
			"disarmed; the transaction is open again.");
}

static int check_initramfs_cb(void *userdata)
{
	int r = check_initramfs_module(false);

	if (r == -REFUSE_NO_MODULE)
		return log_err_errno(r, "The initramfs that will boot lacks rewind's dracut "
					"module, so nothing would merge root at the next boot.");
	return 0;
}

/* Boot the rollback entry (the pinned kernel) once, when there is one; then reboot. */
static int reboot_now(const char *txid)
{
	pid_t pid;
	int status;

	if (txn_esp_set_oneshot(txid) < 0)
		log_warning("The rollback boot entry is not selected: the default entry boots, and "
			    "the rollback happens all the same.");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("systemctl", "systemctl", "reboot", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int verb_rollback(const struct verb *v, int argc, char **argv)
{
	int now = 0, reboot = 0;
	const struct option opts[] = {
	    {"now", no_argument, &now, 1},
	    {"reboot", no_argument, &reboot, 1},
	    {},
	};
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	struct txn_rollback_opts o = {.check_initramfs = check_initramfs_cb};
	struct txn_results res = {};
	size_t armed = 0, merging = 0, merged = 0;
	int r;

	r = cli_parse_flags(v, argc, argv, opts);
	if (r != 0)
		return r;
	o.now = now;
	o.merge = (struct txn_merge_opts){.fork = true, .foreground = cli_merge_foreground()};
	r = cli_check_args_open_lvm(v, argc - optind, &l);
	if (r != 0)
		return r;
	r = txn_rollback(l, &o, &res);
	for (size_t i = 0; i < res.n; i++) {
		const struct txn_result *x = &res.r[i];
		armed += x->action == TXN_ARMED;
		merging += x->action == TXN_MERGING;
		merged += x->action == TXN_MERGED;
		printf("%s/%s: %s", x->vg, x->origin, txn_action_to_string(x->action));
		if (x->detail)
			printf(" (%s)", x->detail);
		if (x->action == TXN_MERGED)
			printf(" in %.1f s", x->seconds);
		printf("\n");
	}
	if (r < 0) {
		/* Past the point of no return with a member not rolled back: the next boot
		 * finishes it, and --reboot asked for that boot. */
		r = cli_fail(v, r);
		if (res.n > merged + merging && reboot) {
			printf("Rebooting to finish the rollback.\n");
			if (reboot_now(res.txid) < 0)
				log_warning(
				    "'systemctl reboot' failed: reboot by hand to finish the "
				    "rollback.");
		}
		txn_results_done(&res);
		return r;
	}
	if (armed > 0 && !reboot) {
		printf(
		    "Rollback of %s armed: reboot to complete it ('rewind cancel' disarms it).\n",
		    res.txid);
		cli_print_rollback_entry_hint(res.txid);
	} else if (armed == 0 && merging > 0)
		printf(
		    "Transaction %s rolled back: every volume shows its content of before it. The "
		    "kernel finishes the merge in the background ('rewind status' shows it, "
		    "'rewind merge-wait' waits for it).\n",
		    res.txid);
	else if (armed == 0)
		printf("Transaction %s rolled back.\n", res.txid);
	txn_results_done(&res);
	if (armed > 0 && reboot) {
		printf("Rebooting to complete the rollback.\n");
		r = reboot_now(res.txid);
		if (r < 0)
			return cli_fail(v,
					log_err_errno(r, "'systemctl reboot' failed; the rollback "
							 "stays armed, reboot by hand."));
	}
	return 0;
}
