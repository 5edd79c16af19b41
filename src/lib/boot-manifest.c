/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rewind/TXID/manifest.json: at pin time, every file and directory on the ESP outside rewind/
 * with its size and sha256, copies of loader.conf and the entries, the pinned files and
 * LoaderEntryDefault. After a rollback, the boot menu and the files its Linux entries load are
 * put back as they were; nothing else on the ESP is touched ("What a restore may touch").
 */
#include <fcntl.h>

#include "boot-internal.h"
#include "digest.h"
#include "efivar.h"
#include "log.h"
#include "util.h"

bool manifest_wants_backup(const struct esp_file *f)
{
	const char *p = f->path;

	if (f->dir || f->size > BACKUP_SIZE_MAX)
		return false;
	if (strcasecmp(p, LOADER_CONF) == 0)
		return true;
	return strncasecmp(p, ENTRIES_DIR "/", strlen(ENTRIES_DIR "/")) == 0 &&
	       !strchr(p + strlen(ENTRIES_DIR "/"), '/');
}

json_object *manifest_new(void)
{
	json_object *m = json_object_new_object(), *bo = json_object_new_object();

	if (!m || !bo || json_object_object_add(m, "booted", bo) < 0) {
		json_object_put(m);
		json_object_put(bo);
		return NULL;
	}
	return m;
}

int manifest_set_header(const struct boot *b, json_object *m, const char *txid, time_t when,
			const struct entry *booted, const char *how, const struct entry *ours)
{
	_cleanup_free_ char *efidef = NULL;
	json_object *bo = jget(m, "booted", json_type_object);
	int r;

	r = jadd_u64(m, "format", 1);
	if (r >= 0)
		r = jadd_str(m, "txid", txid);
	if (r >= 0)
		r = jadd_u64(m, "created", (uint64_t)when);
	if (r >= 0)
		r = jadd_str(m, "entry", ours->file);
	if (r >= 0)
		r = jadd_str(m, "title", ours->title);
	if (r >= 0)
		r = jadd_str(bo, "id", booted->id);
	if (r >= 0)
		r = jadd_str(bo, "file", booted->file);
	if (r >= 0)
		r = jadd_str(bo, "chosen_by", how);
	if (r >= 0)
		r = jadd_str(bo, "title", booted->title);
	if (r >= 0)
		r = jadd_str(bo, "version", booted->version);
	if (r >= 0 &&
	    efivar_get_string(b->efivars, "LoaderEntryDefault", EFI_LOADER_GUID, &efidef) >= 0)
		r = jadd_str(m, "LoaderEntryDefault", efidef);
	return r;
}

int manifest_files(const struct boot *b, const char *txid, const struct esp_list *files,
		   json_object *m)
{
	json_object *fl = jadd_array(m, "files"), *dl = fl ? jadd_array(m, "dirs") : NULL;
	int r = 0;

	if (!dl)
		return -ENOMEM;
	for (size_t i = 0; r >= 0 && i < files->n; i++) {
		const struct esp_file *f = &files->files[i];
		_cleanup_free_ char *abs = esp_path(b, f->path), *bak = NULL, *bak_abs = NULL;
		json_object *o;
		char hex[DIGEST_SHA256_HEX];

		if (!abs)
			return -ENOMEM;
		if (f->dir) {
			json_object_array_add(dl, json_object_new_string(f->path));
			continue;
		}
		r = sha256_file(abs, hex);
		if (r < 0)
			return log_err_errno(r, "Failed to hash %s: %s", abs, strerror(-r));
		o = json_object_new_object();
		if (!o || json_object_array_add(fl, o) < 0)
			return -ENOMEM;
		r = jadd_str(o, "path", f->path);
		if (r >= 0)
			r = jadd_u64(o, "size", f->size);
		if (r >= 0)
			r = jadd_str(o, "sha256", hex);
		if (r < 0 || !manifest_wants_backup(f))
			continue;
		bak = strdup_printf(BACKUP_DIR "/%s", f->path);
		bak_abs = bak ? pin_path(b, txid, bak) : NULL;
		if (!bak_abs)
			return -ENOMEM;
		r = esp_mkdir_parents(bak_abs);
		if (r >= 0)
			r = esp_copy_file(abs, bak_abs);
		if (r < 0)
			return log_err_errno(r, "Failed to back up %s: %s", abs, strerror(-r));
		r = jadd_str(o, "backup", bak);
	}
	return r;
}

