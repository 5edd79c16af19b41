/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The only file that knows the ESP layout and the Boot Loader Specification type #1 entry format.
 *
 * Layout on the ESP, per transaction:
 *   loader/entries/rewind-TXID.conf       the rollback entry (pinned kernel, rd.rewind.rollback=)
 *   rewind/TXID/linux, initrd-N, devicetree   copies of the booted entry's files
 *   rewind/TXID/backup/loader/...         copies of loader.conf and the entries, for restore
 *   rewind/TXID/manifest.json             every file on the ESP outside rewind/ with its sha256
 *
 * The ESP is FAT: no symlinks, no hard links, case-insensitive names. Every write goes to a
 * temporary name in the same directory, is fsync()ed, renamed, and the directory fsync()ed.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "boot.h"
#include "efivar.h"
#include "log.h"
#include "macro.h"
#include "util.h"

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

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

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

static void entry_free(struct entry *e)
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
DEFINE_TRIVIAL_CLEANUP_FUNC(struct entry *, entry_free);

static void entries_free(struct entry **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		entry_free(l[i]);
	free(l);
}

static void esp_list_done(struct esp_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->files[i].path);
	free(l->files);
	*l = (struct esp_list){};
}

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

/* ---- names and paths ---- */

/* The caller validates TXIDs; this only makes sure one is a harmless path component and does
 * not look like a boot counter ("+3" or "+3-1" before .conf) to systemd-boot. */
static bool txid_is_safe(const char *txid)
{
	const char *plus;
	size_t len;

	if (!txid)
		return false;
	len = strlen(txid);
	if (len == 0 || len > 32 || txid[0] == '-' || txid[0] == '.')
		return false;
	for (const char *c = txid; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("_.+-", *c))
			return false;
	plus = strrchr(txid, '+');
	if (plus && isdigit((unsigned char)plus[1])) {
		const char *c = plus + 1 + strspn(plus + 1, "0123456789");

		if (*c == '\0' || (*c == '-' && c[1] && c[1 + strspn(c + 1, "0123456789")] == '\0'))
			return false;
	}
	return true;
}

static int check_txid(const char *txid)
{
	if (!txid_is_safe(txid))
		return log_err_errno(-EINVAL, "Invalid transaction id for the ESP: '%s'",
				     txid ?: "(null)");
	return 0;
}

/*
 * A path from an entry file ("/abc/6.1.0/linux", BLS uses '/', '\' tolerated) as a path
 * relative to the ESP root. Refuses anything that could leave the ESP.
 */
static int esp_relpath(const char *p, char **ret)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_free_ char *copy = NULL;
	size_t n = 0;
	char *save = NULL;

	if (!p || strlen(p) > PATH_LEN_MAX)
		return -EINVAL;
	copy = strdup(p);
	out = malloc(strlen(p) + 1);
	if (!copy || !out)
		return -ENOMEM;
	for (char *c = copy; *c; c++)
		if (*c == '\\')
			*c = '/';
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (streq(t, ".") || streq(t, ".."))
			return -EINVAL;
		for (const char *c = t; *c; c++)
			if ((unsigned char)*c < 0x20)
				return -EINVAL;
		if (n > 0)
			out[n++] = '/';
		memcpy(out + n, t, strlen(t));
		n += strlen(t);
	}
	if (n == 0)
		return -EINVAL;
	out[n] = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

static char *esp_path(const struct boot *b, const char *rel)
{
	return strdup_printf("%s/%s", b->esp, rel);
}

static char *pin_rel(const char *txid, const char *name)
{
	return name ? strdup_printf(PIN_DIR "/%s/%s", txid, name)
		    : strdup_printf(PIN_DIR "/%s", txid);
}

static char *entry_file_name(const char *txid)
{
	return strdup_printf("rewind-%s.conf", txid);
}

static char *lowercase(const char *s)
{
	char *l = strdup(s);

	for (char *c = l; c && *c; c++)
		*c = tolower((unsigned char)*c);
	return l;
}

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

/* ---- file helpers ---- */

