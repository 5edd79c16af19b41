/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the pieces of the systemd-boot integration share; not part of librewind's API (boot.h).
 *
 *   boot.c           the public API: boot_open, boot_pin, boot_restore, boot_unpin, ...
 *   boot-fs.c        paths on the ESP and safe file writes on FAT (temp name, fsync, rename)
 *   boot-entry.c     Boot Loader Specification entries and systemd-boot's order and default
 *   boot-pin.c       what to pin, the space it needs, the rollback entry, writing and removing it
 *   boot-manifest.c  manifest.json: record the ESP (sha256, backups), then put it back
 *   boot-count.c     systemd-boot boot counters on the entries, for the automatic rollback
 *
 * Layout on the ESP, per transaction:
 *   loader/entries/rewind-TXID+3.conf     the rollback entry (pinned kernel, rd.rewind.rollback=),
 *                                         with tries of its own (ROLLBACK_TRIES); systemd-boot
 *                                         renames it (+2-1, ... +0-3), systemd-bless-boot drops
 *                                         the counter: find it with entry_find_ours()
 *   rewind/TXID/linux, initrd-N, devicetree   copies of the booted entry's files
 *   rewind/TXID/backup/loader/...         copies of loader.conf and the entries, for restore
 *   rewind/TXID/manifest.json             every file on the ESP outside rewind/ with its sha256
 *   rewind/TXID/counted, tries            the entries given a boot counter, and N (boot-count.c)
 *
 * The ESP is FAT: no symlinks, no hard links, case-insensitive names. Every write goes to a
 * temporary name in the same directory, is fsync()ed, renamed, and the directory fsync()ed.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "boot.h"
#include "json-util.h"
#include "macro.h"

#define ENTRIES_DIR	"loader/entries"
#define LOADER_CONF	"loader/loader.conf"
#define PIN_DIR		"rewind"
#define MANIFEST	"manifest.json"
#define BACKUP_DIR	"backup"
#define TMP_SUFFIX	".rewind-tmp"
#define BACKUP_SIZE_MAX (256u * 1024u)
/* Room for the manifest, the entry and FAT's directory clusters. */
#define MANIFEST_MARGIN (1024u * 1024u)
#define PATH_LEN_MAX	1024u
/* Boots of the rollback entry before systemd-boot sorts it last (its name's "+N"). */
#define ROLLBACK_TRIES 3u

struct boot {
	char *esp;
	char *efivars;
	uint64_t free_override;
};

struct entry {
	char *file; /* name in loader/entries, as on disk */
	char *id;   /* systemd-boot's id: lowercase, boot counter removed */
	int tries_left;
	char *title, *version, *machine_id, *sort_key, *linux_path, *devicetree, *efi;
	char *architecture;
	char **initrd;
	char **options;
};

/* A regular file (or directory) on the ESP, relative to its root. */
struct esp_file {
	char *path;
	uint64_t size;
	bool dir;
};

struct esp_list {
	struct esp_file *files;
	size_t n;
};

/* The booted entry's files to copy to rewind/TXID/. */
struct pinned {
	char *from; /* relative to the ESP */
	char *name; /* in rewind/TXID/ */
	uint64_t size;
};

