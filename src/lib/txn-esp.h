/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "names.h"

/*
 * The transaction verbs' side of the systemd-boot integration (boot.h). Each function opens the
 * ESP (path_esp(), path_efivars()); when there is no systemd-boot ESP (boot_open() -ENOENT) it
 * does nothing and returns 0: no boot-loader integration.
 */
struct boot_rollback_entry;

/*
 * begin, after the snapshots exist and are tagged: pin the booted kernel and add the rollback
 * entry, when root is one of the volumes (a rollback entry boots the old kernel, which is only
 * right for the old root). 0 also when nothing is pinned: no ESP, no root volume, or a booted
 * entry that cannot be pinned (a unified kernel image: warned). -REFUSE_NO_SPACE when the ESP is
 * full (boot_pin()), else negative errno on failure. The caller removes the snapshots.
 * tries > 0 (auto_rollback_boots): systemd-boot counts the boots too (boot_count()).
 */
int txn_esp_pin(const char *txid, bool has_root, time_t when, unsigned tries);
/* (returns 1 when a rollback entry was written, 0 when not, negative errno on failure) */

/* The transactions with pinned files on the ESP (boot_pins()); NULL when none or no ESP. */
int txn_esp_pins(char ***ret);

/* boot-good, after systemd-bless-boot: boot_sweep() of txid's pin. */
int txn_esp_sweep(const char *txid);

/* commit, after the snapshots are removed: remove the rollback entry and the pinned files. */
int txn_esp_unpin(const char *txid);

/* The initramfs, before merging root of a pinned transaction: boot_set_oneshot_early(). */
int txn_esp_oneshot_early(const char *txid);

/* rollback --reboot: boot the rollback entry once. 1 when set, 0 when there is no entry. */
int txn_esp_set_oneshot(const char *txid);

/* cancel: clear a one-shot boot of the rollback entry. 1 when cleared, 0 when none. */
int txn_esp_clear_oneshot(const char *txid);

/* The rollback entry of txid as boot_describe() gives it; *ret NULL when there is none. */
int txn_esp_describe(const char *txid, struct boot_rollback_entry **ret);

/*
 * boot-finish, after the boot that rolled back (path_rundir()/outcome.json): append the outcome
 * to path_statedir()/history.jsonl as one compact line (not again when it is the last line
 * already), and when root was rolled back, put the ESP back as it was at begin (boot_restore();
 * the ESP of a pinned transaction is mounted for it when it is not, as txn_esp_restore()).
 * Idempotent. *ret_line: the outcome as that one line, NULL when there is no outcome.
 */
int txn_esp_boot_finish(char **ret_line);

/*
 * This boot's outcome (path_rundir()/outcome.json) says root was rolled back: 1 with the
 * transaction's id and whether it has a rollback entry; 0 when it does not (or there is none).
 */
int txn_esp_outcome_root(char ret_txid[static TXID_MAX + 1], bool *ret_pinned);

/*
 * Put the ESP back as it was at the begin of txid (boot_restore(); idempotent), and clear a
 * one-shot boot of its rollback entry. An ESP that is not mounted is mounted for the time of it
 * (esp_mount()). -ENOENT when no systemd-boot ESP is found, mounted or not; -EXDEV (an XBOOTLDR
 * partition) or another negative errno when it cannot be opened: the caller keeps the restore
 * pending.
 */
int txn_esp_restore(const char *txid, bool keep_pin);

/* Unit tests: pretend the ESP has this many bytes free (UINT64_MAX: ask statvfs). */
void txn_esp_set_free_space(uint64_t bytes);