int manifest_pinned(const struct boot *b, const char *txid, const struct pin_plan *p,
		    json_object *m)
{
	json_object *pl = jadd_array(m, "pinned");

	if (!pl)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++) {
		_cleanup_free_ char *from = esp_path(b, p->files[i].from);
		_cleanup_free_ char *to = pin_rel(txid, p->files[i].name);
		_cleanup_free_ char *to_abs = to ? esp_path(b, to) : NULL;
		json_object *o = json_object_new_object();
		char hex[DIGEST_SHA256_HEX];
		int r;

		if (!from || !to_abs || !o || json_object_array_add(pl, o) < 0)
			return -ENOMEM;
		r = esp_copy_file(from, to_abs);
		if (r < 0)
			return log_err_errno(r, "Failed to copy %s to %s: %s", from, to_abs,
					     strerror(-r));
		r = sha256_file(to_abs, hex);
		if (r >= 0)
			r = jadd_str(o, "from", p->files[i].from);
		if (r >= 0)
			r = jadd_str(o, "to", to);
		if (r >= 0)
			r = jadd_u64(o, "size", p->files[i].size);
		if (r >= 0)
			r = jadd_str(o, "sha256", hex);
		if (r < 0)
			return r;
	}
	return 0;
}

int manifest_write(const struct boot *b, const char *txid, json_object *m)
{
	_cleanup_free_ char *abs = pin_path(b, txid, MANIFEST);
	const char *s = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	_cleanup_free_ char *text = s ? strdup_printf("%s\n", s) : NULL;

	if (!abs || !text)
		return -ENOMEM;
	return esp_write_file(abs, text);
}

int manifest_read(const struct boot *b, const char *txid, json_object **ret)
{
	_cleanup_free_ char *abs = pin_path(b, txid, MANIFEST);
	json_object *m;

	if (!abs)
		return -ENOMEM;
	if (access(abs, F_OK) < 0)
		return -errno;
	m = json_object_from_file(abs);
	if (!m || !jget(m, "files", json_type_array)) {
		json_object_put(m);
		return log_err_errno(-EBADMSG, "Failed to parse %s", abs);
	}
	*ret = m;
	return 0;
}

/* The manifest entry for an ESP path (in its member key; key NULL: a list of paths), or NULL. */
static json_object *manifest_find(json_object *list, const char *key, const char *path)
{
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		json_object *o = json_object_array_get_idx(list, i);
		const char *p = key ? jget_str(o, key) : json_object_get_string(o);

		if (p && strcasecmp(p, path) == 0)
			return o;
	}
	return NULL;
}

/* A path read back from the manifest must name a file in rewind/TXID/. */
static bool path_in_pin(const char *rel, const char *txid)
{
	_cleanup_free_ char *norm = NULL, *prefix = strdup_printf(PIN_DIR "/%s/", txid);

	return prefix && esp_relpath(rel, &norm) >= 0 && streq(norm, rel) &&
	       startswith(rel, prefix);
}

static bool file_matches(const char *abs, const char *sha256)
{
	char hex[DIGEST_SHA256_HEX];

	return sha256 && sha256_file(abs, hex) >= 0 && streq(hex, sha256);
}

/*
 * Put one recorded file back: from its backup (loader.conf, entries) or from the pinned copy
 * (the booted entry's kernel, initrd, devicetree). Returns 1 when restored, 0 when there is no
 * good copy (logged), negative errno on I/O errors.
 */
