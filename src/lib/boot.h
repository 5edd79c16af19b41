/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "macro.h"
#include "refusal.h"

/*
 * systemd-boot integration: pin the booted kernel on the ESP, add a rollback entry, record the
 * ESP as it was, and put it back after a rollback. boot*.c (listed in boot-internal.h) are the
 * only files that know the ESP layout and the Boot Loader Specification entry format. All
 * functions return negative errno; boot_pin() refuses a full ESP with -REFUSE_NO_SPACE.
 */
struct boot;

/*
 * esp_root NULL: the first of /efi, /boot/efi, /boot that has a loader/ directory.
 * efivars_dir NULL: /sys/firmware/efi/efivars.
 * -ENOENT: no systemd-boot ESP; callers treat that as "no boot-loader integration".
 */
int boot_open(const char *esp_root, const char *efivars_dir, struct boot **ret);
struct boot *boot_free(struct boot *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct boot *, boot_free);

const char *boot_esp_root(const struct boot *b);
/* Tests: pretend the ESP has this many bytes free (UINT64_MAX: ask statvfs). */
void boot_set_free_space(struct boot *b, uint64_t bytes);

/*
 * At begin: copy the booted entry's kernel, initrds and devicetree to $ESP/rewind/TXID/, write
 * loader/entries/rewind-TXID.conf and $ESP/rewind/TXID/manifest.json. -REFUSE_NO_SPACE (with a log
 * message saying how much is needed and free) before anything is written, or when a write finds
 * the ESP full. On failure nothing is left.
 */
int boot_pin(struct boot *b, const char *txid, time_t when);
/*
 * At begin, after boot_pin(), when the automatic rollback is on (tries = auto_rollback_boots):
 * give every entry a systemd-boot boot counter "+tries", so that a kernel dying before the
 * initramfs is counted too, and systemd-boot falls back to the rollback entry once all are used
 * up. Warns when its configured default would keep it from falling back. 0 when tries is 0.
 */
int boot_count(struct boot *b, const char *txid, unsigned tries);
/* After a root rollback: put the boot menu back as it was at begin (the BLS entries, loader.conf
 * and the files Linux entries load; nothing else on the ESP is touched), then drop the pin.
 * Idempotent: 1 when it put the ESP back, 0 when there was no record to do it from (done
 * before: only leftovers are removed). keep_pin (a baseline transaction, which stays open):
 * the pin, its record and the rollback entry stay for the next restore. */
int boot_restore(struct boot *b, const char *txid, bool keep_pin);
/* After commit: take back the boot counters (an entry systemd-boot marked bad stays bad, warned),
 * remove the rollback entry and the pinned files. Idempotent. */
int boot_unpin(struct boot *b, const char *txid);

/*
 * After systemd-bless-boot counted a boot of the rollback entry: remove what a restore left of
 * txid's pin for it (its entry and kernel, no record). Nothing else is touched.
 */
int boot_sweep(struct boot *b, const char *txid);

/* The transactions that have pinned files on the ESP (rewind/TXID/), NULL when none. */
int boot_pins(struct boot *b, char ***ret);
/*
 * The initramfs, before it merges root (the ESP is not mounted there, the entry is not checked):
 * boot the rollback entry once more, so that a boot cut short before the ESP is put back comes
 * up on the kernel of before the transaction, not on one the upgrade installed. The one-shot is
 * the pattern rewind-TXID[+.]*conf (systemd-boot 252 keeps the boot counter in the id).
 * -ESTALE (logged) when this boot's entry had no tries left (boot_selected_exhausted()).
 */
int boot_set_oneshot_early(const char *efivars_dir, const char *txid);
/*
 * 1 when systemd-boot booted an entry that had no tries left (LoaderEntrySelected ends in
 * "+0.conf" or "+0-DONE.conf"): it picks one only when no entry has tries left, the rollback
 * entry included (or a default names that one entry). Then boot_set_oneshot_early() refuses
 * (-ESTALE): the rollback entry is not booted again and again. Needs no ESP.
 */
int boot_selected_exhausted(const char *efivars_dir, char **ret_selected);
/* rollback --reboot: boot the rollback entry once (LoaderEntryOneShot). */
int boot_set_oneshot(struct boot *b, const char *txid);
/* cancel: a one-shot boot of our rollback entry would roll back anyway (rd.rewind.rollback=):
 * clear it. 1 when cleared, 0 when it was not ours or not set. */
int boot_clear_oneshot(struct boot *b, const char *txid);
/*
 * The entry the next boot uses, as systemd-boot 252 picks it: LoaderEntryOneShot when it names an
 * entry, else LoaderEntryDefault (or @saved), else loader.conf's default, else the first entry in
 * systemd-boot's order. Its files as paths under the ESP root (boot_esp_root()).
 */
struct boot_next {
	char *id;      /* systemd-boot's id: the file name lowercased, boot counter removed */
	char *version; /* NULL when the entry has none */
	/* "LoaderEntryOneShot", "LoaderEntryDefault", "loader.conf default" (either with " @saved":
	 * LoaderEntryLastBooted) or "first entry" */
	const char *how;
	char *linux_path; /* NULL for an entry that starts an EFI program ("efi") */
	char **initrd;	  /* in the order they are loaded; NULL when none */
};
/* -ENOENT: no entry. -EOPNOTSUPP: the next boot is (or may be) a unified kernel image in
 * EFI/Linux, whose initrd is inside it. -EINVAL: one of its paths would leave the ESP. */
int boot_next_entry(struct boot *b, struct boot_next **ret);
struct boot_next *boot_next_free(struct boot_next *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct boot_next *, boot_next_free);

/* An entry that begin gave a systemd-boot boot counter (boot_count()). */
struct boot_counted {
	char *entry;	/* its file name in loader/entries now */
	int tries_left; /* -1: no counter left (systemd-bless-boot marked it good) */
};

/* The rollback entry of a transaction, for status (its JSON: "boot", txn-json.c). */
struct boot_rollback_entry {
	char *entry;	      /* its file name now (as systemd-boot renamed it), else as recorded */
	bool present;	      /* in loader/entries */
	int entry_tries_left; /* its own boot counter; -1: none (an older begin, or blessed) */
	char *title;
	char *pinned_from; /* the id of the entry that was booted at begin */
	char *version;	   /* the pinned kernel's */
	char *linux_path;  /* the pinned kernel, relative to the ESP; NULL when none is recorded */
	uint64_t size;	   /* bytes of the pinned files */
	char *esp;
	/* Boot counting (auto_rollback_boots): tries per entry, and the entries counted. */
	bool counting;
	uint64_t tries;
	struct boot_counted *counted;
	size_t n_counted;
};
struct boot_rollback_entry *boot_rollback_entry_free(struct boot_rollback_entry *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct boot_rollback_entry *, boot_rollback_entry_free);
/* -ENOENT when txid has no record on the ESP (not pinned). */
int boot_describe(struct boot *b, const char *txid, struct boot_rollback_entry **ret);
