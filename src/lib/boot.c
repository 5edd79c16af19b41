/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * systemd-boot integration, the API of boot.h. The pieces are listed, and the ESP layout is
 * described, in boot-internal.h.
 */
#include <ctype.h>
#include <sys/stat.h>

#include "boot-internal.h"
#include "efivar.h"
#include "log.h"
#include "names.h"
#include "util.h"

/* The caller validated it already; checked again, as it becomes a path on the ESP and an entry's
 * file name. */
static int check_txid(const char *txid)
{
	if (name_valid_txid(txid) < 0)
		return log_err_errno(-EINVAL, "Invalid transaction id for the ESP: '%s'",
				     txid ?: "(null)");
	return 0;
}

/* The file name of txid's rollback entry (its systemd-boot id, as in LoaderEntryOneShot). */
static int rollback_entry_name(const char *txid, char **ret)
{
	int r = check_txid(txid);

	if (r < 0)
		return r;
	*ret = entry_file_name(txid);
	return *ret ? 0 : -ENOMEM;
}

static bool has_loader_dir(const char *root)
{
	_cleanup_free_ char *p = strdup_printf("%s/loader", root);
	struct stat st;

	return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int boot_open(const char *esp_root, const char *efivars_dir, struct boot **ret)
{
	static const char *const candidates[] = {"/efi", "/boot/efi", "/boot"};
	_cleanup_(boot_freep) struct boot *b = calloc(1, sizeof(*b));
	const char *root = NULL;

	if (!b)
		return -ENOMEM;
	if (esp_root)
		root = has_loader_dir(esp_root) ? esp_root : NULL;
	else
		for (size_t i = 0; !root && i < ELEMENTSOF(candidates); i++)
			if (has_loader_dir(candidates[i]))
				root = candidates[i];
	if (!root) {
		log_debug("No systemd-boot ESP (no loader/ in %s)",
			  esp_root ?: "/efi, /boot/efi, /boot");
		return -ENOENT;
	}
	b->esp = strdup(root);
	if (!b->esp || (efivars_dir && !(b->efivars = strdup(efivars_dir))))
		return -ENOMEM;
	for (size_t len = strlen(b->esp); len > 1 && b->esp[len - 1] == '/'; len--)
		b->esp[len - 1] = '\0';
	b->free_override = UINT64_MAX;
	*ret = TAKE_PTR(b);
	return 0;
}

struct boot *boot_free(struct boot *b)
{
	if (b) {
		free(b->esp);
		free(b->efivars);
		free(b);
	}
	return NULL;
}

const char *boot_esp_root(const struct boot *b)
{
	return b->esp;
}

void boot_set_free_space(struct boot *b, uint64_t bytes)
{
	b->free_override = bytes;
}

int boot_pin(struct boot *b, const char *txid, time_t when)
{
	_cleanup_(pin_plan_done) struct pin_plan plan = {};
	_cleanup_(esp_list_done) struct esp_list files = {};
	_cleanup_(entry_freep) struct entry *ours = NULL;
	_cleanup_free_ char *dir = NULL;
	struct entry **l = NULL;
	size_t n = 0;
	const char *how = NULL;
	struct stat st;
	int r, i;

	r = check_txid(txid);
	if (r < 0)
		return r;
	dir = pin_path(b, txid, NULL);
	ours = calloc(1, sizeof(*ours));
	if (!dir || !ours)
		return -ENOMEM;
	if (lstat(dir, &st) == 0)
		return log_err_errno(-EEXIST, "%s already exists: transaction %s is already pinned",
				     dir, txid);
	r = entries_load_sorted(b, &l, &n);
	if (r < 0)
		return log_err_errno(r, "Failed to read the boot entries in %s: %s", b->esp,
				     strerror(-r));
	i = entry_booted(b, l, n, &how);
	if (i < 0) {
		r = i;
		goto finish;
	}
	r = pin_plan_build(b, l[i], &plan);
	if (r < 0)
		goto finish;
	r = esp_walk(b, NULL, &files);
	if (r < 0) {
		log_err("Failed to list the files on %s: %s", b->esp, strerror(-r));
		goto finish;
	}
	r = pin_check_space(b, &plan, &files);
	if (r < 0)
		goto finish;

	/* With tries of its own: a pinned kernel that dies is not booted for ever. */
	ours->file = entry_file_name_counted(txid, ROLLBACK_TRIES);
	ours->id = entry_file_name(txid);
	for (char *c = ours->id; c && *c; c++)
		*c = tolower((unsigned char)*c);
	ours->title = pin_title(txid, when);
	ours->tries_left = ROLLBACK_TRIES;
	ours->linux_path = strdup("linux");
	if (!ours->file || !ours->id || !ours->title || !ours->linux_path) {
		r = -ENOMEM;
		goto finish;
	}
	entry_check_default_kept(b, l, n, ours);

	r = pin_write(b, txid, when, l[i], how, &plan, &files, ours);
	if (r == -ENOSPC)
		/* Full all the same: filled up since the check, or FAT took more than counted. */
		r = log_err_errno(-REFUSE_NO_SPACE,
				  "The ESP %s is full: the booted kernel cannot be pinned there.",
				  b->esp);
	if (r < 0)
		(void)pin_remove(b, txid);
	else
		log_info("Pinned boot entry %s (%s) as %s on %s", l[i]->id, how, ours->file,
			 b->esp);
finish:
	entries_free(l, n);
	return r;
}

int boot_restore(struct boot *b, const char *txid, bool keep_pin)
{
	_cleanup_(json_object_putp) json_object *m = NULL;
	int r;

	r = check_txid(txid);
	if (r < 0)
		return r;
	r = manifest_read(b, txid, &m);
	if (r == -ENOENT) {
		/* Done before, or a pin that never completed: only leftovers to remove. */
		log_debug("No manifest for %s on %s: nothing to restore", txid, b->esp);
		return pin_remove(b, txid);
	}
	if (r < 0)
		return r;
	log_info("Putting the ESP %s back as it was before transaction %s.", b->esp, txid);
	r = manifest_restore(b, txid, m);
	if (r < 0)
		/* Keep the pin and the manifest: running this again retries. */
		return log_err_errno(r, "Failed to restore the ESP %s as it was before %s", b->esp,
				     txid);
	if (keep_pin)
		return 1;
	r = pin_remove(b, txid);
	return r < 0 ? r : 1;
}

int boot_clear_oneshot(struct boot *b, const char *txid)
{
	_cleanup_free_ char *oneshot = NULL, *ours = NULL;
	int r;

	r = rollback_entry_name(txid, &ours);
	if (r < 0)
		return r;
	free(ours);
	ours = entry_oneshot_pattern(txid);
	if (!ours)
		return -ENOMEM;
	/* Ours: the name of the entry (any counter), or the initramfs's pattern. */
	if (efivar_get_string(b->efivars, "LoaderEntryOneShot", EFI_LOADER_GUID, &oneshot) < 0 ||
	    (!entry_is_ours(oneshot, txid) && strcasecmp(oneshot, ours) != 0))
		return 0;
	r = efivar_delete(b->efivars, "LoaderEntryOneShot", EFI_LOADER_GUID);
	if (r < 0)
		return log_err_errno(r, "Failed to clear the EFI variable LoaderEntryOneShot: %s",
				     strerror(-r));
	return 1;
}

int boot_count(struct boot *b, const char *txid, unsigned tries)
{
	int r = check_txid(txid);

	if (r < 0)
		return r;
	if (tries == 0)
		return 0;
	return count_arm(b, txid, tries);
}

int boot_unpin(struct boot *b, const char *txid)
{
	int r;

	/* A one-shot left pointing at an entry that is gone would be ignored, but do not leave it.
	 */
	r = boot_clear_oneshot(b, txid);
	if (r == -EINVAL)
		return r;
	/* Before pin_remove(): it removes the list of what we counted. */
	r = count_disarm(b, txid);
	if (r < 0)
		return r;
	return pin_remove(b, txid);
}

/* systemd-boot matches LoaderEntryOneShot as a pattern (efi_fnmatch) against entry ids: the
 * lowercased file name with ".conf", with the boot counter up to 257 (rewind-TXID+2-1.conf),
 * without it from 258. */
int boot_set_oneshot(struct boot *b, const char *txid)
{
	_cleanup_free_ char *name = NULL;
	int r;

	r = rollback_entry_name(txid, &name);
	if (r < 0)
		return r;
	free(name);
	name = NULL;
	r = entry_find_ours(b, txid, &name);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return log_err_errno(r,
				     "No rollback entry rewind-%s.conf in %s/" ENTRIES_DIR ": %s",
				     txid, b->esp, strerror(-r));
	/* The pattern, not the name it has now: systemd-boot 258 and later take the counter out of
	 * the id (rewind-TXID.conf), 252 to 257 keep it (rewind-TXID+3.conf); it matches both. */
	free(name);
	name = entry_oneshot_pattern(txid);
	if (!name)
		return -ENOMEM;
	r = efivar_set_string(b->efivars, "LoaderEntryOneShot", EFI_LOADER_GUID, name);
	if (r < 0)
		return log_err_errno(r, "Failed to set the EFI variable LoaderEntryOneShot: %s",
				     strerror(-r));
	return 0;
}

struct boot_next *boot_next_free(struct boot_next *n)
{
	if (n) {
		free(n->id);
		free(n->version);
		free(n->linux_path);
		strv_free(n->initrd);
		free(n);
	}
	return NULL;
}

/* A path from entry e as a path under the ESP root. */
static int next_path(const struct boot *b, const struct entry *e, const char *p, char **ret)
{
	_cleanup_free_ char *rel = NULL;
	int r = esp_relpath(p, &rel);

	if (r == -EINVAL)
		return log_err_errno(r, "Boot entry %s: refusing path '%s', not inside the ESP",
				     e->file, p);
	if (r < 0)
		return r;
	*ret = esp_path(b, rel);
	return *ret ? 0 : -ENOMEM;
}

static int next_fill(const struct boot *b, const struct entry *e, struct boot_next *nx)
{
	int r;

	nx->id = strdup(e->id);
	if (!nx->id || (e->version && !(nx->version = strdup(e->version))))
		return -ENOMEM;
	if (e->linux_path) {
		r = next_path(b, e, e->linux_path, &nx->linux_path);
		if (r < 0)
			return r;
	}
	for (size_t k = 0; e->initrd && e->initrd[k]; k++) {
		char *p = NULL;

		r = next_path(b, e, e->initrd[k], &p);
		if (r >= 0)
			r = strv_push(&nx->initrd, p);
		if (r < 0)
			return r;
	}
	return 0;
}

int boot_next_entry(struct boot *b, struct boot_next **ret)
{
	_cleanup_(boot_next_freep) struct boot_next *nx = calloc(1, sizeof(*nx));
	struct entry **l = NULL;
	size_t n = 0;
	int r, i;

	if (!nx)
		return -ENOMEM;
	r = entries_load_sorted(b, &l, &n);
	if (r < 0)
		return log_err_errno(r, "Failed to read the boot entries in %s: %s", b->esp,
				     strerror(-r));
	i = entry_next(b, l, n, &nx->how);
	if (i < 0) {
		r = i;
		goto finish;
	}
	r = next_fill(b, l[i], nx);
	if (r < 0)
		goto finish;
	log_debug("The next boot uses entry %s (%s)", nx->id, nx->how);
	*ret = TAKE_PTR(nx);
finish:
	entries_free(l, n);
	return r;
}

struct boot_rollback_entry *boot_rollback_entry_free(struct boot_rollback_entry *e)
{
	if (!e)
		return NULL;
	free(e->entry);
	free(e->title);
	free(e->pinned_from);
	free(e->version);
	free(e->linux_path);
	free(e->esp);
	for (size_t i = 0; i < e->n_counted; i++)
		free(e->counted[i].entry);
	free(e->counted);
	free(e);
	return NULL;
}

int boot_describe(struct boot *b, const char *txid, struct boot_rollback_entry **ret)
{
	_cleanup_(boot_rollback_entry_freep) struct boot_rollback_entry *e = NULL;
	_cleanup_(json_object_putp) json_object *m = NULL;
	json_object *pinned, *booted, *first;
	const char *plus;
	int r;

	r = check_txid(txid);
	if (r < 0)
		return r;
	r = manifest_read(b, txid, &m);
	if (r < 0)
		return r;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	/* The entry under its name now: systemd-boot and systemd-bless-boot rename it. */
	r = entry_find_ours(b, txid, &e->entry);
	if (r == -ENOMEM)
		return r;
	e->present = e->entry != NULL;
	/* -1: no counter (an older begin, or systemd-bless-boot marked it good) */
	plus = e->entry ? entry_boot_counter_conf(e->entry) : NULL;
	e->entry_tries_left = plus ? (int)strtoul(plus + 1, NULL, 10) : -1;
	pinned = jget(m, "pinned", json_type_array);
	for (size_t i = 0; pinned && i < json_object_array_length(pinned); i++)
		e->size += json_object_get_int64(
		    jget(json_object_array_get_idx(pinned, i), "size", json_type_int));
	first = pinned && json_object_array_length(pinned) > 0
		    ? json_object_array_get_idx(pinned, 0)
		    : NULL;
	booted = jget(m, "booted", json_type_object);
	e->esp = strdup(b->esp);
	if ((!e->entry && jget_strdup(m, "entry", &e->entry) < 0) ||
	    jget_strdup(m, "title", &e->title) < 0 ||
	    jget_strdup(booted, "id", &e->pinned_from) < 0 ||
	    jget_strdup(booted, "version", &e->version) < 0 ||
	    jget_strdup(first, "to", &e->linux_path) < 0 || !e->esp)
		return -ENOMEM;
	r = count_describe(b, txid, e);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(e);
	return 0;
}

/*
 * This boot is one of txid's rollback entry with no tries left. LoaderEntrySelected says so up to
 * systemd-boot 257 (its id keeps the counter as it was: +0-3); from 258 the id has no counter,
 * but LoaderBootCountPath still names the file as renamed for this boot: +0-N with N past our
 * tries means it had none left when it was chosen.
 */
static bool ours_exhausted(const char *efivars_dir, const char *txid, char **ret_name)
{
	_cleanup_free_ char *selected = NULL, *counted = NULL;
	const char *plus;
	char *end;

	if (boot_selected_exhausted(efivars_dir, &selected) > 0 && entry_is_ours(selected, txid)) {
		*ret_name = TAKE_PTR(selected);
		return true;
	}
	counted = boot_counted_entry(efivars_dir, txid);
	plus = counted ? entry_boot_counter_conf(counted) : NULL;
	if (!plus || strtoul(plus + 1, &end, 10) != 0 || *end != '-' ||
	    strtoul(end + 1, NULL, 10) <= ROLLBACK_TRIES)
		return false;
	*ret_name = TAKE_PTR(counted);
	return true;
}

int boot_set_oneshot_early(const char *efivars_dir, const char *txid)
{
	_cleanup_free_ char *name = NULL, *selected = NULL;
	int r;

	r = rollback_entry_name(txid, &name);
	if (r < 0)
		return r;
	/* Only the rollback entry's own tries bound it: another entry with none left may be
	 * booted because a default names it, while ours still has tries. */
	if (ours_exhausted(efivars_dir, txid, &selected))
		return log_err_errno(
		    -ESTALE,
		    "systemd-boot booted %s, the rollback entry of %s, with no tries left: the "
		    "kernel pinned at begin failed too. Not pointing the next boot at the "
		    "rollback entry again: this boot goes on as it is (see rewind(8), "
		    "EXHAUSTED TRIES).",
		    selected, txid);
	free(name);
	name = entry_oneshot_pattern(txid);
	if (!name)
		return -ENOMEM;
	return efivar_set_string(efivars_dir, "LoaderEntryOneShot", EFI_LOADER_GUID, name);
}