static int restore_file(const struct boot *b, const char *txid, json_object *m, json_object *f)
{
	const char *path = jget_str(f, "path"), *sha = jget_str(f, "sha256");
	const char *bak = jget_str(f, "backup");
	json_object *pin = manifest_find(jget(m, "pinned", json_type_array), "from", path);
	_cleanup_free_ char *src = NULL, *dst = NULL, *rel = NULL;
	int r;

	if (bak)
		rel = pin_rel(txid, bak);
	else if (pin && jget_str(pin, "to"))
		rel = strdup(jget_str(pin, "to"));
	else {
		log_warning(
		    "%s/%s changed since transaction %s began and no copy was kept: left as "
		    "it is",
		    b->esp, path, txid);
		return 0;
	}
	if (!rel)
		return -ENOMEM;
	if (!path_in_pin(rel, txid)) {
		log_warning("Ignoring a bad copy path in the manifest of %s", txid);
		return 0;
	}
	src = esp_path(b, rel);
	dst = esp_path(b, path);
	if (!src || !dst)
		return -ENOMEM;
	if (!file_matches(src, sha)) {
		log_warning("The saved copy %s does not match what %s/%s was: left as it is", src,
			    b->esp, path);
		return 0;
	}
	r = esp_mkdir_parents(dst);
	if (r >= 0)
		r = esp_copy_file(src, dst);
	if (r < 0)
		return log_err_errno(r, "Failed to restore %s: %s", dst, strerror(-r));
	log_info("Restored %s as it was before transaction %s", dst, txid);
	return 1;
}

/*
 * What a restore may touch. The ESP is shared: another OS's boot loader, shim and its MOK state,
 * firmware capsules in EFI/UpdateCapsule/, vendor tools. Only the boot menu and what its Linux
 * entries load are rewind's to put back or remove:
 *
 *   - put back when changed or gone (from the copy the manifest kept): loader/loader.conf, the
 *     entries loader/entries/NAME.conf, and the kernels, initrds and devicetrees the Linux entries
 *     referenced at begin (only the pinned ones have a copy; for the others we warn);
 *   - removed: an entry or loader.conf that was not there at begin; and a kernel, initrd or
 *     devicetree that a Linux entry referenced before the restore (an entry the upgrade added or
 *     changed), if it was not on the ESP at begin (not in the manifest) and no entry there is after
 *     the restore references it -- any entry: another OS's, an "efi" one, our rollback entry;
 *   - a directory only when those removals emptied it and it was not there at begin;
 *   - rewind/TXID/ itself (pin_remove()).
 *
 * Every other file is left as it is, whether it was there at begin or came after, changed or
 * not: that nothing references it says nothing about who owns it. The manifest (format 1) still
 * records every file, so a manifest written before this rule restores under it the same way.
 */
static bool is_loader_conf(const char *p)
{
	return strcasecmp(p, LOADER_CONF) == 0;
}

/* loader/entries/NAME.conf: a Boot Loader Specification type #1 entry. */
static bool is_entry_path(const char *p)
{
	const char *name;
	size_t len;

	if (strncasecmp(p, ENTRIES_DIR "/", strlen(ENTRIES_DIR "/")) != 0)
		return false;
	name = p + strlen(ENTRIES_DIR "/");
	len = strlen(name);
	return name[0] != '.' && !strchr(name, '/') && len > 5 &&
	       strcasecmp(name + len - 5, ".conf") == 0;
}

/* FAT: names compare case-insensitively. */
static bool strv_contains_case(char *const *l, const char *s)
{
	for (; l && *l; l++)
		if (strcasecmp(*l, s) == 0)
			return true;
	return false;
}

static int refs_add_one(const char *p, char ***refs)
{
	_cleanup_free_ char *rel = NULL;
	int r;

	if (!p)
		return 0;
	r = esp_relpath(p, &rel);
	if (r == -EINVAL)
		return 0; /* it could leave the ESP: it references nothing on it */
	if (r < 0)
		return r;
	if (strv_contains_case(*refs, rel))
		return 0;
	return strv_push(refs, TAKE_PTR(rel));
}

/* The files entry e references, relative to the ESP. all false: only a Linux entry's kernel,
 * initrds and devicetree (what may go); true: whatever any entry names (what must stay). */
static int refs_add(const struct entry *e, bool all, char ***refs)
{
	int r;

	if (!all && !e->linux_path)
		return 0;
	r = refs_add_one(e->linux_path, refs);
	for (size_t i = 0; r >= 0 && e->initrd && e->initrd[i]; i++)
		r = refs_add_one(e->initrd[i], refs);
	if (r >= 0)
		r = refs_add_one(e->devicetree, refs);
	if (r >= 0 && all)
		r = refs_add_one(e->efi, refs);
	return r;
}

static int refs_of_file(const char *abs, bool all, char ***refs)
{
	_cleanup_(entry_freep) struct entry *e = calloc(1, sizeof(*e));
	int r;

	if (!e)
		return -ENOMEM;
	r = entry_parse_file(abs, e);
	if (r < 0)
		return r;
	return refs_add(e, all, refs);
}

