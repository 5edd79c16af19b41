/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Boot Loader Specification type #1 entries in loader/entries, and which of them systemd-boot
 * (v252) boots: its id rules, its sort order, its default and the entry it says it booted.
 */
#include <ctype.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stddef.h>
#include <sys/stat.h>

#include "boot-internal.h"
#include "efivar.h"
#include "log.h"
#include "names.h"
#include "util.h"

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

void entry_free(struct entry *e)
{
	if (!e)
		return;
	free(e->file);
	free(e->id);
	free(e->title);
	free(e->version);
	free(e->machine_id);
	free(e->sort_key);
	free(e->linux_path);
	free(e->devicetree);
	free(e->efi);
	free(e->architecture);
	strv_free(e->initrd);
	strv_free(e->options);
	free(e);
}

void entries_free(struct entry **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		entry_free(l[i]);
	free(l);
}

char *entry_lowercase(const char *s)
{
	char *l = strdup(s);

	for (char *c = l; c && *c; c++)
		*c = tolower((unsigned char)*c);
	return l;
}

static char *conf_value(char *line, const char **ret_key)
{
	char *k, *v;

	line[strcspn(line, "\r\n")] = '\0';
	k = line + strspn(line, " \t");
	if (*k == '\0' || *k == '#')
		return NULL;
	v = k + strcspn(k, " \t");
	if (*v) {
		*v++ = '\0';
		v += strspn(v, " \t");
	}
	for (char *e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
		e[-1] = '\0';
	*ret_key = k;
	return v;
}

static int set_str(char **field, const char *value)
{
	char *s = strdup(value);

	if (!s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

/* The keys we read; a list key may appear more than once, for the others the last one wins. */
static const struct {
	const char *key;
	size_t offset;
	bool list;
} entry_keys[] = {
    {"title", offsetof(struct entry, title), false},
    {"version", offsetof(struct entry, version), false},
    {"machine-id", offsetof(struct entry, machine_id), false},
    {"sort-key", offsetof(struct entry, sort_key), false},
    {"linux", offsetof(struct entry, linux_path), false},
    {"efi", offsetof(struct entry, efi), false},
    {"devicetree", offsetof(struct entry, devicetree), false},
    {"architecture", offsetof(struct entry, architecture), false},
    {"initrd", offsetof(struct entry, initrd), true},
    {"options", offsetof(struct entry, options), true},
};

int entry_parse_file(const char *path, struct entry *e)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) >= 0) {
		const char *key;
		char *value = conf_value(line, &key);
		int r = 0;

		if (!value)
			continue;
		for (size_t i = 0; i < ELEMENTSOF(entry_keys); i++) {
			void *field = (uint8_t *)e + entry_keys[i].offset;

			if (!streq(key, entry_keys[i].key))
				continue;
			r = entry_keys[i].list ? strv_extend(field, value) : set_str(field, value);
			break;
		}
		if (r < 0)
			return r;
	}
	return ferror(f) ? -EIO : 0;
}

bool entry_boot_counter_len(const char *s, size_t len)
{
	_cleanup_free_ char *c = strndup(s, len);

	return c && name_boot_counter(c) == c;
}

const char *entry_boot_counter_conf(const char *file)
{
	size_t len = strlen(file);
	const char *plus;

	if (len <= 5 || strcasecmp(file + len - 5, ".conf") != 0)
		return NULL;
	plus = memrchr(file, '+', len - 5);
	return plus && entry_boot_counter_len(plus, file + len - 5 - plus) ? plus : NULL;
}

/* systemd-boot's id: the file name, lowercased, with a "+LEFT[-DONE]" boot counter removed. */
static char *entry_id(const char *file, int *ret_tries_left)
{
	_cleanup_free_ char *id = entry_lowercase(file);
	const char *plus;

	*ret_tries_left = -1;
	if (!id)
		return NULL;
	id[strlen(id) - strlen(".conf")] = '\0';
	plus = name_boot_counter(id);
	if (plus) {
		unsigned long left = strtoul(plus + 1, NULL, 10);

		*ret_tries_left = left > INT32_MAX ? INT32_MAX : (int)left;
		id[plus - id] = '\0';
	}
	return strdup_printf("%s.conf", id);
}

