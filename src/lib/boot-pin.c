/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pinning the booted entry: which files to copy, whether the ESP has room for them, the rollback
 * entry that boots them, writing all of it and removing it again.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "boot-internal.h"
#include "cmdline.h"
#include "log.h"
#include "names.h"
#include "util.h"

/* Append to a malloc()ed string (NULL: empty). */
_printf_(2, 3) static int strappendf(char **s, const char *fmt, ...)
{
	_cleanup_free_ char *add = NULL;
	va_list ap;
	size_t old = *s ? strlen(*s) : 0;
	char *n;
	int k;

	va_start(ap, fmt);
	k = vasprintf(&add, fmt, ap);
	va_end(ap);
	if (k < 0)
		return -ENOMEM;
	n = realloc(*s, old + k + 1);
	if (!n)
		return -ENOMEM;
	memcpy(n + old, add, k + 1);
	*s = n;
	return 0;
}

void pin_plan_done(struct pin_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->files[i].from);
		free(p->files[i].name);
	}
	p->n = 0;
}

static int pin_plan_add(const struct boot *b, struct pin_plan *p, const char *bls_path,
			const char *name)
{
	_cleanup_free_ char *rel = NULL, *abs = NULL;
	struct stat st;
	int r;

	if (p->n >= ELEMENTSOF(p->files))
		return log_err_errno(-E2BIG, "Too many files in the booted entry");
	r = esp_relpath(bls_path, &rel);
	if (r < 0)
		return log_err_errno(
		    r, "Refusing path '%s' from the booted entry: not inside the ESP", bls_path);
	abs = esp_path(b, rel);
	if (!abs)
		return -ENOMEM;
	if (lstat(abs, &st) < 0)
		return log_err_errno(-errno, "Failed to find %s of the booted entry: %m", abs);
	if (!S_ISREG(st.st_mode))
		return log_err_errno(-EINVAL, "%s of the booted entry is not a regular file", abs);
	p->files[p->n] =
	    (struct pinned){.from = TAKE_PTR(rel), .name = strdup(name), .size = st.st_size};
	if (!p->files[p->n].name) {
		free(p->files[p->n].from);
		return -ENOMEM;
	}
	p->n++;
	return 0;
}

int pin_plan_build(const struct boot *b, const struct entry *e, struct pin_plan *p)
{
	int r;

	if (!e->linux_path)
		return log_err_errno(
		    -EOPNOTSUPP, "The booted entry %s has no 'linux' line: cannot pin it", e->file);
	r = pin_plan_add(b, p, e->linux_path, "linux");
	for (size_t i = 0; r >= 0 && e->initrd && e->initrd[i]; i++) {
		char name[32];

		snprintf(name, sizeof(name), "initrd-%zu", i + 1);
		r = pin_plan_add(b, p, e->initrd[i], name);
	}
	if (r >= 0 && e->devicetree)
		r = pin_plan_add(b, p, e->devicetree, "devicetree");
	return r;
}

/* What a file of this size takes on disk. */
static uint64_t clusters(uint64_t size, uint64_t cluster)
{
	return (size + cluster - 1) / cluster * cluster;
}

static void format_size(uint64_t bytes, char buf[static 32])
{
	if (bytes >= 10u * 1024 * 1024)
		snprintf(buf, 32, "%" PRIu64 " MiB", bytes / (1024 * 1024));
	else
		snprintf(buf, 32, "%" PRIu64 " KiB", (bytes + 1023) / 1024);
}

int pin_check_space(const struct boot *b, const struct pin_plan *p, const struct esp_list *files)
{
	uint64_t need = MANIFEST_MARGIN, avail, cluster = 4096;
	char need_s[32], avail_s[32];
	struct statvfs sv;

	if (statvfs(b->esp, &sv) < 0)
		return log_err_errno(-errno, "Failed to check the free space on %s: %m", b->esp);
	if (sv.f_frsize > 0)
		cluster = sv.f_frsize;
	avail =
	    b->free_override != UINT64_MAX ? b->free_override : (uint64_t)sv.f_bavail * sv.f_frsize;
	/* FAT allocates whole clusters per file. */
	for (size_t i = 0; i < p->n; i++)
		need += clusters(p->files[i].size, cluster);
	for (size_t i = 0; i < files->n; i++)
		if (manifest_wants_backup(&files->files[i]))
			need += clusters(files->files[i].size, cluster);
	if (need <= avail)
		return 0;
	format_size(need, need_s);
	format_size(avail, avail_s);
	return log_err_errno(-REFUSE_NO_SPACE,
			     "Not enough space on the ESP %s to pin the booted kernel: %s needed, "
			     "%s free",
			     b->esp, need_s, avail_s);
}

