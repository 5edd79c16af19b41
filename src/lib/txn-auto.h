/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Unattended servers: boot counting with automatic rollback (txn-count.c), automatic commit
 * (txn-auto-commit.c), and the fill monitor (txn-monitor.c). The state is LVM tags on the snapshot
 * LVs (rewind:pending=K, rewind:good=M), so it survives a rollback of root.
 */
#include "conf.h"
#include "lvm.h"
#include "txn.h"

/*
 * The initramfs stage's hook, after its one LVM report. No transaction: returns at once (no
 * configuration read, no LVM command). Otherwise, with auto_rollback_boots = N > 0, for each open
 * transaction (not the one rd.rewind.rollback= chose, skip_txid): K = rewind:pending; K >= N arms
 * it for this boot, in memory only (the caller merges it); else every snapshot gets
 * rewind:pending=K+1 (one lvchange each). Never fails the boot: errors are logged.
 */
void txn_auto_boot(struct lvm *l, struct txn_set *s, const char *skip_txid);

/*
 * rewind boot-good (after boot-complete.target): rewind:pending is dropped and rewind:good=M+1
 * set on every snapshot of each transaction begun before this boot. 0, or negative errno.
 */
int txn_auto_boot_good(struct lvm *l);

/* begin, with auto_rollback_boots on: warn about what would keep a failed boot from ending (a
 * kernel panic that halts instead of rebooting). */
void txn_auto_check_begin(const struct conf *c);

/*
 * rewind boot-failed (rewind-failed-boot.service, in emergency mode or when the boot deadline
 * passed): should this boot reboot so that it counts as failed? 1 when auto_rollback_boots is on,
 * a transaction is open, this boot is unconfirmed (the initramfs counted it, rewind:pending > 0,
 * and rewind-boot-good.service did not run) and the kernel command line k (cmdline_read(); NULL:
 * an empty one) does not ask for a shell (emergency, rescue, single,
 * systemd.unit=emergency.target, rd.rewind.stay...), turn rewind off (rd.rewind=0) or choose the
 * rollback entry (rd.rewind.rollback=);
 * 0 when not (the reason is logged), or negative errno. *ret_txid: the transaction, when 1.
 */
struct cmdline;
int txn_auto_boot_failed(struct lvm *l, const struct conf *c, const struct cmdline *k,
			 char **ret_txid);

/*
 * rewind auto-commit: commits when auto_commit_after is set, no transaction is armed, each is
 * older than auto_commit_after, had a boot reach boot-complete.target (good >= 1) and its last
 * boot was confirmed (pending = 0), and, when health checks are installed, this boot's ran and
 * passed (health_allows_commit()). 1 committed, 0 not (the reason is logged), or negative errno.
 */
int txn_auto_commit(struct lvm *l, const struct conf *c, char **ret_txid);
/* Changes were made in the open transaction t after its begin (a later apt run): no boot has
 * proven them yet. Its good-boot counters go back to 0, so auto-commit waits for a boot after
 * them too. 0, or a negative errno (logged). */
int txn_auto_new_changes(struct lvm *l, const struct txn *t);

/*
 * rewind monitor: warns at monitor_warn_percent, extends by half the snapshot's size (at least
 * one extent, at most the VG's free extents) at monitor_extend_percent. 0 when all is well or
 * was extended, 1 when a snapshot is invalid or could not be extended, or negative errno.
 */
int txn_monitor(struct lvm *l, const struct conf *c);

/* Overridable for the unit tests: when this boot began (UNIX seconds). */
extern uint64_t (*txn_auto_boot_time)(void);