/* What the entries in loader/entries reference now (refs_add()). An entry that cannot be read
 * fails with all (then nothing may go), and is skipped without (then its files do not go). */
static int refs_now(const struct boot *b, bool all, char ***ret)
{
	_cleanup_(esp_list_done) struct esp_list l = {};
	_cleanup_strv_ char **refs = NULL;
	int r;

	r = esp_walk(b, ENTRIES_DIR, &l);
	if (r < 0 && r != -ENOENT)
		return log_err_errno(r, "Failed to list %s/" ENTRIES_DIR ": %s", b->esp,
				     strerror(-r));
	for (size_t i = 0; i < l.n; i++) {
		_cleanup_free_ char *abs = NULL;

		if (l.files[i].dir || !is_entry_path(l.files[i].path))
			continue;
		abs = esp_path(b, l.files[i].path);
		if (!abs)
			return -ENOMEM;
		r = refs_of_file(abs, all, &refs);
		if (r == -ENOMEM || (r < 0 && all))
			return log_err_errno(r, "Failed to read the boot entry %s: %s", abs,
					     strerror(-r));
		if (r < 0)
			log_warning(
			    "Failed to read the boot entry %s, keeping the files it names: %s", abs,
			    strerror(-r));
	}
	*ret = TAKE_PTR(refs);
	return 0;
}