struct pin_plan {
	struct pinned files[64];
	size_t n;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

/* ---- boot-fs.c ---- */

/* A path from an entry file as a path relative to the ESP root; -EINVAL if it could leave it. */
int esp_relpath(const char *p, char **ret);
/* ESP/rel */
char *esp_path(const struct boot *b, const char *rel);
/* rewind/TXID/name (name NULL: rewind/TXID), relative to the ESP, and the same under the ESP. */
char *pin_rel(const char *txid, const char *name);
char *pin_path(const struct boot *b, const char *txid, const char *name);
/* rewind-TXID.conf (the rollback entry's id), and ESP/loader/entries/name. */
char *entry_file_name(const char *txid);
/* rewind-TXID+tries.conf: the rollback entry as begin writes it, with a boot counter. */
char *entry_file_name_counted(const char *txid, unsigned tries);
/* file is txid's rollback entry, with a boot counter or without one (case-insensitive). */
bool entry_is_ours(const char *file, const char *txid);
/* The name txid's rollback entry has in loader/entries now; -ENOENT when there is none. */
int entry_find_ours(const struct boot *b, const char *txid, char **ret);
/* LoaderEntryOneShot when the ESP cannot be read (the initramfs): systemd-boot 252 matches it,
 * as a glob, against the file name with its counter ("rewind-TXID[+.]*conf"). */
char *entry_oneshot_pattern(const char *txid);
char *entry_path(const struct boot *b, const char *name);

/* Write or copy to PATH.rewind-tmp, fsync, rename over PATH, fsync the directory. */
int esp_write_file(const char *path, const char *contents);
int esp_copy_file(const char *from, const char *to);
int esp_mkdir_parents(const char *path);
int esp_rm_rf(const char *path);

/* Every regular file and directory under the ESP (rel NULL: from its root), except rewind/ and
 * our temporary files; a directory comes before its children. */
int esp_walk(const struct boot *b, const char *rel, struct esp_list *l);
void esp_list_done(struct esp_list *l);

/* ---- boot-entry.c ---- */

void entry_free(struct entry *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct entry *, entry_free);
void entries_free(struct entry **l, size_t n);
char *entry_lowercase(const char *s);
/* Read the keys of the entry file at path into e (its file and id are the caller's). */
int entry_parse_file(const char *path, struct entry *e);
/* The len bytes at s are exactly a "+LEFT[-DONE]" boot counter. */
bool entry_boot_counter_len(const char *s, size_t len);
/* The '+' of the "+LEFT[-DONE]" boot counter before ".conf" in file, or NULL. */
const char *entry_boot_counter_conf(const char *file);
/* The file name LoaderBootCountPath gives (systemd-boot renamed it for this boot, counter
 * included) when that is txid's rollback entry; NULL otherwise. */
char *boot_counted_entry(const char *efivars_dir, const char *txid);
/* The entries in loader/entries, in systemd-boot's order. */
int entries_load_sorted(const struct boot *b, struct entry ***ret, size_t *ret_n);
/* The index of the entry that booted; *ret_how says how it was found. */
int entry_booted(const struct boot *b, struct entry **l, size_t n, const char **ret_how);
/* The entry the configured default (LoaderEntryDefault, loader.conf) matches, or -1. */
int entry_configured_default(const struct boot *b, struct entry **l, size_t n);
/* The index of the entry the next boot uses: LoaderEntryOneShot, else the default; *ret_how says
 * which. -ENOENT without one, -EOPNOTSUPP when it is (or may be) a unified kernel image. */
int entry_next(const struct boot *b, struct entry **l, size_t n, const char **ret_how);
/* Warn when systemd-boot would make ours the default. */
void entry_check_default_kept(const struct boot *b, struct entry **l, size_t n, struct entry *ours);
/* Warn when systemd-boot would not fall back to ours once every other entry is out of tries. */
void entry_check_fallback(const struct boot *b, struct entry **l, size_t n, struct entry *ours);

/* ---- boot-pin.c ---- */

void pin_plan_done(struct pin_plan *p);
int pin_plan_build(const struct boot *b, const struct entry *e, struct pin_plan *p);
/* -REFUSE_NO_SPACE (logged) when the ESP cannot take the pinned files and the backups. */
int pin_check_space(const struct boot *b, const struct pin_plan *p, const struct esp_list *files);
char *pin_title(const char *txid, time_t when);
/* Copy the files, record the manifest, then write the rollback entry ours. */
int pin_write(struct boot *b, const char *txid, time_t when, struct entry *booted, const char *how,
	      const struct pin_plan *plan, const struct esp_list *files, struct entry *ours);
/* Remove the rollback entry, then rewind/TXID/. */
int pin_remove(const struct boot *b, const char *txid);

/* ---- boot-count.c ---- */

/* At begin (auto_rollback_boots = tries): give every entry without a boot counter "+tries" and
 * list it in rewind/TXID/counted. Call after the pin: the manifest holds the names as they were.
 */
int count_arm(const struct boot *b, const char *txid, unsigned tries);
/* At commit: take the counters off again; an entry systemd-boot marked bad stays so (warned). */
int count_disarm(const struct boot *b, const char *txid);
/* Fill in e's boot counting (status: "tries" and "counted"); nothing without boot counting. */
int count_describe(const struct boot *b, const char *txid, struct boot_rollback_entry *e);

/* ---- boot-manifest.c ---- */

/* loader.conf and the entries: the small files the manifest keeps copies of. */
bool manifest_wants_backup(const struct esp_file *f);
/* A new manifest with an empty "booted" object; NULL on OOM. */
json_object *manifest_new(void);
int manifest_set_header(const struct boot *b, json_object *m, const char *txid, time_t when,
			const struct entry *booted, const char *how, const struct entry *ours);
/* Copy the pinned files to rewind/TXID/ and record them: "pinned". */
int manifest_pinned(const struct boot *b, const char *txid, const struct pin_plan *p,
		    json_object *m);
/* Back up the small files, hash everything: "files" and "dirs". */
int manifest_files(const struct boot *b, const char *txid, const struct esp_list *files,
		   json_object *m);
int manifest_write(const struct boot *b, const char *txid, json_object *m);
/* -ENOENT when there is none. */
int manifest_read(const struct boot *b, const char *txid, json_object **ret);
/* Put the boot menu (loader.conf, the entries, the files its Linux entries load) and
 * LoaderEntryDefault back as the manifest recorded them; nothing else on the ESP is touched. */
int manifest_restore(const struct boot *b, const char *txid, json_object *m);
