/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * systemd-boot's boot counting ("Automatic Boot Assessment") for the automatic rollback.
 *
 * The initramfs counts the boots that never reach boot-complete.target, but only the boots that
 * get as far as the initramfs. A kernel that dies before it is caught by systemd-boot alone: an
 * entry named NAME+LEFT[-DONE].conf is renamed by systemd-boot at each try (+2 -> +1-1 -> +0-2)
 * and once no tries are left it is sorted last, so systemd-boot boots the next entry, and in
 * the end our rollback entry, which has no counter. systemd-bless-boot.service drops the counter
 * of an entry whose boot reached boot-complete.target.
 *
 *   rewind/TXID/counted   the entries we gave a counter, one NAME (file name without the
 *                         counter and ".conf") per line; 91-rewind.install appends new kernels
 *   rewind/TXID/tries     N, for 91-rewind.install
 */
#include <ctype.h>
#include <stdio.h>

#include "boot-internal.h"
#include "efivar.h"
#include "log.h"
#include "names.h"
#include "util.h"

#define COUNTED_MAX (64u * 1024u)
/* LoaderFeatures: the boot loader counts tries (systemd's EFI_LOADER_FEATURE_BOOT_COUNTING). */
#define LOADER_FEATURE_BOOT_COUNTING (UINT64_C(1) << 4)

/* A NAME from the counted list, which is read back from the ESP: one harmless file name. */
static bool counted_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 200 || s[0] == '.' || name_boot_counter(s))
		return false;
	for (const char *c = s; *c; c++)
		if (*c == '/' || *c == '\\' || !isprint((unsigned char)*c))
			return false;
	return true;
}

/* NAME of an entry we count: a Linux entry (not another OS's or a tool's "efi" entry) without a
 * counter, and not ours. */
static char *countable_name(const struct entry *e)
{
	size_t len = strlen(e->file);
	char *name;

	if (e->tries_left >= 0 || startswith(e->id, "rewind-") || !e->linux_path || len <= 5)
		return NULL;
	name = strndup(e->file, len - 5);
	if (name && !counted_name_ok(name)) {
		free(name);
		name = NULL;
	}
	return name;
}

static int rename_entry(const struct boot *b, const char *from, const char *to)
{
	_cleanup_free_ char *f = entry_path(b, from), *t = entry_path(b, to);

	if (!f || !t)
		return -ENOMEM;
	if (access(t, F_OK) == 0)
		return -EEXIST;
	if (rename(f, t) < 0)
		return -errno;
	log_debug("Renamed boot entry %s to %s", from, to);
	return 0;
}

int count_arm(const struct boot *b, const char *txid, unsigned tries)
{
	_cleanup_free_ char *ours_file = entry_file_name(txid);
	_cleanup_free_ char *ours_id = ours_file ? entry_lowercase(ours_file) : NULL;
	struct entry *ours = NULL;
	_cleanup_free_ char *counted = pin_path(b, txid, "counted");
	_cleanup_free_ char *triesf = pin_path(b, txid, "tries");
	_cleanup_free_ char *list = strdup(""), *num = strdup_printf("%u\n", tries);
	_cleanup_free_ char *dir = esp_path(b, ENTRIES_DIR);
	struct entry **l = NULL;
	size_t n = 0, done = 0;
	uint64_t features = 0;
	_cleanup_free_ char *configured_file = NULL;
	int configured;
	int r;

	if (!counted || !triesf || !list || !num || !dir || !ours_id)
		return -ENOMEM;
	r = efivar_get_u64(b->efivars, "LoaderFeatures", EFI_LOADER_GUID, &features);
	if (r < 0 || !(features & LOADER_FEATURE_BOOT_COUNTING))
		return log_err_errno(-EOPNOTSUPP,
				     "The boot loader does not count boots (LoaderFeatures: %s)",
				     r < 0 ? strerror(-r) : "no boot counting");
	r = entries_load_sorted(b, &l, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (streq(l[i]->id, ours_id))
			ours = l[i];
	if (!ours) {
		entries_free(l, n);
		return log_err_errno(-ENOENT, "No rollback entry %s: nothing to fall back to",
				     ours_file);
	}
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *name = countable_name(l[i]);
		char *nl;

		if (!name)
			continue;
		nl = strdup_printf("%s%s\n", list, name);
		if (!nl)
			r = -ENOMEM;
		free(list);
		list = nl;
	}
	configured = entry_configured_default(b, l, n);
	if (configured >= 0 && !(configured_file = strdup(l[configured]->file)))
		r = -ENOMEM;
	/* The list first: commit takes back whatever it names, renamed or not. */
	if (r >= 0)
		r = esp_write_file(counted, list);
	if (r >= 0)
		r = esp_write_file(triesf, num);
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *name = countable_name(l[i]);
		_cleanup_free_ char *to = name ? strdup_printf("%s+%u.conf", name, tries) : NULL;
		int k;

		if (!name)
			continue;
		k = to ? rename_entry(b, l[i]->file, to) : -ENOMEM;
		if (k < 0)
			log_warning("Failed to add a boot counter to %s, systemd-boot does not "
				    "count its boots: %s",
				    l[i]->file, strerror(-k));
		else {
			free(l[i]->file);
			l[i]->file = TAKE_PTR(to);
			l[i]->tries_left = (int)tries;
			done++;
		}
	}
	if (r >= 0) {
		(void)fsync_parent(counted);
		(void)fsync_dir(dir);
		log_info("systemd-boot counts the boots of %zu entr%s: each gets %u tr%s before it "
			 "falls back to the next, and in the end to %s.",
			 done, done == 1 ? "y" : "ies", tries, tries == 1 ? "y" : "ies",
			 ours->file);
		entry_check_fallback(b, l, n, ours);
		if (configured_file && entry_configured_default(b, l, n) < 0)
			log_warning(
			    "The default boot entry set in %s/" LOADER_CONF
			    " or by bootctl set-default named %s by its file name, which now "
			    "has a boot counter: until commit, systemd-boot boots the first "
			    "entry in its order instead. Use a pattern (NAME*) as the default.",
			    b->esp, configured_file);
	}
	entries_free(l, n);
	return r;
}

