/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The unattended-server verbs, run by units/rewind-*.service: boot-good, boot-failed, auto-commit,
 * monitor.
 * Under systemd (stderr is the journal stream), each line carries its syslog priority ("<3>"), so
 * `journalctl -p warning` shows the warnings and errors.
 */
#include <sys/stat.h>

#include "cli.h"
#include "cmdline.h"
#include "log.h"
#include "paths.h"
#include "txn-auto.h"
#include "util.h"

static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
	       (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static void journal_log(void *userdata, int prio, const char *file, int line, const char *fn,
			const char *msg)
{
	fprintf(stderr, "<%d>%s\n", prio, msg);
}

void cli_log_to_journal(void)
{
	if (stderr_is_journal())
		rewind_log_set_fn(journal_log, NULL);
}

static int load_conf(const struct verb *v, struct conf *c)
{
	int r;

	conf_init(c);
	r = conf_load(path_conf(), c, NULL);
	return r < 0 ? cli_fail(v, r) : 0;
}

int verb_boot_good(const struct verb *v, int argc, char **argv)
{
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	int r;

	cli_log_to_journal();
	r = cli_check_args_open_lvm(v, argc - 1, &l);
	if (r != 0)
		return r;
	r = txn_auto_boot_good(l);
	/* systemd-bless-boot counted this boot: what a restore kept for it can go now. */
	if (txn_sweep_pins(l) < 0)
		log_warning("Failed to remove a rollback entry that is no longer needed; 'rewind "
			    "check' lists it.");
	return r < 0 ? cli_fail(v, r) : 0;
}

/* The timer verbs: check the arguments, read rewind.conf, open LVM, then run fn. */
static int with_conf(const struct verb *v, int argc,
		     int (*fn)(const struct verb *v, struct lvm *l, const struct conf *c))
{
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	struct conf c;
	int r;

	cli_log_to_journal();
	r = cli_check_args(v, argc - 1);
	if (r != 0)
		return r;
	r = load_conf(v, &c);
	if (r != 0)
		return r;
	r = cli_open_lvm(v, &l);
	if (r == 0)
		r = fn(v, l, &c);
	conf_done(&c);
	return r;
}

static int auto_commit(const struct verb *v, struct lvm *l, const struct conf *c)
{
	_cleanup_free_ char *txid = NULL;
	int r = txn_auto_commit(l, c, &txid);

	if (r > 0)
		printf("Committed transaction %s automatically.\n", txid ?: "?");
	return r < 0 ? cli_fail(v, r) : 0;
}

int verb_auto_commit(const struct verb *v, int argc, char **argv)
{
	return with_conf(v, argc, auto_commit);
}

static int monitor(const struct verb *v, struct lvm *l, const struct conf *c)
{
	int r = txn_monitor(l, c);

	return r < 0 ? cli_fail(v, r) : r > 0 ? EXIT_FAILED : 0;
}

int verb_monitor(const struct verb *v, int argc, char **argv)
{
	return with_conf(v, argc, monitor);
}

/* The unit's ExecCondition=: 0 reboots, EXIT_STATE (nothing to do) or an error does not. */
static int boot_failed(const struct verb *v, struct lvm *l, const struct conf *c)
{
	_cleanup_free_ char *txid = NULL;
	struct cmdline k;
	int r;

	/* Unreadable: an empty command line, which asks for nothing. */
	(void)cmdline_read(REWIND_LOG_DEBUG, &k);
	r = txn_auto_boot_failed(l, c, &k, &txid);
	if (r < 0)
		return cli_fail(v, r);
	if (r == 0)
		return EXIT_STATE;
	printf("Rebooting: this boot failed during transaction %s.\n", txid);
	return 0;
}

int verb_boot_failed(const struct verb *v, int argc, char **argv)
{
	return with_conf(v, argc, boot_failed);
}
