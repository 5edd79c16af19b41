/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rewind/TXID/manifest.json: at pin time, every file and directory on the ESP outside rewind/
 * with its size and sha256, copies of loader.conf and the entries, the pinned files and
 * LoaderEntryDefault. After a rollback, the ESP is made to match it again.
 */
#include <fcntl.h>
#include <openssl/evp.h>

#include "boot-internal.h"
#include "efivar.h"
#include "log.h"
#include "util.h"

static int digest_chunk(const void *buf, size_t len, void *userdata)
{
	return EVP_DigestUpdate(userdata, buf, len) != 1 ? -EIO : 0;
}

static int sha256_file(const char *path, char hex[static 65])
{
	EVP_MD_CTX *ctx = NULL;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int r = 0;

	if (fd < 0)
		return -errno;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		r = -EIO;
		goto finish;
	}
	r = esp_read_chunks(fd, digest_chunk, ctx);
	if (r < 0)
		goto finish;
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32) {
		r = -EIO;
		goto finish;
	}
	for (unsigned int i = 0; i < mdlen; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
finish:
	EVP_MD_CTX_free(ctx);
	return r;
}

/* o's member key if it is of that type, else NULL. */
static json_object *json_get(json_object *o, const char *key, json_type type)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

const char *boot_json_str(json_object *o, const char *key)
{
	json_object *v = json_get(o, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

json_object *boot_json_array(json_object *o, const char *key)
{
	return json_get(o, key, json_type_array);
}

int boot_json_add_str(json_object *o, const char *key, const char *value)
{
	json_object *v = value ? json_object_new_string(value) : NULL;

	if (value && !v)
		return -ENOMEM;
	return json_object_object_add(o, key, v) < 0 ? -ENOMEM : 0;
}

int boot_json_add_u64(json_object *o, const char *key, uint64_t value)
{
	return json_object_object_add(o, key, json_object_new_int64((int64_t)value)) < 0 ? -ENOMEM
											 : 0;
}

/* Back up the small files, hash everything: the "files" and "dirs" of the manifest. */
/* A new empty array as o's member key; NULL on OOM. */
static json_object *add_array(json_object *o, const char *key)
{
	json_object *a = json_object_new_array();

	if (!a || json_object_object_add(o, key, a) < 0) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

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
	json_object *bo = json_object_object_get(m, "booted");
	int r;

	r = boot_json_add_u64(m, "format", 1);
	if (r >= 0)
		r = boot_json_add_str(m, "txid", txid);
	if (r >= 0)
		r = boot_json_add_u64(m, "created", (uint64_t)when);
	if (r >= 0)
		r = boot_json_add_str(m, "entry", ours->file);
	if (r >= 0)
		r = boot_json_add_str(m, "title", ours->title);
	if (r >= 0)
		r = boot_json_add_str(bo, "id", booted->id);
	if (r >= 0)
		r = boot_json_add_str(bo, "file", booted->file);
	if (r >= 0)
		r = boot_json_add_str(bo, "chosen_by", how);
	if (r >= 0)
		r = boot_json_add_str(bo, "title", booted->title);
	if (r >= 0)
		r = boot_json_add_str(bo, "version", booted->version);
	if (r >= 0 &&
	    efivar_get_string(b->efivars, "LoaderEntryDefault", EFI_LOADER_GUID, &efidef) >= 0)
		r = boot_json_add_str(m, "LoaderEntryDefault", efidef);
	return r;
}

int manifest_files(const struct boot *b, const char *txid, const struct esp_list *files,
		   json_object *m)
{
	json_object *fl = add_array(m, "files"), *dl = fl ? add_array(m, "dirs") : NULL;
	int r = 0;

	if (!dl)
		return -ENOMEM;
	for (size_t i = 0; r >= 0 && i < files->n; i++) {
		const struct esp_file *f = &files->files[i];
		_cleanup_free_ char *abs = esp_path(b, f->path), *bak = NULL, *bak_abs = NULL;
		json_object *o;
		char hex[65];

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
		r = boot_json_add_str(o, "path", f->path);
		if (r >= 0)
			r = boot_json_add_u64(o, "size", f->size);
		if (r >= 0)
			r = boot_json_add_str(o, "sha256", hex);
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
		r = boot_json_add_str(o, "backup", bak);
	}
	return r;
}

int manifest_pinned(const struct boot *b, const char *txid, const struct pin_plan *p,
		    json_object *m)
{
	json_object *pl = add_array(m, "pinned");

	if (!pl)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++) {
		_cleanup_free_ char *from = esp_path(b, p->files[i].from);
		_cleanup_free_ char *to = pin_rel(txid, p->files[i].name);
		_cleanup_free_ char *to_abs = to ? esp_path(b, to) : NULL;
		json_object *o = json_object_new_object();
		char hex[65];
		int r;

		if (!from || !to_abs || !o || json_object_array_add(pl, o) < 0)
			return -ENOMEM;
		r = esp_copy_file(from, to_abs);
		if (r < 0)
			return log_err_errno(r, "Failed to copy %s to %s: %s", from, to_abs,
					     strerror(-r));
		r = sha256_file(to_abs, hex);
		if (r >= 0)
			r = boot_json_add_str(o, "from", p->files[i].from);
		if (r >= 0)
			r = boot_json_add_str(o, "to", to);
		if (r >= 0)
			r = boot_json_add_u64(o, "size", p->files[i].size);
		if (r >= 0)
			r = boot_json_add_str(o, "sha256", hex);
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
	if (!m || !boot_json_array(m, "files")) {
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
		const char *p = key ? boot_json_str(o, key) : json_object_get_string(o);

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
	char hex[65];

	return sha256 && sha256_file(abs, hex) >= 0 && streq(hex, sha256);
}

/*
 * Put one recorded file back: from its backup (loader.conf, entries) or from the pinned copy
 * (the booted entry's kernel, initrd, devicetree). Returns 1 when restored, 0 when there is no
 * good copy (logged), negative errno on I/O errors.
 */
static int restore_file(const struct boot *b, const char *txid, json_object *m, json_object *f)
{
	const char *path = boot_json_str(f, "path"), *sha = boot_json_str(f, "sha256");
	const char *bak = boot_json_str(f, "backup");
	json_object *pin = manifest_find(boot_json_array(m, "pinned"), "from", path);
	_cleanup_free_ char *src = NULL, *dst = NULL, *rel = NULL;
	int r;

	if (bak)
		rel = pin_rel(txid, bak);
	else if (pin && boot_json_str(pin, "to"))
		rel = strdup(boot_json_str(pin, "to"));
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

static int restore_recorded(const struct boot *b, const char *txid, json_object *m)
{
	json_object *files = boot_json_array(m, "files");
	int ret = 0;

	for (size_t i = 0; i < json_object_array_length(files); i++) {
		json_object *f = json_object_array_get_idx(files, i);
		const char *path = boot_json_str(f, "path");
		_cleanup_free_ char *rel = NULL, *abs = NULL;
		int r;

		/* Never trust a path from disk to stay inside the ESP. */
		if (!path || esp_relpath(path, &rel) < 0 || !streq(rel, path)) {
			log_warning("Ignoring a bad path in the manifest of %s", txid);
			continue;
		}
		abs = esp_path(b, rel);
		if (!abs)
			return -ENOMEM;
		if (file_matches(abs, boot_json_str(f, "sha256")))
			continue;
		r = restore_file(b, txid, m, f);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/* Remove what the rolled-back upgrade added: files, then the directories it created. */
static int remove_added(const struct boot *b, const char *txid, json_object *m)
{
	_cleanup_(esp_list_done) struct esp_list now = {};
	_cleanup_free_ char *name = entry_file_name(txid);
	_cleanup_free_ char *ours = name ? strdup_printf(ENTRIES_DIR "/%s", name) : NULL;
	json_object *files = boot_json_array(m, "files"), *dirs = boot_json_array(m, "dirs");
	int r, ret = 0;

	if (!ours)
		return -ENOMEM;
	r = esp_walk(b, NULL, &now);
	if (r < 0)
		return log_err_errno(r, "Failed to list the files on %s: %s", b->esp, strerror(-r));
	for (size_t i = 0; i < now.n; i++) {
		const struct esp_file *f = &now.files[i];
		_cleanup_free_ char *abs = NULL;

		if (f->dir || strcasecmp(f->path, ours) == 0 ||
		    manifest_find(files, "path", f->path))
			continue;
		abs = esp_path(b, f->path);
		if (!abs)
			return -ENOMEM;
		if (unlink(abs) < 0 && errno != ENOENT) {
			r = log_err_errno(-errno, "Failed to remove %s: %m", abs);
			if (ret == 0)
				ret = r;
			continue;
		}
		log_info("Removed %s: added since transaction %s began", abs, txid);
	}
	/* Deepest first: the walk lists a directory before its children. */
	for (size_t i = now.n; i > 0; i--) {
		const struct esp_file *f = &now.files[i - 1];
		_cleanup_free_ char *abs = NULL;

		if (!f->dir || manifest_find(dirs, NULL, f->path))
			continue;
		abs = esp_path(b, f->path);
		if (!abs)
			return -ENOMEM;
		if (rmdir(abs) >= 0)
			log_info("Removed %s: added since transaction %s began", abs, txid);
	}
	(void)esp_fsync_dir(b->esp);
	return ret;
}

static void restore_efivars(const struct boot *b, json_object *m)
{
	const char *was = boot_json_str(m, "LoaderEntryDefault");
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
	int r, k;

	/* Restore first, so the boot configuration is whole again as early as possible. */
	r = restore_recorded(b, txid, m);
	k = remove_added(b, txid, m);
	if (r == 0)
		r = k;
	restore_efivars(b, m);
	return r;
}