static int counted_read(const struct boot *b, const char *txid, char **ret)
{
	_cleanup_free_ char *path = pin_path(b, txid, "counted");
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *s = NULL;
	size_t len;

	if (!path)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	s = calloc(1, COUNTED_MAX + 1);
	if (!s)
		return -ENOMEM;
	len = fread(s, 1, COUNTED_MAX, f);
	if (ferror(f))
		return -EIO;
	s[len] = '\0';
	*ret = TAKE_PTR(s);
	return 0;
}

/* Take back the counter of NAME, whatever systemd-boot made of it. */
static void disarm_one(const struct boot *b, struct entry **l, size_t n, const char *name)
{
	_cleanup_free_ char *conf = strdup_printf("%s.conf", name);
	_cleanup_free_ char *id = conf ? entry_lowercase(conf) : NULL;

	if (!id)
		return;
	for (size_t i = 0; i < n; i++) {
		int r;

		if (!streq(l[i]->id, id) || l[i]->tries_left < 0)
			continue;
		if (l[i]->tries_left == 0) {
			log_warning(
			    "systemd-boot marked boot entry %s bad: it used up its tries "
			    "without reaching boot-complete.target. It stays marked; rename "
			    "it to %s once it is fixed, or remove it.",
			    l[i]->file, conf);
			continue;
		}
		r = rename_entry(b, l[i]->file, conf);
		if (r < 0)
			log_warning("Failed to remove the boot counter of %s: %s", l[i]->file,
				    strerror(-r));
	}
}

int count_disarm(const struct boot *b, const char *txid)
{
	_cleanup_free_ char *list = NULL, *dir = esp_path(b, ENTRIES_DIR);
	struct entry **l = NULL;
	size_t n = 0;
	int r;

	if (!dir)
		return -ENOMEM;
	r = counted_read(b, txid, &list);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return log_err_errno(r, "Failed to read the boot entries counted for %s: %s", txid,
				     strerror(-r));
	r = entries_load_sorted(b, &l, &n);
	if (r < 0)
		return r;
	for (char *save = NULL, *name = strtok_r(list, "\n", &save); name;
	     name = strtok_r(NULL, "\n", &save)) {
		if (!counted_name_ok(name)) {
			log_warning("Ignoring a bad name in the list of counted boot entries of %s",
				    txid);
			continue;
		}
		disarm_one(b, l, n, name);
	}
	(void)fsync_dir(dir);
	entries_free(l, n);
	return 0;
}

/* Add the entry to e->counted. */
static int counted_add(struct boot_rollback_entry *e, const struct entry *x)
{
	struct boot_counted *n = reallocarray(e->counted, e->n_counted + 1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	e->counted = n;
	n[e->n_counted] = (struct boot_counted){
	    .entry = strdup(x->file),
	    .tries_left = x->tries_left < 0 ? -1 : x->tries_left,
	};
	if (!n[e->n_counted].entry)
		return -ENOMEM;
	e->n_counted++;
	return 0;
}

int count_describe(const struct boot *b, const char *txid, struct boot_rollback_entry *e)
{
	_cleanup_free_ char *list = NULL, *tries = NULL, *triesf = pin_path(b, txid, "tries");
	struct entry **l = NULL;
	size_t n = 0;
	uint64_t t;
	int r;

	if (!triesf)
		return -ENOMEM;
	if (counted_read(b, txid, &list) < 0 || read_one_line_file(triesf, &tries) < 0 ||
	    safe_atou64(tries, &t) < 0 || t > 1000)
		return 0;
	r = entries_load_sorted(b, &l, &n);
	if (r < 0)
		return 0;
	for (char *save = NULL, *name = strtok_r(list, "\n", &save); name && r >= 0;
	     name = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *conf = NULL, *id = NULL;

		if (!counted_name_ok(name))
			continue;
		conf = strdup_printf("%s.conf", name);
		id = conf ? entry_lowercase(conf) : NULL;
		if (!id) {
			r = -ENOMEM;
			break;
		}
		for (size_t i = 0; i < n && r >= 0; i++)
			if (streq(l[i]->id, id))
				r = counted_add(e, l[i]);
	}
	entries_free(l, n);
	if (r < 0)
		return r;
	e->counting = true;
	e->tries = t;
	return 0;
}

int boot_selected_exhausted(const char *efivars_dir, char **ret_selected)
{
	_cleanup_free_ char *selected = NULL;
	const char *plus;
	int r;

	r = efivar_get_string(efivars_dir, "LoaderEntrySelected", EFI_LOADER_GUID, &selected);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	/* The id as it was when systemd-boot chose it, before it counted this boot. */
	plus = entry_boot_counter_conf(selected);
	if (!plus || strtoul(plus + 1, NULL, 10) != 0)
		return 0;
	if (ret_selected)
		*ret_selected = TAKE_PTR(selected);
	return 1;
}

char *boot_counted_entry(const char *efivars_dir, const char *txid)
{
	_cleanup_free_ char *v = NULL;
	const char *base;

	if (efivar_get_string(efivars_dir, "LoaderBootCountPath", EFI_LOADER_GUID, &v) < 0)
		return NULL;
	base = strrchr(v, '\\') ?: strrchr(v, '/');
	base = base ? base + 1 : v;
	return entry_is_ours(base, txid) ? strdup(base) : NULL;
}
