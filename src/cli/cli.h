/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "lvm.h"
#include "refusal.h"

enum {
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_STATE = 3,
	EXIT_NOT_ROOT = 4,
	EXIT_NO_SPACE = 5,
	EXIT_INVALID_SNAPSHOT = 6,
	EXIT_NO_MODULE = 7,
	EXIT_REBOOT = 8, /* boot-kernel-check: reboot into the rollback entry */
};

struct verb {
	const char *name;
	unsigned min_args, max_args; /* positional arguments after the options */
	unsigned flags;
	int (*fn)(const struct verb *v, int argc, char **argv);
	const char *phrase; /* for "Failed to <phrase>: ..." */
};

#define VERB_ROOT (1u << 0) /* needs root */
#define VERB_LOCK (1u << 1) /* takes /run/rewind/lock */

/* Parse argv and run the verb; returns the exit code. Used by main() and the unit tests. */
int cli_run(int argc, char **argv);

/* Report a failure (the library's last error message as the reason) and map it to an exit code. */
int cli_fail(const struct verb *v, int r);
/* The last error the library logged, not printed yet (the caller frees it); NULL when none. */
char *cli_take_error(void);
int cli_usage_error(const struct verb *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Positional argument count check against the verb table. */
int cli_check_args(const struct verb *v, int n);
int cli_open_lvm(const struct verb *v, struct lvm **ret);
/* Options that are all flags ({"name", no_argument, &flag, 1}): getopt_long() sets them; optind
 * is the first positional argument after. 0, or the exit code of an unknown option. */
struct option;
int cli_parse_flags(const struct verb *v, int argc, char **argv, const struct option *opts);
/* cli_check_args(), then cli_open_lvm(): 0, or the exit code of the first that failed. */
int cli_check_args_open_lvm(const struct verb *v, int n, struct lvm **ret);
/* The exit code of a library return value: the refusals of refusal.h map to 2, 3, 5, 6 and 7,
 * every errno to 1 (EXIT_FAILED). */
int cli_exit_code(int r);
/* Prefix every log line (the boot stage writes to the console among other units). */
void cli_set_log_prefix(const char *prefix);

/* Overridable for the unit tests. */
extern unsigned (*cli_geteuid)(void);

int verb_begin(const struct verb *v, int argc, char **argv);
int verb_commit(const struct verb *v, int argc, char **argv);
int verb_rollback(const struct verb *v, int argc, char **argv);
int verb_cancel(const struct verb *v, int argc, char **argv);
int verb_status(const struct verb *v, int argc, char **argv);
int verb_list(const struct verb *v, int argc, char **argv);
int verb_boot(const struct verb *v, int argc, char **argv);
int verb_check(const struct verb *v, int argc, char **argv);
int verb_boot_kernel_check(const struct verb *v, int argc, char **argv);
int verb_boot_finish(const struct verb *v, int argc, char **argv);
int verb_merge_wait(const struct verb *v, int argc, char **argv);
/* rewind.conf says merge = foreground (verb-boot.c). */
bool cli_merge_foreground(void);
/* verb-auto.c: the unattended-server units */
int verb_boot_good(const struct verb *v, int argc, char **argv);
int verb_boot_failed(const struct verb *v, int argc, char **argv);
int verb_auto_commit(const struct verb *v, int argc, char **argv);
int verb_monitor(const struct verb *v, int argc, char **argv);
/* verb-diff.c: what changed since begin, and the rollbacks recorded */
int verb_diff(const struct verb *v, int argc, char **argv);
int verb_history(const struct verb *v, int argc, char **argv);
/* Under systemd (stderr is the journal stream): each line with its syslog priority ("<3>"). */
void cli_log_to_journal(void);
/* verb-health.c: run the health checks; status's lines about this boot's results. */
int verb_health_check(const struct verb *v, int argc, char **argv);
struct health_report;
void cli_print_health(const struct health_report *h);

/* verb-esp.c: the rollback boot entry of a transaction in status, and the hint after an armed
 * rollback. */
struct boot_rollback_entry;
void cli_print_boot_entry(const struct boot_rollback_entry *boot);
void cli_print_rollback_entry_hint(const char *txid);

/* The initramfs check shared by `check` and `rollback`: 1 present, 0 cannot tell,
 * -REFUSE_NO_MODULE absent. */
int check_initramfs_module(bool verbose);

/* verb-apt.c: apt's DPkg::Pre-Install-Pkgs hook (apt/80rewind). */
int verb_apt_hook(const struct verb *v, int argc, char **argv);
/* How long the hook waits for another rewind command's lock (unit tests shorten it). */
extern unsigned cli_apt_lock_timeout_sec;
/* status: the packages apt changed in a transaction (NULL: none recorded). */
struct txn_packages;
void cli_print_packages(const struct txn_packages *p);