static int fsync_path(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECTORY);

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

static int fsync_parent(const char *path)
{
	_cleanup_free_ char *d = strdup(path);
	char *slash;

	if (!d)
		return -ENOMEM;
	slash = strrchr(d, '/');
	if (!slash)
		return fsync_path(".");
	*slash = '\0';
	return fsync_path(*d ? d : "/");
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t k = write(fd, p, len);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		len -= k;
	}
	return 0;
}

/* Write to PATH.rewind-tmp, fsync, rename over PATH, fsync the directory. */
static int atomic_replace(const char *path, int (*fill)(int fd, const void *arg), const void *arg)
{
	_cleanup_free_ char *tmp = strdup_printf("%s" TMP_SUFFIX, path);
	_cleanup_close_ int fd = -1;
	int r;

	if (!tmp)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	r = fill(fd, arg);
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	if (r >= 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	return fsync_parent(path);
}

static int fill_string(int fd, const void *arg)
{
	return write_all(fd, arg, strlen(arg));
}

static int fill_copy(int fd, const void *arg)
{
	_cleanup_close_ int in = open(arg, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	uint8_t buf[64 * 1024];

	if (in < 0)
		return -errno;
	for (;;) {
		ssize_t k = read(in, buf, sizeof(buf));
		int r;

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return 0;
		r = write_all(fd, buf, k);
		if (r < 0)
			return r;
	}
}

static int write_file(const char *path, const char *contents)
{
	return atomic_replace(path, fill_string, contents);
}

static int copy_file(const char *from, const char *to)
{
	return atomic_replace(to, fill_copy, from);
}

static int mkdir_parents(const char *path)
{
	_cleanup_free_ char *d = strdup(path);
	char *slash;

	if (!d)
		return -ENOMEM;
	slash = strrchr(d, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return mkdir_p(d, 0755);
}

static int sha256_file(const char *path, char hex[static 65])
{
	EVP_MD_CTX *ctx = NULL;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	uint8_t buf[64 * 1024];
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
	for (;;) {
		ssize_t k = read(fd, buf, sizeof(buf));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			goto finish;
		}
		if (k == 0)
			break;
		if (EVP_DigestUpdate(ctx, buf, k) != 1) {
			r = -EIO;
			goto finish;
		}
	}
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

static int rm_rf(const char *path)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	int r = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		int k;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		p = strdup_printf("%s/%s", path, de->d_name);
		if (!p)
			return -ENOMEM;
		k = rm_rf(p);
		if (k < 0 && r == 0)
			r = k;
	}
	if (rmdir(path) < 0 && errno != ENOENT && r == 0)
		r = -errno;
	return r;
}

/* ---- the ESP's files ---- */

static int esp_list_add(struct esp_list *l, const char *rel, uint64_t size, bool dir)
{
	struct esp_file *f = realloc(l->files, sizeof(*f) * (l->n + 1));

	if (!f)
		return -ENOMEM;
	l->files = f;
	f[l->n] = (struct esp_file){.path = strdup(rel), .size = size, .dir = dir};
	if (!f[l->n].path)
		return -ENOMEM;
	l->n++;
	return 0;
}

/* Every regular file and directory under the ESP, except rewind/ and our temporary files. */
static int esp_walk(const struct boot *b, const char *rel, struct esp_list *l)
{
	_cleanup_free_ char *abs = rel ? esp_path(b, rel) : strdup(b->esp);
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;

	if (!abs)
		return -ENOMEM;
	d = opendir(abs);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		_cleanup_free_ char *child = NULL;
		struct stat st;
		int r;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (!rel && strcasecmp(de->d_name, PIN_DIR) == 0)
			continue;
		if (strlen(de->d_name) > strlen(TMP_SUFFIX) &&
		    streq(de->d_name + strlen(de->d_name) - strlen(TMP_SUFFIX), TMP_SUFFIX))
			continue;
		child = rel ? strdup_printf("%s/%s", rel, de->d_name) : strdup(de->d_name);
		if (!child)
			return -ENOMEM;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		if (S_ISDIR(st.st_mode)) {
			r = esp_list_add(l, child, 0, true);
			if (r >= 0)
				r = esp_walk(b, child, l);
		} else if (S_ISREG(st.st_mode))
			r = esp_list_add(l, child, st.st_size, false);
		else {
			log_debug("Ignoring %s on the ESP: not a regular file", child);
			r = 0;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* loader.conf and the entries are small text files we keep copies of. */
static bool wants_backup(const struct esp_file *f)
{
	const char *p = f->path;

	if (f->dir || f->size > BACKUP_SIZE_MAX)
		return false;
	if (strcasecmp(p, LOADER_CONF) == 0)
		return true;
	return strncasecmp(p, ENTRIES_DIR "/", strlen(ENTRIES_DIR "/")) == 0 &&
	       !strchr(p + strlen(ENTRIES_DIR "/"), '/');
}

/* ---- entries: parsing and systemd-boot's order ---- */

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

static int entry_parse_file(const char *path, struct entry *e)
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
		if (streq(key, "title"))
			r = set_str(&e->title, value);
		else if (streq(key, "version"))
			r = set_str(&e->version, value);
		else if (streq(key, "machine-id"))
			r = set_str(&e->machine_id, value);
		else if (streq(key, "sort-key"))
			r = set_str(&e->sort_key, value);
		else if (streq(key, "linux"))
			r = set_str(&e->linux_path, value);
		else if (streq(key, "efi"))
			r = set_str(&e->efi, value);
		else if (streq(key, "devicetree"))
			r = set_str(&e->devicetree, value);
		else if (streq(key, "architecture"))
			r = set_str(&e->architecture, value);
		else if (streq(key, "initrd"))
			r = strv_extend(&e->initrd, value);
		else if (streq(key, "options"))
			r = strv_extend(&e->options, value);
		if (r < 0)
			return r;
	}
	return ferror(f) ? -EIO : 0;
}

/* systemd-boot's id: the file name, lowercased, with a "+LEFT[-DONE]" boot counter removed. */
static char *entry_id(const char *file, int *ret_tries_left)
{
	_cleanup_free_ char *id = lowercase(file);
	char *suffix, *plus, *c;

	*ret_tries_left = -1;
	if (!id)
		return NULL;
	suffix = id + strlen(id) - strlen(".conf");
	*suffix = '\0';
	plus = strrchr(id, '+');
	if (plus && isdigit((unsigned char)plus[1])) {
		unsigned long left = strtoul(plus + 1, &c, 10);

		if (*c == '-' && isdigit((unsigned char)c[1]))
			c += 1 + strspn(c + 1, "0123456789");
		if (*c == '\0') {
			*ret_tries_left = left > INT32_MAX ? INT32_MAX : (int)left;
			*plus = '\0';
		}
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

static int entry_find_pattern(struct entry **l, size_t n, const char *pattern)
{
	_cleanup_free_ char *p = pattern ? lowercase(pattern) : NULL;

	if (!p || !*p)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (entry_bootable(l[i]) && fnmatch(p, l[i]->id, 0) == 0)
			return (int)i;
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

/*
 * The index of the entry systemd-boot would boot by default (sorted list), as it chooses without
 * a one-shot: LoaderEntryDefault (or @saved: LoaderEntryLastBooted), then loader.conf's default
 * pattern (or @saved), then the first entry in its order. -1 when none.
 */
static int default_index(const struct boot *b, struct entry **l, size_t n)
{
	_cleanup_free_ char *efidef = NULL, *confdef = NULL, *saved = NULL;
	int i;

	(void)efivar_get_string(b->efivars, "LoaderEntryDefault", EFI_LOADER_GUID, &efidef);
	(void)loader_conf_default(b, &confdef);
	if ((efidef && streq(efidef, "@saved")) || (confdef && streq(confdef, "@saved")))
		(void)efivar_get_string(b->efivars, "LoaderEntryLastBooted", EFI_LOADER_GUID,
					&saved);
	i = entry_find_pattern(l, n, efidef && streq(efidef, "@saved") ? saved : efidef);
	if (i < 0)
		i = entry_find_pattern(l, n, confdef && streq(confdef, "@saved") ? saved : confdef);
	for (size_t k = 0; i < 0 && k < n; k++)
		if (entry_bootable(l[k]))
			i = (int)k;
	return i;
}

static int entries_load_sorted(const struct boot *b, struct entry ***ret, size_t *ret_n)
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
static int booted_entry(const struct boot *b, struct entry **l, size_t n, const char **ret_how)
{
	_cleanup_free_ char *selected = NULL, *lower = NULL;
	int r, i;

	r = efivar_get_string(b->efivars, "LoaderEntrySelected", EFI_LOADER_GUID, &selected);
	if (r >= 0 && *selected) {
		lower = lowercase(selected);
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
	i = default_index(b, l, n);
	if (i < 0)
		return log_err_errno(-ENOENT, "No boot entry in %s/" ENTRIES_DIR, b->esp);
	*ret_how = "default";
	return i;
}

/* ---- boot_open ---- */

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

/* ---- boot_pin ---- */

struct pinned {
	char *from; /* relative to the ESP */
	char *name; /* in rewind/TXID/ */
	uint64_t size;
};

struct pin_plan {
	struct pinned files[64];
	size_t n;
};

static void pin_plan_done(struct pin_plan *p)
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

static int pin_plan_build(const struct boot *b, const struct entry *e, struct pin_plan *p)
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

static void format_size(uint64_t bytes, char buf[static 32])
{
	if (bytes >= 10u * 1024 * 1024)
		snprintf(buf, 32, "%" PRIu64 " MiB", bytes / (1024 * 1024));
	else
		snprintf(buf, 32, "%" PRIu64 " KiB", (bytes + 1023) / 1024);
}

static int check_space(const struct boot *b, const struct pin_plan *p, const struct esp_list *files)
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
		need += (p->files[i].size + cluster - 1) / cluster * cluster;
	for (size_t i = 0; i < files->n; i++)
		if (wants_backup(&files->files[i]))
			need += (files->files[i].size + cluster - 1) / cluster * cluster;
	if (need <= avail)
		return 0;
	format_size(need, need_s);
	format_size(avail, avail_s);
	return log_err_errno(-ENOSPC,
			     "Not enough space on the ESP %s to pin the booted kernel: %s needed, "
			     "%s free",
			     b->esp, need_s, avail_s);
}

/* Options split like the kernel does: on blanks outside double quotes. */
static char **options_split(const char *s)
{
	char **l = calloc(1, sizeof(char *));

	while (l && *s) {
		const char *e;
		bool quoted = false;

		s += strspn(s, " \t");
		if (!*s)
			break;
		for (e = s; *e && (quoted || (*e != ' ' && *e != '\t')); e++)
			if (*e == '"')
				quoted = !quoted;
		if (strv_push(&l, strndup(s, e - s)) < 0) {
			strv_free(l);
			return NULL;
		}
		s = e;
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

static char *rollback_title(const char *txid, time_t when)
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

static int json_add_str(json_object *o, const char *key, const char *value)
{
	json_object *v = value ? json_object_new_string(value) : NULL;

	if (value && !v)
		return -ENOMEM;
	return json_object_object_add(o, key, v) < 0 ? -ENOMEM : 0;
}

static int json_add_u64(json_object *o, const char *key, uint64_t value)
{
	return json_object_object_add(o, key, json_object_new_int64((int64_t)value)) < 0 ? -ENOMEM
											 : 0;
}

/* Back up the small files, hash everything: the "files" and "dirs" of the manifest. */
static int manifest_files(const struct boot *b, const char *txid, const struct esp_list *files,
			  json_object *m)
{
	json_object *fl = json_object_new_array(), *dl = json_object_new_array();
	int r = 0;

	if (!fl || !dl || json_object_object_add(m, "files", fl) < 0 ||
	    json_object_object_add(m, "dirs", dl) < 0) {
		json_object_put(fl);
		json_object_put(dl);
		return -ENOMEM;
	}
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
		r = json_add_str(o, "path", f->path);
		if (r >= 0)
			r = json_add_u64(o, "size", f->size);
		if (r >= 0)
			r = json_add_str(o, "sha256", hex);
		if (r < 0 || !wants_backup(f))
			continue;
		bak = strdup_printf(BACKUP_DIR "/%s", f->path);
		bak_abs = bak ? strdup_printf("%s/" PIN_DIR "/%s/%s", b->esp, txid, bak) : NULL;
		if (!bak_abs)
			return -ENOMEM;
		r = mkdir_parents(bak_abs);
		if (r >= 0)
			r = copy_file(abs, bak_abs);
		if (r < 0)
			return log_err_errno(r, "Failed to back up %s: %s", abs, strerror(-r));
		r = json_add_str(o, "backup", bak);
	}
	return r;
}

static int manifest_pinned(const struct boot *b, const char *txid, const struct pin_plan *p,
			   json_object *m)
{
	json_object *pl = json_object_new_array();

	if (!pl || json_object_object_add(m, "pinned", pl) < 0) {
		json_object_put(pl);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n; i++) {
		_cleanup_free_ char *from = esp_path(b, p->files[i].from);
		_cleanup_free_ char *to = pin_rel(txid, p->files[i].name);
		_cleanup_free_ char *to_abs = to ? esp_path(b, to) : NULL;
		json_object *o = json_object_new_object();
		char hex[65];
		int r;

		if (!from || !to_abs || !o || json_object_array_add(pl, o) < 0)
			return -ENOMEM;
		r = copy_file(from, to_abs);
		if (r < 0)
			return log_err_errno(r, "Failed to copy %s to %s: %s", from, to_abs,
					     strerror(-r));
		r = sha256_file(to_abs, hex);
		if (r >= 0)
			r = json_add_str(o, "from", p->files[i].from);
		if (r >= 0)
			r = json_add_str(o, "to", to);
		if (r >= 0)
			r = json_add_u64(o, "size", p->files[i].size);
		if (r >= 0)
			r = json_add_str(o, "sha256", hex);
		if (r < 0)
			return r;
	}
	return 0;
}

static int manifest_write(const struct boot *b, const char *txid, json_object *m)
{
	_cleanup_free_ char *rel = pin_rel(txid, MANIFEST);
	_cleanup_free_ char *abs = rel ? esp_path(b, rel) : NULL;
	const char *s = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	_cleanup_free_ char *text = s ? strdup_printf("%s\n", s) : NULL;

	if (!abs || !text)
		return -ENOMEM;
	return write_file(abs, text);
}

/* Warn when the new entry would take over the default: only possible when no entry has a
 * sort-key and nothing configures a default (then systemd-boot orders by id alone). */
static void check_default_kept(const struct boot *b, struct entry **l, size_t n, struct entry *ours)
{
	_cleanup_free_ struct entry **all = calloc(n + 1, sizeof(*all));
	int i;

	if (!all)
		return;
	memcpy(all, l, n * sizeof(*l));
	all[n] = ours;
	qsort(all, n + 1, sizeof(*all), entry_compare);
	i = default_index(b, all, n + 1);
	if (i >= 0 && all[i] == ours)
		log_warning(
		    "systemd-boot may pick the rollback entry %s as its default: no entry has "
		    "a sort-key and no default is configured; set 'default' in %s/" LOADER_CONF,
		    ours->file, b->esp);
}

static int pin_do(struct boot *b, const char *txid, time_t when, struct entry *booted,
		  const char *how, const struct pin_plan *plan, const struct esp_list *files,
		  struct entry *ours)
{
	_cleanup_(json_object_putp) json_object *m = json_object_new_object();
	_cleanup_free_ char *dir_rel = pin_rel(txid, NULL), *dir = NULL, *text = NULL;
	_cleanup_free_ char *entry_abs = NULL, *efidef = NULL;
	json_object *bo;
	int r;

	dir = dir_rel ? esp_path(b, dir_rel) : NULL;
	entry_abs = strdup_printf("%s/" ENTRIES_DIR "/%s", b->esp, ours->file);
	text = rollback_entry_text(booted, plan, txid, ours->title);
	bo = json_object_new_object();
	if (!m || !dir || !entry_abs || !text || !bo || json_object_object_add(m, "booted", bo) < 0)
		return -ENOMEM;
	r = mkdir_p(dir, 0755);
	if (r < 0)
		return log_err_errno(r, "Failed to create %s: %s", dir, strerror(-r));

	r = json_add_u64(m, "format", 1);
	if (r >= 0)
		r = json_add_str(m, "txid", txid);
	if (r >= 0)
		r = json_add_u64(m, "created", (uint64_t)when);
	if (r >= 0)
		r = json_add_str(m, "entry", ours->file);
	if (r >= 0)
		r = json_add_str(m, "title", ours->title);
	if (r >= 0)
		r = json_add_str(bo, "id", booted->id);
	if (r >= 0)
		r = json_add_str(bo, "file", booted->file);
	if (r >= 0)
		r = json_add_str(bo, "chosen_by", how);
	if (r >= 0)
		r = json_add_str(bo, "title", booted->title);
	if (r >= 0)
		r = json_add_str(bo, "version", booted->version);
	if (r >= 0 &&
	    efivar_get_string(b->efivars, "LoaderEntryDefault", EFI_LOADER_GUID, &efidef) >= 0)
		r = json_add_str(m, "LoaderEntryDefault", efidef);
	if (r >= 0)
		r = manifest_pinned(b, txid, plan, m);
	if (r >= 0)
		r = manifest_files(b, txid, files, m);
	if (r >= 0)
		r = fsync_path(dir);
	if (r >= 0)
		r = manifest_write(b, txid, m);
	/* The entry last: it must never point at files that are not there yet. */
	if (r >= 0)
		r = write_file(entry_abs, text);
	if (r < 0)
		return log_err_errno(r, "Failed to pin the booted entry on %s: %s", b->esp,
				     strerror(-r));
	return 0;
}

static int pin_remove(const struct boot *b, const char *txid)
{
	_cleanup_free_ char *name = entry_file_name(txid);
	_cleanup_free_ char *entry =
	    name ? strdup_printf("%s/" ENTRIES_DIR "/%s", b->esp, name) : NULL;
	_cleanup_free_ char *dir = strdup_printf("%s/" PIN_DIR "/%s", b->esp, txid);
	_cleanup_free_ char *top = strdup_printf("%s/" PIN_DIR, b->esp);
	int r = 0;

	if (!entry || !dir || !top)
		return -ENOMEM;
	/* The entry first, so no menu entry ever points at removed files. */
	if (unlink(entry) < 0 && errno != ENOENT)
		r = -errno;
	else
		(void)fsync_parent(entry);
	if (r >= 0)
		r = rm_rf(dir);
	if (r >= 0) {
		(void)rmdir(top); /* only when empty: other transactions' pins stay */
		(void)fsync_path(b->esp);
	}
	if (r < 0)
		return log_err_errno(r, "Failed to remove the pinned kernel of %s from %s: %s",
				     txid, b->esp, strerror(-r));
	return 0;
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
	dir = strdup_printf("%s/" PIN_DIR "/%s", b->esp, txid);
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
	i = booted_entry(b, l, n, &how);
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
	r = check_space(b, &plan, &files);
	if (r < 0)
		goto finish;

	ours->file = entry_file_name(txid);
	ours->id = ours->file ? lowercase(ours->file) : NULL;
	ours->title = rollback_title(txid, when);
	ours->tries_left = -1;
	ours->linux_path = strdup("linux");
	if (!ours->id || !ours->title || !ours->linux_path) {
		r = -ENOMEM;
		goto finish;
	}
	check_default_kept(b, l, n, ours);

	r = pin_do(b, txid, when, l[i], how, &plan, &files, ours);
	if (r < 0)
		(void)pin_remove(b, txid);
	else
		log_info("Pinned boot entry %s (%s) as %s on %s", l[i]->id, how, ours->file,
			 b->esp);
finish:
	entries_free(l, n);
	return r;
}

/* ---- boot_restore / boot_unpin ---- */

static int manifest_read(const struct boot *b, const char *txid, json_object **ret)
{
	_cleanup_free_ char *rel = pin_rel(txid, MANIFEST);
	_cleanup_free_ char *abs = rel ? esp_path(b, rel) : NULL;
	json_object *m, *files;

	if (!abs)
		return -ENOMEM;
	if (access(abs, F_OK) < 0)
		return -errno;
	m = json_object_from_file(abs);
	if (!m || !json_object_object_get_ex(m, "files", &files) ||
	    !json_object_is_type(files, json_type_array)) {
		json_object_put(m);
		return log_err_errno(-EBADMSG, "Failed to parse %s", abs);
	}
	*ret = m;
	return 0;
}

static const char *json_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *json_array(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

/* The manifest entry for an ESP path, or NULL. */
static json_object *manifest_find(json_object *list, const char *key, const char *path)
{
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		json_object *o = json_object_array_get_idx(list, i);
		const char *p = json_str(o, key);

		if (p && strcasecmp(p, path) == 0)
			return o;
	}
	return NULL;
}

static bool manifest_has_dir(json_object *dirs, const char *path)
{
	for (size_t i = 0; dirs && i < json_object_array_length(dirs); i++) {
		const char *p = json_object_get_string(json_object_array_get_idx(dirs, i));

		if (p && strcasecmp(p, path) == 0)
			return true;
	}
	return false;
}

/* A path read back from the manifest must name a file in rewind/TXID/. */
static bool path_in_pin(const char *rel, const char *txid)
{
	_cleanup_free_ char *norm = NULL, *prefix = strdup_printf(PIN_DIR "/%s/", txid);

	return prefix && esp_relpath(rel, &norm) >= 0 && streq(norm, rel) &&
	       strncmp(rel, prefix, strlen(prefix)) == 0;
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
	const char *path = json_str(f, "path"), *sha = json_str(f, "sha256");
	const char *bak = json_str(f, "backup");
	json_object *pin = manifest_find(json_array(m, "pinned"), "from", path);
	_cleanup_free_ char *src = NULL, *dst = NULL, *rel = NULL;
	int r;

	if (bak)
		rel = strdup_printf(PIN_DIR "/%s/%s", txid, bak);
	else if (pin && json_str(pin, "to"))
		rel = strdup(json_str(pin, "to"));
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
	r = mkdir_parents(dst);
	if (r >= 0)
		r = copy_file(src, dst);
	if (r < 0)
		return log_err_errno(r, "Failed to restore %s: %s", dst, strerror(-r));
	log_info("Restored %s as it was before transaction %s", dst, txid);
	return 1;
}

static int restore_recorded(const struct boot *b, const char *txid, json_object *m)
{
	json_object *files = json_array(m, "files");
	int ret = 0;

	for (size_t i = 0; i < json_object_array_length(files); i++) {
		json_object *f = json_object_array_get_idx(files, i);
		const char *path = json_str(f, "path");
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
		if (file_matches(abs, json_str(f, "sha256")))
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
	_cleanup_free_ char *ours = strdup_printf(ENTRIES_DIR "/rewind-%s.conf", txid);
	json_object *files = json_array(m, "files"), *dirs = json_array(m, "dirs");
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

		if (!f->dir || manifest_has_dir(dirs, f->path))
			continue;
		abs = esp_path(b, f->path);
		if (!abs)
			return -ENOMEM;
		if (rmdir(abs) >= 0)
			log_info("Removed %s: added since transaction %s began", abs, txid);
	}
	(void)fsync_path(b->esp);
	return ret;
}

static void restore_efivars(const struct boot *b, json_object *m)
{
	const char *was = json_str(m, "LoaderEntryDefault");
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

int boot_restore(struct boot *b, const char *txid)
{
	_cleanup_(json_object_putp) json_object *m = NULL;
	int r, k;

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
	/* Restore first, so the boot configuration is whole again as early as possible. */
	r = restore_recorded(b, txid, m);
	k = remove_added(b, txid, m);
	if (r == 0)
		r = k;
	restore_efivars(b, m);
	if (r < 0)
		/* Keep the pin and the manifest: running this again retries. */
		return log_err_errno(r, "Failed to restore the ESP %s as it was before %s", b->esp,
				     txid);
	return pin_remove(b, txid);
}

int boot_unpin(struct boot *b, const char *txid)
{
	_cleanup_free_ char *oneshot = NULL, *ours = NULL;
	int r;

	r = check_txid(txid);
	if (r < 0)
		return r;
	ours = entry_file_name(txid);
	if (!ours)
		return -ENOMEM;
	/* A one-shot left pointing at an entry that is gone would be ignored, but do not leave it.
	 */
	if (efivar_get_string(b->efivars, "LoaderEntryOneShot", EFI_LOADER_GUID, &oneshot) >= 0 &&
	    strcasecmp(oneshot, ours) == 0)
		(void)efivar_delete(b->efivars, "LoaderEntryOneShot", EFI_LOADER_GUID);
	return pin_remove(b, txid);
}

/* systemd-boot matches LoaderEntryOneShot against entry ids, which are the lowercased file
 * name including ".conf" -- the same string it reports in LoaderEntrySelected. */
int boot_set_oneshot(struct boot *b, const char *txid)
{
	_cleanup_free_ char *name = NULL, *path = NULL;
	int r;

	r = check_txid(txid);
	if (r < 0)
		return r;
	name = entry_file_name(txid);
	path = name ? strdup_printf("%s/" ENTRIES_DIR "/%s", b->esp, name) : NULL;
	if (!path)
		return -ENOMEM;
	if (access(path, F_OK) < 0)
		return log_err_errno(-errno, "No rollback entry %s: %m", path);
	r = efivar_set_string(b->efivars, "LoaderEntryOneShot", EFI_LOADER_GUID, name);
	if (r < 0)
		return log_err_errno(r, "Failed to set the EFI variable LoaderEntryOneShot: %s",
				     strerror(-r));
	return 0;
}

int boot_describe(struct boot *b, const char *txid, struct json_object **ret)
{
	_cleanup_(json_object_putp) json_object *m = NULL, *o = NULL;
	_cleanup_free_ char *path = NULL;
	json_object *pinned, *booted = NULL;
	uint64_t size = 0;
	int r;

	r = check_txid(txid);
	if (r < 0)
		return r;
	r = manifest_read(b, txid, &m);
	if (r < 0)
		return r;
	o = json_object_new_object();
	path = strdup_printf("%s/" ENTRIES_DIR "/%s", b->esp, json_str(m, "entry") ?: "");
	if (!o || !path)
		return -ENOMEM;
	pinned = json_array(m, "pinned");
	for (size_t i = 0; pinned && i < json_object_array_length(pinned); i++)
		size += json_object_get_int64(
		    json_object_object_get(json_object_array_get_idx(pinned, i), "size"));
	(void)json_object_object_get_ex(m, "booted", &booted);
	r = json_add_str(o, "entry", json_str(m, "entry"));
	if (r >= 0)
		r = json_object_object_add(o, "present",
					   json_object_new_boolean(access(path, F_OK) == 0));
	if (r >= 0)
		r = json_add_str(o, "title", json_str(m, "title"));
	if (r >= 0)
		r = json_add_str(o, "pinned_from", booted ? json_str(booted, "id") : NULL);
	if (r >= 0)
		r = json_add_str(o, "version", booted ? json_str(booted, "version") : NULL);
	if (r >= 0 && pinned && json_object_array_length(pinned) > 0)
		r = json_add_str(o, "linux", json_str(json_object_array_get_idx(pinned, 0), "to"));
	if (r >= 0)
		r = json_add_u64(o, "size", size);
	if (r >= 0)
		r = json_add_str(o, "esp", b->esp);
	if (r < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}