/* What the Linux entries referenced at begin, read from the copies the manifest kept. */
static int refs_begin(const struct boot *b, const char *txid, json_object *m, char ***ret)
{
	json_object *files = jget(m, "files", json_type_array);
	_cleanup_strv_ char **refs = NULL;

	for (size_t i = 0; i < json_object_array_length(files); i++) {
		json_object *f = json_object_array_get_idx(files, i);
		const char *path = jget_str(f, "path"), *bak = jget_str(f, "backup");
		_cleanup_free_ char *rel = NULL, *abs = NULL;

		if (!path || !bak || !is_entry_path(path))
			continue;
		rel = pin_rel(txid, bak);
		abs = rel ? esp_path(b, rel) : NULL;
		if (!abs)
			return -ENOMEM;
		if (path_in_pin(rel, txid) && refs_of_file(abs, false, &refs) == -ENOMEM)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(refs);
	return 0;
}

/* A file recorded at begin that is rewind's to put back (the rule above). */
static bool restorable(json_object *m, char *const *at_begin, const char *path)
{
	return is_loader_conf(path) || is_entry_path(path) || strv_contains_case(at_begin, path) ||
	       manifest_find(jget(m, "pinned", json_type_array), "from", path);
}

static int restore_recorded(const struct boot *b, const char *txid, json_object *m,
			    char *const *at_begin)
{
	json_object *files = jget(m, "files", json_type_array);
	int ret = 0;

	for (size_t i = 0; i < json_object_array_length(files); i++) {
		json_object *f = json_object_array_get_idx(files, i);
		const char *path = jget_str(f, "path");
		_cleanup_free_ char *rel = NULL, *abs = NULL;
		int r;

		/* Never trust a path from disk to stay inside the ESP. */
		if (!path || esp_relpath(path, &rel) < 0 || !streq(rel, path)) {
			log_warning("Ignoring a bad path in the manifest of %s", txid);
			continue;
		}
		if (!restorable(m, at_begin, rel))
			continue;
		abs = esp_path(b, rel);
		if (!abs)
			return -ENOMEM;
		if (file_matches(abs, jget_str(f, "sha256")))
			continue;
		r = restore_file(b, txid, m, f);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

static int remove_file(const struct boot *b, const char *txid, const char *rel)
{
	_cleanup_free_ char *abs = esp_path(b, rel);
	int r;

	if (!abs)
		return -ENOMEM;
	if (unlink(abs) < 0) {
		r = -errno;
		if (r == -ENOENT)
			return 0;
		return log_err_errno(r, "Failed to remove %s: %s", abs, strerror(-r));
	}
	(void)fsync_parent(abs);
	log_info("Removed %s: added since transaction %s began", abs, txid);
	return 1;
}

/* dir holds one of the paths in l. */
static bool holds_one_of(char *const *l, const char *dir)
{
	size_t len = strlen(dir);

	for (; l && *l; l++)
		if (strncasecmp(*l, dir, len) == 0 && (*l)[len] == '/')
			return true;
	return false;
}

/* Remove what the rolled-back upgrade added (the rule above). before: what the Linux entries
 * referenced before the restore. */
static int remove_added(const struct boot *b, const char *txid, json_object *m, char *const *before)
{
	_cleanup_(esp_list_done) struct esp_list menu = {}, now = {};
	_cleanup_strv_ char **after = NULL, **removed = NULL;
	json_object *files = jget(m, "files", json_type_array),
		    *dirs = jget(m, "dirs", json_type_array);
	int r, ret = 0;

	/* The boot menu first: entries and loader.conf that were not there at begin. */
	r = esp_walk(b, "loader", &menu);
	if (r < 0)
		return log_err_errno(r, "Failed to list %s/loader: %s", b->esp, strerror(-r));
	for (size_t i = 0; i < menu.n; i++) {
		const char *p = menu.files[i].path;

		if (menu.files[i].dir || !(is_entry_path(p) || is_loader_conf(p)) ||
		    (strncasecmp(p, ENTRIES_DIR "/", strlen(ENTRIES_DIR "/")) == 0 &&
		     entry_is_ours(p + strlen(ENTRIES_DIR "/"), txid)) ||
		    manifest_find(files, "path", p))
			continue;
		r = remove_file(b, txid, p);
		if (r == -ENOMEM)
			return r;
		if (r < 0 && ret == 0)
			ret = r;
	}

	/* Then what only the entries of before referenced, now that the menu is as it was. */
	r = refs_now(b, true, &after);
	if (r >= 0)
		r = esp_walk(b, NULL, &now);
	if (r < 0)
		return ret ?: r;
	for (size_t i = 0; i < now.n; i++) {
		const char *p = now.files[i].path;

		if (now.files[i].dir || !strv_contains_case(before, p) ||
		    manifest_find(files, "path", p) || strv_contains_case(after, p))
			continue;
		r = remove_file(b, txid, p);
		if (r > 0)
			r = strv_extend(&removed, p);
		if (r == -ENOMEM)
			return r;
		if (r < 0 && ret == 0)
			ret = r;
	}
	/* Deepest first: the walk lists a directory before its children. */
	for (size_t i = now.n; i > 0; i--) {
		const struct esp_file *f = &now.files[i - 1];
		_cleanup_free_ char *abs = NULL;

		if (!f->dir || manifest_find(dirs, NULL, f->path) ||
		    !holds_one_of(removed, f->path))
			continue;
		abs = esp_path(b, f->path);
		if (!abs)
			return -ENOMEM;
		if (rmdir(abs) >= 0) {
			(void)fsync_parent(abs);
			log_info("Removed %s: added since transaction %s began", abs, txid);
		}
	}
	return ret;
}

static void restore_efivars(const struct boot *b, json_object *m)
{
	const char *was = jget_str(m, "LoaderEntryDefault");
	_cleanup_free_ char *now = NULL;
	int r;

	(void)efivar_get_string(b->efivars, "LoaderEntryDefault", EFI_LOADER_GUID, &now);
	if ((!was && !now) || (was && now && streq(was, now)))
		return;
	if (was)
		r = efivar_set_string(b->efivars, "LoaderEntryDefault", EFI_LOADER_GUID, was);
	else
		r = efivar_delete(b->efivars, "LoaderEntryDefault", EFI_LOADER_GUID);
	if (r < 0 && r != -ENOENT)
		log_warning("Failed to restore the EFI variable LoaderEntryDefault: %s",
			    strerror(-r));
	else
		log_info("Restored the EFI variable LoaderEntryDefault to %s", was ?: "unset");
}

int manifest_restore(const struct boot *b, const char *txid, json_object *m)
{
	_cleanup_strv_ char **at_begin = NULL, **before = NULL;
	int r, k;

	/* What the entries referenced, before anything changes: the upgrade's entries go below. */
	r = refs_begin(b, txid, m, &at_begin);
	if (r >= 0)
		r = refs_now(b, false, &before);
	if (r < 0)
		return r;
	/* Restore first, so the boot configuration is whole again as early as possible. */
	r = restore_recorded(b, txid, m, at_begin);
	k = remove_added(b, txid, m, before);
	if (r == 0)
		r = k;
	restore_efivars(b, m);
	return r;
}
