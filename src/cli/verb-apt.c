/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * apt-hook: apt's DPkg::Pre-Install-Pkgs command (apt/80rewind, with
 * DPkg::Tools::Options::/usr/sbin/rewind::Version "3"). apt runs it after the downloads, before
 * dpkg, with the package actions on its standard input (or the descriptor APT_HOOK_INFO_FD
 * names). With auto_begin = apt it begins a transaction when none is open and records the
 * packages of this run in the open one.
 *
 * apt stops before dpkg when the hook exits non-zero (pkgDPkgPM::Go(): "if
 * (RunScriptsWithPkgs("DPkg::Pre-Install-Pkgs") == false) return false;"). So every failure is a
 * warning and exit 0, unless auto_begin_required = yes; and the input is read to its end first,
 * whatever happens next (apt ignores SIGPIPE while it writes, but a hook that leaves early cuts
 * its list short for nothing).
 */
#include <limits.h>
#include <time.h>

#include "cli.h"
#include "conf.h"
#include "lock.h"
#include "log.h"
#include "paths.h"
#include "txn-auto.h"
#include "txn-packages.h"
#include "txn.h"
#include "util.h"

unsigned cli_apt_lock_timeout_sec = 60;

/* status prints at most this many packages of a transaction; --json has them all. */
#define PRINT_PACKAGES_MAX 50

static int info_fd(void)
{
	const char *e = getenv("APT_HOOK_INFO_FD");
	uint64_t n;

	if (e && safe_atou64(e, &n) >= 0 && n <= INT_MAX)
		return (int)n;
	return STDIN_FILENO;
}

/* The reason, without the full stop the library's messages end with. */
static void print_reason(const char *reason)
{
	size_t n = strlen(reason);

	fprintf(stderr, "%.*s", (int)(n > 0 && reason[n - 1] == '.' ? n - 1 : n), reason);
}

/* No transaction protects this upgrade: a warning and 0, or non-zero with auto_begin_required. */
static int hook_fail(bool required, int r)
{
	_cleanup_free_ char *reason = cli_take_error();

	fprintf(stderr, "rewind: Failed to begin a transaction before this upgrade: ");
	print_reason(reason ?: rewind_strerror(r));
	if (!required) {
		fprintf(stderr, "; the upgrade goes on without a safety net.\n");
		return 0;
	}
	fprintf(stderr, "; auto_begin_required = yes in %s: apt stops before dpkg runs.\n",
		path_conf());
	return cli_exit_code(r) ?: EXIT_FAILED;
}

/* Add run to txid's record (a new one: begun_by_apt as given); *ret_by_apt what it says. */
static int record_run(const char *txid, uint64_t began, bool begun_by_apt,
		      struct txn_package_run *run, bool *ret_by_apt)
{
	_cleanup_(txn_packages_done) struct txn_packages p = {};
	int r = txn_packages_of(txid, began, &p);

	if (r < 0) {
		txn_package_run_done(run);
		return r;
	}
	if (r == 0) {
		p = (struct txn_packages){
		    .txid = strdup(txid), .begun_by_apt = begun_by_apt, .began = began};
		if (!p.txid) {
			txn_package_run_done(run);
			return -ENOMEM;
		}
	}
	*ret_by_apt = p.begun_by_apt;
	r = txn_packages_add_run(&p, run);
	return r < 0 ? r : txn_packages_save(&p);
}

/* The open (or armed) transaction of s, or NULL. */
static const struct txn *open_txn(const struct txn_set *s)
{
	for (size_t i = 0; i < s->n_txns; i++)
		if (s->txns[i].phase == TXN_STATE_OPEN || s->txns[i].phase == TXN_STATE_ARMED)
			return &s->txns[i];
	return NULL;
}

/* dpkg writes to / (and /usr, /var): a transaction without root does not undo the packages. */
static void warn_if_no_root(const struct txn *t)
{
	for (size_t i = 0; i < t->n_snaps; i++)
		if (t->snaps[i].tags.root)
			return;
	fprintf(stderr,
		"rewind: Warning: transaction %s has no snapshot of /: a rollback does not "
		"undo what dpkg writes there (rewind.conf: volumes).\n",
		t->txid);
}

/* A transaction is open: record this run in it, say so. */
static int record_in_open(struct lvm *l, const struct txn *t, struct txn_package_run *run)
{
	bool by_apt = false, changes = run->n_packages > 0;
	int r = record_run(t->txid, txn_began(t), false, run, &by_apt);

	/* Changes no boot has proven yet: auto-commit waits for one after them. */
	if (changes && t->phase == TXN_STATE_OPEN && txn_auto_new_changes(l, t) < 0)
		fprintf(stderr, "rewind: Warning: auto-commit may count boots from before this "
				"upgrade.\n");

	printf("rewind: Transaction %s (begun %s) is open already: no new one; %s.\n", t->txid,
	       by_apt ? "by apt" : "by hand",
	       r < 0 ? "this run's packages are not recorded" : "this run is recorded in it");
	if (txn_is_armed(t))
		fprintf(stderr,
			"rewind: Warning: the rollback of %s is armed: the next boot undoes "
			"this upgrade too ('rewind cancel' disarms it).\n",
			t->txid);
	return 0;
}

/* None is open: begin one as `rewind begin` does without VOLUME arguments, then record. */
static int begin_and_record(struct lvm *l, const struct conf *c, struct txn_package_run *run)
{
	_cleanup_free_ char *txid = NULL;
	struct txn_begin_opts o = {};
	struct txn_set s = {};
	const struct txn *t;
	char name[TXID_MAX + 1];
	time_t now = time(NULL);
	struct tm tm;
	bool by_apt;
	int r;

	if (!localtime_r(&now, &tm) || strftime(name, sizeof(name), "apt-%Y%m%d-%H%M%S", &tm) == 0)
		return -EINVAL;
	o.txid = name;
	r = txn_begin(l, c, &o, &txid);
	if (r < 0)
		return r;
	printf("rewind: Transaction %s is open before this upgrade: 'rewind commit' keeps it, "
	       "'rewind rollback' undoes it.\n",
	       txid);
	/* The record, now that the snapshots exist: a rollback takes it back with the rest. Its
	 * failure is a warning: the transaction protects the upgrade all the same. */
	r = txn_set_load(l, false, &s);
	t = r >= 0 ? open_txn(&s) : NULL;
	if (t)
		warn_if_no_root(t);
	r = t ? record_run(txid, txn_began(t), true, run, &by_apt) : -ENOENT;
	if (r < 0)
		fprintf(stderr,
			"rewind: Warning: the packages of this upgrade are not recorded in %s: "
			"%s.\n",
			txid, rewind_strerror(r));
	else {
		char *keep[] = {txid, NULL};

		/* The records of transactions that ended are no longer needed. */
		(void)txn_packages_prune(keep);
	}
	txn_set_done(&s);
	return 0;
}

/* This run removes rewind itself: a transaction begun now would make its prerm refuse. */
static bool removes_rewind(const struct txn_package_run *run)
{
	for (size_t i = 0; i < run->n_packages; i++)
		if (streq(run->packages[i].name, "rewind") &&
		    run->packages[i].action == TXN_PKG_REMOVE)
			return true;
	return false;
}

int verb_apt_hook(const struct verb *v, int argc, char **argv)
{
	_cleanup_(txn_package_run_done) struct txn_package_run run = {};
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	_cleanup_(apt_info_done) struct apt_info info = {};
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int lock_fd = -1;
	struct txn_set s = {};
	const struct txn *t;
	bool truncated = false;
	struct conf c;
	size_t len = 0;
	int r, read_r;

	cli_set_log_prefix("rewind: ");
	/* First of all, apt's input to its end. */
	read_r = apt_info_read(info_fd(), &text, &len, &truncated);
	conf_init(&c);
	r = conf_load(path_conf(), &c, NULL);
	if (r < 0) {
		/* Whether auto_begin_required is set cannot be known: never stop apt for this. */
		conf_done(&c);
		return hook_fail(false, r);
	}
	if (!c.auto_begin_apt) {
		conf_done(&c);
		return 0;
	}
	if (argc > 1)
		fprintf(stderr, "rewind: Warning: apt-hook takes no arguments, ignoring them.\n");
	if (read_r < 0)
		fprintf(stderr, "rewind: Warning: cannot read apt's package list: %s.\n",
			rewind_strerror(read_r));
	else {
		if (truncated)
			fprintf(stderr,
				"rewind: Warning: apt's package list is longer than %u MiB: "
				"the rest is not recorded.\n",
				APT_INFO_MAX >> 20);
		r = apt_info_parse(text, len, &info, &run);
		if (r < 0)
			fprintf(stderr,
				"rewind: Warning: apt's package list is not understood (%s): "
				"is DPkg::Tools::Options::/usr/sbin/rewind::Version \"3\" set?\n",
				r == -EBADMSG ? "no VERSION 2 or 3 header" : rewind_strerror(r));
		else if (info.n_rejected > 0)
			fprintf(stderr,
				"rewind: Warning: %u line(s) of apt's package list not "
				"understood, not recorded.\n",
				info.n_rejected);
	}
	run.time = (uint64_t)time(NULL);
	if (info.chroot || info.root) {
		printf("rewind: apt works on another root (%s): no transaction.\n",
		       info.chroot ?: info.root);
		conf_done(&c);
		return 0;
	}
	if (cli_geteuid() != 0) {
		log_err("Must be run as root.");
		r = -EPERM;
		goto fail;
	}
	lock_fd = rewind_lock_timeout(cli_apt_lock_timeout_sec);
	if (lock_fd < 0) {
		r = lock_fd;
		goto fail;
	}
	r = lvm_new(&l);
	if (r < 0)
		goto fail;
	r = txn_set_load(l, false, &s);
	if (r < 0)
		goto fail;
	t = open_txn(&s);
	if (t)
		r = record_in_open(l, t, &run);
	else if (removes_rewind(&run)) {
		printf("rewind: this apt run removes rewind: no transaction.\n");
		r = 0;
	} else
		r = begin_and_record(l, &c, &run);
	txn_set_done(&s);
	if (r < 0)
		goto fail;
	conf_done(&c);
	return 0;
fail:
	conf_done(&c);
	return hook_fail(c.auto_begin_required, r);
}

/* status: what apt changed in a transaction. */
void cli_print_packages(const struct txn_packages *p)
{
	size_t n = 0, shown = 0;

	if (!p)
		return;
	for (size_t i = 0; i < p->n_runs; i++)
		n += p->runs[i].n_packages;
	printf("  Packages: %zu in %zu apt run(s), %s\n", n, p->n_runs,
	       p->begun_by_apt ? "transaction begun by apt"
			       : "transaction begun by hand, recorded by apt");
	for (size_t i = 0; i < p->n_runs; i++)
		for (size_t j = 0; j < p->runs[i].n_packages; j++) {
			const struct txn_package *x = &p->runs[i].packages[j];

			if (shown++ == PRINT_PACKAGES_MAX) {
				printf("    ... and %zu more ('rewind status --json' lists them)\n",
				       n - PRINT_PACKAGES_MAX);
				return;
			}
			printf("    %-10s %s%s%s ", txn_pkg_action_to_string(x->action), x->name,
			       x->arch ? ":" : "", x->arch ?: "");
			if (x->action == TXN_PKG_UPGRADE || x->action == TXN_PKG_DOWNGRADE)
				printf("%s -> %s\n", x->old_version ?: "?", x->new_version ?: "?");
			else
				printf("%s\n", x->new_version ?: x->old_version ?: "?");
		}
}