static bool is_entry_file(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcasecmp(name + n - 5, ".conf") == 0 &&
	       !startswith(name, "auto-");
}

static int entries_load(const struct boot *b, struct entry ***ret, size_t *ret_n)
{
	_cleanup_free_ char *dir = esp_path(b, ENTRIES_DIR);
	_cleanup_(closedirp) DIR *d = NULL;
	struct entry **l = NULL;
	size_t n = 0;
	struct dirent *de;
	int r = 0;

	if (!dir)
		return -ENOMEM;
	d = opendir(dir);
	if (!d) {
		if (errno != ENOENT)
			return -errno;
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	while ((de = readdir(d))) {
		_cleanup_(entry_freep) struct entry *e = NULL;
		_cleanup_free_ char *p = NULL;
		struct entry **nl;
		struct stat st;

		if (!is_entry_file(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		e = calloc(1, sizeof(*e));
		p = strdup_printf("%s/%s", dir, de->d_name);
		if (!e || !p || !(e->file = strdup(de->d_name)) ||
		    !(e->id = entry_id(de->d_name, &e->tries_left))) {
			r = -ENOMEM;
			break;
		}
		r = entry_parse_file(p, e);
		if (r < 0) {
			log_warning("Failed to parse %s, ignoring: %s", p, strerror(-r));
			r = 0;
			continue;
		}
		nl = realloc(l, sizeof(*l) * (n + 1));
		if (!nl) {
			r = -ENOMEM;
			break;
		}
		l = nl;
		l[n++] = TAKE_PTR(e);
	}
	if (r < 0) {
		entries_free(l, n);
		return r;
	}
	*ret = l;
	*ret_n = n;
	return 0;
}

/* systemd's strverscmp_improved(): "~" sorts before anything, "-" before ".", "^" after. */
static bool is_version_char(char c)
{
	return isalnum((unsigned char)c) || strchr("~-^.", c);
}

static int special_cmp(const char **a, const char **b, char c, int a_without)
{
	if (**a != c && **b != c)
		return 2;
	if (**a != c)
		return a_without;
	if (**b != c)
		return -a_without;
	(*a)++;
	(*b)++;
	return 0;
}

static int verscmp(const char *a, const char *b)
{
	if (!a || !b || !*a || !*b)
		return CMP(a && *a, b && *b) ?: (a && b ? strcmp(a, b) : 0);
	for (;;) {
		const char *aa, *bb;
		int r;

		while (*a && !is_version_char(*a))
			a++;
		while (*b && !is_version_char(*b))
			b++;
		r = special_cmp(&a, &b, '~', 1);
		if (r != 2) {
			if (r)
				return r;
			continue;
		}
		if (!*a || !*b)
			return CMP(*a, *b);
		if ((r = special_cmp(&a, &b, '-', 1)) != 2 ||
		    (r = special_cmp(&a, &b, '^', -1)) != 2 ||
		    (r = special_cmp(&a, &b, '.', -1)) != 2) {
			if (r)
				return r;
			continue;
		}
		if (isdigit((unsigned char)*a) || isdigit((unsigned char)*b)) {
			if (!isdigit((unsigned char)*a))
				return -1;
			if (!isdigit((unsigned char)*b))
				return 1;
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			for (aa = a; isdigit((unsigned char)*aa); aa++)
				;
			for (bb = b; isdigit((unsigned char)*bb); bb++)
				;
			r = CMP(aa - a, bb - b);
			if (r == 0)
				r = memcmp(a, b, aa - a);
		} else {
			for (aa = a; isalpha((unsigned char)*aa); aa++)
				;
			for (bb = b; isalpha((unsigned char)*bb); bb++)
				;
			r = memcmp(a, b, MIN(aa - a, bb - b));
			if (r == 0)
				r = CMP(aa - a, bb - b);
		}
		if (r)
			return r < 0 ? -1 : 1;
		a = aa;
		b = bb;
	}
}

static int strcmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return CMP(a != NULL, b != NULL);
	return strcmp(a, b);
}

/* systemd-boot v252 config_entry_compare(): entries with a sort-key first, ordered by sort-key,
 * machine-id, then newest version; everything else by id, newest first. */
static int entry_compare(const void *pa, const void *pb)
{
	const struct entry *a = *(struct entry *const *)pa, *b = *(struct entry *const *)pb;
	int r;

	r = CMP(a->tries_left == 0, b->tries_left == 0);
	if (r)
		return r;
	r = CMP(!a->sort_key, !b->sort_key);
	if (r)
		return r;
	if (a->sort_key && b->sort_key) {
		r = strcmp(a->sort_key, b->sort_key);
		if (r)
			return r;
		r = strcmp_null(a->machine_id, b->machine_id);
		if (r)
			return r;
		r = -verscmp(a->version, b->version);
		if (r)
			return r;
	}
	return -verscmp(a->id, b->id);
}

static bool entry_bootable(const struct entry *e)
{
	return e->linux_path || e->efi;
}

/* systemd-boot 252 matches a default against the file name as it is, boot counter included. */
static int entry_find_pattern(struct entry **l, size_t n, const char *pattern)
{
	_cleanup_free_ char *p = pattern ? entry_lowercase(pattern) : NULL;

	if (!p || !*p)
		return -1;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *name = entry_lowercase(l[i]->file);

		if (name && entry_bootable(l[i]) && fnmatch(p, name, 0) == 0)
			return (int)i;
	}
	return -1;
}

static int loader_conf_default(const struct boot *b, char **ret)
{
	_cleanup_free_ char *path = esp_path(b, LOADER_CONF);
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	*ret = NULL;
	if (!path)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (getline(&line, &cap, f) >= 0) {
		const char *key;
		char *value = conf_value(line, &key);

		if (value && streq(key, "default") && set_str(ret, value) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Whether a pattern that matches no entry in loader/entries names a unified kernel image
 * (EFI/Linux/NAME.efi, a Boot Loader Specification type #2 entry; its id is the file name). With
 * pattern NULL: whether there is any. systemd-boot boots those too; we cannot look inside. */
static bool uki_matches(const struct boot *b, const char *pattern)
{
	_cleanup_free_ char *dir = esp_path(b, "EFI/Linux");
	_cleanup_free_ char *p = pattern ? entry_lowercase(pattern) : NULL;
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;

	if (!dir || (pattern && (!p || !*p)))
		return false;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *name = entry_lowercase(de->d_name);
		size_t len = name ? strlen(name) : 0;

		if (len > 4 && name[0] != '.' && streq(name + len - 4, ".efi") &&
		    (!p || fnmatch(p, name, 0) == 0))
			return true;
	}
	return false;
}

/*
 * The entry the configured default names (sorted list): LoaderEntryDefault (or @saved:
 * LoaderEntryLastBooted), then loader.conf's default pattern (or @saved). -1 when none matches;
 * then *ret_uki (when not NULL) says whether one of them names a unified kernel image instead.
 */
static int configured_default(const struct boot *b, struct entry **l, size_t n,
			      const char **ret_how, bool *ret_uki)
{
	_cleanup_free_ char *efidef = NULL, *confdef = NULL, *saved = NULL;
	const char *efipat, *confpat;
	int i;

	(void)efivar_get_string(b->efivars, "LoaderEntryDefault", EFI_LOADER_GUID, &efidef);
	(void)loader_conf_default(b, &confdef);
	if ((efidef && streq(efidef, "@saved")) || (confdef && streq(confdef, "@saved")))
		(void)efivar_get_string(b->efivars, "LoaderEntryLastBooted", EFI_LOADER_GUID,
					&saved);
	efipat = efidef && streq(efidef, "@saved") ? saved : efidef;
	confpat = confdef && streq(confdef, "@saved") ? saved : confdef;
	i = entry_find_pattern(l, n, efipat);
	if (i >= 0) {
		if (ret_how)
			*ret_how =
			    efipat == saved ? "LoaderEntryDefault @saved" : "LoaderEntryDefault";
		return i;
	}
	if (ret_uki && efipat && uki_matches(b, efipat)) {
		*ret_uki = true;
		return -1;
	}
	i = entry_find_pattern(l, n, confpat);
	if (i >= 0 && ret_how)
		*ret_how = confpat == saved ? "loader.conf default @saved" : "loader.conf default";
	if (i < 0 && ret_uki && confpat && uki_matches(b, confpat))
		*ret_uki = true;
	return i;
}

int entry_configured_default(const struct boot *b, struct entry **l, size_t n)
{
	return configured_default(b, l, n, NULL, NULL);
}

/* The index of the entry systemd-boot would boot by default, as it chooses without a one-shot:
 * the configured default, else the first entry in its order. -1 when none. */
static int default_index(const struct boot *b, struct entry **l, size_t n, const char **ret_how,
			 bool *ret_uki)
{
	int i = configured_default(b, l, n, ret_how, ret_uki);

	if (i >= 0 || (ret_uki && *ret_uki))
		return i;
	for (size_t k = 0; i < 0 && k < n; k++)
		if (entry_bootable(l[k]))
			i = (int)k;
	if (i >= 0 && ret_how)
		*ret_how = "first entry";
	return i;
}

int entries_load_sorted(const struct boot *b, struct entry ***ret, size_t *ret_n)
{
	int r = entries_load(b, ret, ret_n);

	if (r >= 0 && *ret_n > 1)
		qsort(*ret, *ret_n, sizeof(**ret), entry_compare);
	return r;
}

/*
 * The entry that booted: LoaderEntrySelected, which systemd-boot sets to the entry's id. Without
 * it (another boot loader chained us, or no EFI), the entry systemd-boot would pick by default.
 */
int entry_booted(const struct boot *b, struct entry **l, size_t n, const char **ret_how)
{
	_cleanup_free_ char *selected = NULL, *lower = NULL;
	int r, i;

	r = efivar_get_string(b->efivars, "LoaderEntrySelected", EFI_LOADER_GUID, &selected);
	if (r >= 0 && *selected) {
		size_t len = strlen(selected);
		int tries;

		/* systemd-boot 252 keeps a boot counter in the id: "NAME+3.conf" for a file that
		 * is now NAME+2-1.conf. */
		lower = len > 5 && strcasecmp(selected + len - 5, ".conf") == 0
			    ? entry_id(selected, &tries)
			    : entry_lowercase(selected);
		if (!lower)
			return -ENOMEM;
		for (size_t k = 0; k < n; k++)
			if (streq(l[k]->id, lower)) {
				*ret_how = "LoaderEntrySelected";
				return (int)k;
			}
		return log_err_errno(
		    -EOPNOTSUPP,
		    "The booted entry '%s' is not a Boot Loader Specification entry in "
		    "%s/" ENTRIES_DIR " (a unified kernel image?): cannot pin it",
		    selected, b->esp);
	}
	if (r < 0 && r != -ENOENT)
		log_warning("Failed to read LoaderEntrySelected, using the default entry: %s",
			    strerror(-r));
	i = default_index(b, l, n, NULL, NULL);
	if (i < 0)
		return log_err_errno(-ENOENT, "No boot entry in %s/" ENTRIES_DIR, b->esp);
	*ret_how = "default";
	return i;
}

/*
 * The entry the next boot uses, as systemd-boot 252 picks it (config_default_entry_select()):
 * LoaderEntryOneShot, else the default as default_index() finds it. The one-shot is a pattern
 * matched like the defaults; one that matches nothing is ignored, as systemd-boot does.
 * -EOPNOTSUPP when the pick is, or may be, a unified kernel image in EFI/Linux.
 */
int entry_next(const struct boot *b, struct entry **l, size_t n, const char **ret_how)
{
	_cleanup_free_ char *oneshot = NULL;
	bool uki = false;
	int r, i;

	r = efivar_get_string(b->efivars, "LoaderEntryOneShot", EFI_LOADER_GUID, &oneshot);
	if (r < 0 && r != -ENOENT)
		log_warning("Failed to read LoaderEntryOneShot, ignoring it: %s", strerror(-r));
	if (r >= 0 && *oneshot) {
		i = entry_find_pattern(l, n, oneshot);
		if (i >= 0) {
			*ret_how = "LoaderEntryOneShot";
			return i;
		}
		if (uki_matches(b, oneshot))
			return log_err_errno(
			    -EOPNOTSUPP,
			    "The next boot is '%s' (LoaderEntryOneShot), a unified "
			    "kernel image in %s/EFI/Linux, not an entry in "
			    "%s/" ENTRIES_DIR,
			    oneshot, b->esp, b->esp);
		log_debug("LoaderEntryOneShot '%s' matches no entry: systemd-boot ignores it",
			  oneshot);
	}
	i = default_index(b, l, n, ret_how, &uki);
	if (uki)
		return log_err_errno(-EOPNOTSUPP,
				     "The default boot entry is a unified kernel image in "
				     "%s/EFI/Linux, not an entry in %s/" ENTRIES_DIR,
				     b->esp, b->esp);
	/* systemd-boot sorts the images in EFI/Linux among the entries; we do not read them. */
	if ((i < 0 || streq(*ret_how, "first entry")) && uki_matches(b, NULL))
		return log_err_errno(
		    -EOPNOTSUPP,
		    "No default is configured and %s/EFI/Linux holds unified kernel "
		    "images: cannot tell which of them and the entries in "
		    "%s/" ENTRIES_DIR " systemd-boot puts first",
		    b->esp, b->esp);
	if (i < 0)
		return log_err_errno(-ENOENT, "No boot entry in %s/" ENTRIES_DIR, b->esp);
	return i;
}

/* Warn when the new entry would take over the default: only possible when no entry has a
 * sort-key and nothing configures a default (then systemd-boot orders by id alone). */
/* Would systemd-boot boot ours by default, with the other entries as they are (others_bad false)
 * or with all counted ones out of tries (true)? ours may be in l already. */
static bool default_is(const struct boot *b, struct entry **l, size_t n, struct entry *ours,
		       bool others_bad)
{
	_cleanup_free_ struct entry **all = calloc(n + 1, sizeof(*all));
	_cleanup_free_ int *tries = calloc(n + 1, sizeof(*tries));
	size_t m = 0;
	int i;

	if (!all || !tries)
		return others_bad; /* OOM: do not warn */
	for (size_t k = 0; k < n; k++) {
		tries[k] = l[k]->tries_left;
		if (l[k] == ours)
			continue;
		/* Only entries with a counter run out of tries. */
		if (others_bad && l[k]->tries_left > 0)
			l[k]->tries_left = 0;
		all[m++] = l[k];
	}
	all[m++] = ours;
	qsort(all, m, sizeof(*all), entry_compare);
	i = default_index(b, all, m, NULL, NULL);
	for (size_t k = 0; k < n; k++)
		l[k]->tries_left = tries[k];
	return i >= 0 && all[i] == ours;
}

void entry_check_default_kept(const struct boot *b, struct entry **l, size_t n, struct entry *ours)
{
	if (default_is(b, l, n, ours, false))
		log_warning(
		    "systemd-boot may pick the rollback entry %s as its default: no entry has "
		    "a sort-key and no default is configured; set 'default' in %s/" LOADER_CONF,
		    ours->file, b->esp);
}

void entry_check_fallback(const struct boot *b, struct entry **l, size_t n, struct entry *ours)
{
	if (!default_is(b, l, n, ours, true))
		log_warning(
		    "When every entry has used up its tries, systemd-boot would still not boot the "
		    "rollback entry %s: the default set in %s/" LOADER_CONF
		    " or in LoaderEntryDefault (bootctl set-default) does not match it. A kernel "
		    "that dies before the initramfs is then not rolled back automatically. Remove "
		    "that default (systemd-boot then boots the first entry with tries left), or "
		    "make it match %s.",
		    ours->file, b->esp, ours->id);
}