/* Options split as the kernel splits its command line (cmdline_word()), quotes kept. */
static char **options_split(const char *s)
{
	char **l = calloc(1, sizeof(char *));
	size_t pos = 0, len;
	const char *w;

	while (l && cmdline_word(s, strlen(s), &pos, &w, &len))
		if (strv_push(&l, strndup(w, len)) < 0) {
			strv_free(l);
			return NULL;
		}
	return l;
}

static bool is_rewind_option(const char *o)
{
	return streq(o, "rd.rewind") || startswith(o, "rd.rewind.") || startswith(o, "rd.rewind=");
}

static char *rollback_options(const struct entry *e, const char *txid)
{
	_cleanup_free_ char *out = strdup("");
	int r = out ? 0 : -ENOMEM;

	for (size_t i = 0; r >= 0 && e->options && e->options[i]; i++) {
		_cleanup_strv_ char **l = options_split(e->options[i]);

		if (!l)
			return NULL;
		for (size_t k = 0; r >= 0 && l[k]; k++)
			if (!is_rewind_option(l[k]))
				r = strappendf(&out, "%s ", l[k]);
	}
	if (r >= 0)
		r = strappendf(&out, "rd.rewind.rollback=%s", txid);
	return r < 0 ? NULL : TAKE_PTR(out);
}

char *pin_title(const char *txid, time_t when)
{
	struct tm tm;
	char date[32];

	if (!localtime_r(&when, &tm) || !strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm))
		return NULL;
	return strdup_printf("Roll back %s (%s)", txid, date);
}

/*
 * No sort-key, on purpose: systemd-boot (v252) puts entries with a sort-key first and picks the
 * first entry when nothing else says which is the default. Debian's kernel-install writes
 * "sort-key debian", so an entry without one sorts after all of them and never becomes the
 * default; any sort-key we could choose would at best tie with that and at worst win.
 */
static char *rollback_entry_text(const struct entry *e, const struct pin_plan *p, const char *txid,
				 const char *title)
{
	_cleanup_free_ char *opts = rollback_options(e, txid);
	_cleanup_free_ char *text = NULL;
	int r;

	if (!opts)
		return NULL;
	r = strappendf(&text,
		       "# Rollback entry of rewind transaction %s; removed by commit or rollback.\n"
		       "title %s\n",
		       txid, title);
	if (r >= 0 && e->version)
		r = strappendf(&text, "version %s\n", e->version);
	if (r >= 0 && e->machine_id)
		r = strappendf(&text, "machine-id %s\n", e->machine_id);
	if (r >= 0 && e->architecture)
		r = strappendf(&text, "architecture %s\n", e->architecture);
	for (size_t i = 0; r >= 0 && i < p->n; i++) {
		const char *name = p->files[i].name;
		const char *key = streq(name, "linux")	      ? "linux"
				  : streq(name, "devicetree") ? "devicetree"
							      : "initrd";

		r = strappendf(&text, "%s /" PIN_DIR "/%s/%s\n", key, txid, name);
	}
	if (r >= 0)
		r = strappendf(&text, "options %s\n", opts);
	return r < 0 ? NULL : TAKE_PTR(text);
}

int pin_write(struct boot *b, const char *txid, time_t when, struct entry *booted, const char *how,
	      const struct pin_plan *plan, const struct esp_list *files, struct entry *ours)
{
	_cleanup_(json_object_putp) json_object *m = manifest_new();
	_cleanup_free_ char *dir = pin_path(b, txid, NULL), *text = NULL;
	_cleanup_free_ char *entry_abs = NULL;
	int r;

	entry_abs = entry_path(b, ours->file);
	text = rollback_entry_text(booted, plan, txid, ours->title);
	if (!m || !dir || !entry_abs || !text)
		return -ENOMEM;
	r = mkdir_p(dir, 0755);
	if (r < 0)
		return log_err_errno(r, "Failed to create %s: %s", dir, strerror(-r));

	r = manifest_set_header(b, m, txid, when, booted, how, ours);
	if (r >= 0)
		r = manifest_pinned(b, txid, plan, m);
	if (r >= 0)
		r = manifest_files(b, txid, files, m);
	if (r >= 0)
		r = fsync_dir(dir);
	if (r >= 0)
		r = manifest_write(b, txid, m);
	/* The entry last: it must never point at files that are not there yet. */
	if (r >= 0)
		r = esp_write_file(entry_abs, text);
	if (r < 0)
		return log_err_errno(r, "Failed to pin the booted entry on %s: %s", b->esp,
				     strerror(-r));
	return 0;
}

