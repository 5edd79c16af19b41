/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verb table, logging to the terminal, and the mapping of errors to exit codes. */
#include <getopt.h>
#include <stdarg.h>
#include <syslog.h>

#include "cli.h"
#include "lock.h"
#include "log.h"
#include "util.h"

#ifndef REWIND_VERSION
#define REWIND_VERSION "0.1"
#endif

static unsigned real_geteuid(void)
{
	return (unsigned)geteuid();
}

unsigned (*cli_geteuid)(void) = real_geteuid;

static const struct verb verbs[] = {
    {"begin", 0, 64, VERB_ROOT | VERB_LOCK, verb_begin, "begin a transaction"},
    {"status", 0, 0, VERB_ROOT, verb_status, "show the transaction status"},
    {"list", 0, 0, VERB_ROOT, verb_list, "list the transactions"},
    {"commit", 0, 0, VERB_ROOT | VERB_LOCK, verb_commit, "commit the transaction"},
    {"rollback", 0, 0, VERB_ROOT | VERB_LOCK, verb_rollback, "roll back the transaction"},
    {"cancel", 0, 0, VERB_ROOT | VERB_LOCK, verb_cancel, "cancel the armed rollback"},
    {"check", 0, 0, VERB_ROOT, verb_check, "check the system"},
    /* Its own lock, while the snapshots are mounted only (verb-diff.c). */
    {"diff", 0, 64, VERB_ROOT, verb_diff, "compare the volumes with their snapshots"},
    {"history", 0, 0, 0, verb_history, "show the rollback history"},
    {"boot", 0, 0, VERB_ROOT | VERB_LOCK, verb_boot, "roll back at boot"},
    {"boot-kernel-check", 0, 1, VERB_ROOT, verb_boot_kernel_check,
     "check the kernel of a rolled-back root"},
    {"boot-finish", 0, 0, VERB_ROOT | VERB_LOCK, verb_boot_finish, "finish the rollback at boot"},
    /* No lock: it waits for the kernel for as long as the merges take. */
    {"merge-wait", 0, 0, VERB_ROOT, verb_merge_wait, "wait for the background merges"},
    {"boot-good", 0, 0, VERB_ROOT | VERB_LOCK, verb_boot_good, "record a good boot"},
    {"boot-failed", 0, 0, VERB_ROOT | VERB_LOCK, verb_boot_failed,
     "decide whether a failed boot reboots"},
    {"auto-commit", 0, 0, VERB_ROOT | VERB_LOCK, verb_auto_commit, "commit automatically"},
    {"monitor", 0, 0, VERB_ROOT | VERB_LOCK, verb_monitor, "monitor the snapshots"},
    /* apt's hook: reads apt's input first, never VERB_ROOT's exit 4 (apt would stop); locks
     * itself, with a timeout (verb-apt.c). */
    {"apt-hook", 0, 64, 0, verb_apt_hook, "begin a transaction before this upgrade"},
    /* No lock: the checks may take minutes, and take no LVM state. */
    {"health-check", 0, 0, VERB_ROOT, verb_health_check, "run the health checks"},
};

/*
 * Errors are printed one message late: the last one becomes the reason in
 * "Failed to <phrase>: <reason>", the ones before it are printed as they come.
 */
static char *pending_err;
static bool verbose;
static const char *log_prefix = "";
static pid_t main_pid;

void cli_set_log_prefix(const char *prefix)
{
	log_prefix = prefix;
}

static void flush_pending(void)
{
	if (pending_err) {
		fprintf(stderr, "%s%s\n", log_prefix, pending_err);
		free(pending_err);
		pending_err = NULL;
	}
}

static void cli_log(void *userdata, int prio, const char *file, int line, const char *fn,
		    const char *msg)
{
	/* A child (the boot stage's merge) ends with _exit(): nothing would flush it. */
	if (prio <= REWIND_LOG_ERR && getpid() != main_pid) {
		fprintf(stderr, "%s%s\n", log_prefix, msg);
		return;
	}
	if (prio <= REWIND_LOG_ERR) {
		flush_pending();
		pending_err = strdup(msg);
		return;
	}
	flush_pending();
	if (prio == REWIND_LOG_WARNING)
		fprintf(stderr, "%sWarning: %s\n", log_prefix, msg);
	else if (prio == REWIND_LOG_DEBUG)
		fprintf(stderr, "%s[%s:%d] %s\n", log_prefix, file, line, msg);
	else
		fprintf(stderr, "%s%s\n", log_prefix, msg);
}

int cli_exit_code(int r)
{
	/* Only the library's explicit refusals (refusal.h) have exit codes of their own; every
	 * errno is a failure, whichever it is. (Not root, 4, is cli_run()'s own check.) */
	switch (r) {
	case 0:
		return 0;
	case -REFUSE_INPUT:
		return EXIT_USAGE;
	case -REFUSE_TXN_EXISTS:
	case -REFUSE_NO_TXN:
	case -REFUSE_UNFINISHED:
		return EXIT_STATE;
	case -REFUSE_NO_SPACE:
		return EXIT_NO_SPACE;
	case -REFUSE_SNAPSHOT:
		return EXIT_INVALID_SNAPSHOT;
	case -REFUSE_NO_MODULE:
		return EXIT_NO_MODULE;
	default:
		return EXIT_FAILED;
	}
}

static const char *hint(int code)
{
	switch (code) {
	case EXIT_USAGE:
		return "See 'rewind --help'.";
	case EXIT_STATE:
		return "See 'rewind status'.";
	case EXIT_NO_SPACE:
		return "Free space in the volume group (or on the ESP), or choose a smaller size "
		       "policy (--size).";
	case EXIT_NO_MODULE:
		return "Install rewind's dracut module and rebuild the initramfs (dracut -f).";
	case EXIT_FAILED:
		return "See the messages above; 'rewind status' shows what is left.";
	default:
		return NULL;
	}
}

char *cli_take_error(void)
{
	return TAKE_PTR(pending_err);
}

int cli_fail(const struct verb *v, int r)
{
	int code = cli_exit_code(r);
	const char *h = hint(code);
	_cleanup_free_ char *reason = TAKE_PTR(pending_err);

	fprintf(stderr, "Failed to %s: %s", v->phrase, reason ?: rewind_strerror(r));
	if (h)
		fprintf(stderr, "%s%s", reason && reason[strlen(reason) - 1] == '.' ? " " : ". ",
			h);
	fputc('\n', stderr);
	return code;
}

int cli_usage_error(const struct verb *v, const char *fmt, ...)
{
	va_list ap;

	flush_pending();
	fprintf(stderr, "Failed to %s: ", v ? v->phrase : "parse the command line");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ". See 'rewind --help'.\n");
	return EXIT_USAGE;
}

int cli_check_args(const struct verb *v, int n)
{
	if (n < (int)v->min_args)
		return cli_usage_error(v, "too few arguments");
	if (n > (int)v->max_args)
		return cli_usage_error(v, "unexpected argument");
	return 0;
}

int cli_open_lvm(const struct verb *v, struct lvm **ret)
{
	int r = lvm_new(ret);

	return r < 0 ? cli_fail(v, r) : 0;
}

int cli_parse_flags(const struct verb *v, int argc, char **argv, const struct option *opts)
{
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) >= 0)
		if (ch != 0)
			return cli_usage_error(v, "unknown option");
	return 0;
}

int cli_check_args_open_lvm(const struct verb *v, int n, struct lvm **ret)
{
	int r = cli_check_args(v, n);

	return r != 0 ? r : cli_open_lvm(v, ret);
}

static void help(void)
{
	printf("rewind - an upgrade safety net on LVM snapshots\n\n"
	       "Usage:\n"
	       "  rewind begin [--name TXID] [--size POLICY] [--baseline] [VOLUME[:POLICY]...]\n"
	       "  rewind status [--json]\n"
	       "  rewind list [--json]\n"
	       "  rewind commit\n"
	       "  rewind rollback [--now] [--reboot]\n"
	       "  rewind cancel\n"
	       "  rewind check\n"
	       "  rewind diff [--json] [--verbose] [--checksum] [VOLUME...]\n"
	       "  rewind history [--json]\n"
	       "  rewind boot              (the initramfs stage)\n"
	       "  rewind boot-kernel-check [SYSROOT]  (the initramfs, root mounted)\n"
	       "  rewind boot-finish       (after the boot that rolled back)\n"
	       "  rewind merge-wait        (rewind-merge.service: the end of background merges)\n"
	       "  rewind boot-good         (after boot-complete.target)\n"
	       "  rewind boot-failed       (emergency mode: exit 0 to reboot, 3 not)\n"
	       "  rewind auto-commit       (timer: commit after auto_commit_after)\n"
	       "  rewind monitor           (timer: warn about and extend filling snapshots)\n"
	       "  rewind apt-hook          (apt: begin a transaction before dpkg runs)\n"
	       "  rewind health-check      (before boot-complete.target: run the health checks)\n\n"
	       "VOLUME is VG/LV or a mount point. POLICY is SIZE (e.g. 2G), N%%SIZE, N%%USED or "
	       "N%%FREE.\n"
	       "Options: -h/--help, --version, -v/--verbose (before the verb).\n"
	       "See rewind(8).\n");
}

int cli_run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"verbose", no_argument, NULL, 'v'},
	    {},
	};
	_cleanup_close_ int lock_fd = -1;
	const struct verb *v = NULL;
	int c, r;

	main_pid = getpid();
	rewind_log_set_fn(cli_log, NULL);
	rewind_log_set_priority(REWIND_LOG_INFO);
	optind = 0;
	/* '+': stop at the verb; its options are its own. */
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) >= 0)
		switch (c) {
		case 'h':
			help();
			return 0;
		case 'V':
			printf("rewind %s\n", REWIND_VERSION);
			return 0;
		case 'v':
			verbose = true;
			rewind_log_set_priority(REWIND_LOG_DEBUG);
			break;
		default:
			return cli_usage_error(NULL, "unknown option");
		}
	if (optind >= argc)
		return cli_usage_error(NULL, "no verb given");
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (streq(verbs[i].name, argv[optind]))
			v = &verbs[i];
	if (!v)
		return cli_usage_error(NULL, "unknown verb '%s'", argv[optind]);
	argc -= optind;
	argv += optind;
	if ((v->flags & VERB_ROOT) && cli_geteuid() != 0) {
		fprintf(stderr, "Failed to %s: must be run as root.\n", v->phrase);
		return EXIT_NOT_ROOT;
	}
	if (v->flags & VERB_LOCK) {
		lock_fd = rewind_lock();
		if (lock_fd < 0)
			return cli_fail(v, lock_fd);
	}
	r = v->fn(v, argc, argv);
	flush_pending();
	return r;
}