/* Every name the rollback entry may have: rewind-TXID.conf, with a counter (+3, +2-1...), and
 * leftovers of both after a crash between systemd-boot's rename and ours. */
static int unlink_ours(const struct boot *b, const char *txid)
{
	_cleanup_free_ char *dir = esp_path(b, ENTRIES_DIR);
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	bool removed = false;
	int r = 0;

	if (!dir)
		return -ENOMEM;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)))
		if (entry_is_ours(de->d_name, txid)) {
			if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
				r = r ?: -errno;
			else
				removed = true;
		}
	if (removed)
		(void)fsync_dir(dir);
	return r;
}

/*
 * This boot came from txid's rollback entry and systemd-bless-boot has not counted it yet: the
 * file LoaderBootCountPath names (as systemd-boot renamed it, rewind-TXID+2-1.conf) is still
 * there. Removing it now would fail systemd-bless-boot.service after boot-complete.target.
 */
static bool awaiting_bless(const struct boot *b, const char *txid, char **ret_name)
{
	_cleanup_free_ char *name = boot_counted_entry(b->efivars, txid), *path = NULL;
	struct stat st;

	if (!name)
		return false;
	path = entry_path(b, name);
	if (!path || stat(path, &st) < 0)
		return false;
	if (ret_name)
		*ret_name = TAKE_PTR(name);
	return true;
}

int pin_remove(const struct boot *b, const char *txid)
{
	_cleanup_free_ char *dir = pin_path(b, txid, NULL);
	_cleanup_free_ char *top = esp_path(b, PIN_DIR);
	_cleanup_free_ char *booted = NULL;
	int r;

	if (!dir || !top)
		return -ENOMEM;
	if (awaiting_bless(b, txid, &booted)) {
		/* Only the record goes now (so nothing restores from it again); the entry and its
		 * kernel stay until 'rewind boot-good', after systemd-bless-boot (boot_sweep()). */
		_cleanup_free_ char *m = pin_path(b, txid, MANIFEST);

		if (!m)
			return -ENOMEM;
		if (unlink(m) < 0 && errno != ENOENT)
			return log_err_errno(-errno, "Failed to remove %s: %m", m);
		(void)fsync_dir(dir);
		log_info("This boot came from the rollback entry %s: it stays until "
			 "systemd-bless-boot has counted the boot ('rewind boot-good' removes it).",
			 booted ?: txid);
		return 0;
	}
	/* The entry first, so no menu entry ever points at removed files. */
	r = unlink_ours(b, txid);
	if (r >= 0)
		r = esp_rm_rf(dir);
	if (r >= 0) {
		(void)rmdir(top); /* only when empty: other transactions' pins stay */
		(void)fsync_dir(b->esp);
	}
	if (r < 0)
		return log_err_errno(r, "Failed to remove the pinned kernel of %s from %s: %s",
				     txid, b->esp, strerror(-r));
	return 0;
}

int boot_pins(struct boot *b, char ***ret)
{
	_cleanup_free_ char *top = esp_path(b, PIN_DIR);
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_strv_ char **l = NULL;
	struct dirent *de;
	int r;

	if (!top)
		return -ENOMEM;
	*ret = NULL;
	d = opendir(top);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.' || name_valid_txid(de->d_name) < 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		r = strv_extend(&l, de->d_name);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

int boot_sweep(struct boot *b, const char *txid)
{
	_cleanup_free_ char *m = pin_path(b, txid, MANIFEST);
	struct stat st;

	if (!m)
		return -ENOMEM;
	/* With its record it is not a restore's remainder: 'rewind check' reports it. */
	if (stat(m, &st) == 0 || awaiting_bless(b, txid, NULL))
		return 0;
	return pin_remove(b, txid);
}
