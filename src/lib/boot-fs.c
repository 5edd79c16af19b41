/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Paths on the ESP and safe file writes on FAT: every write goes to a temporary name in the same
 * directory, is fsync()ed, renamed, and the directory fsync()ed.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "boot-internal.h"
#include "log.h"
#include "util.h"

/* ---- names and paths ---- */

/*
 * A path from an entry file ("/abc/6.1.0/linux", BLS uses '/', '\' tolerated) as a path
 * relative to the ESP root. Refuses anything that could leave the ESP.
 */
int esp_relpath(const char *p, char **ret)
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

char *esp_path(const struct boot *b, const char *rel)
{
	return strdup_printf("%s/%s", b->esp, rel);
}

char *pin_rel(const char *txid, const char *name)
{
	return name ? strdup_printf(PIN_DIR "/%s/%s", txid, name)
		    : strdup_printf(PIN_DIR "/%s", txid);
}

char *pin_path(const struct boot *b, const char *txid, const char *name)
{
	_cleanup_free_ char *rel = pin_rel(txid, name);

	return rel ? esp_path(b, rel) : NULL;
}

char *entry_file_name(const char *txid)
{
	return strdup_printf("rewind-%s.conf", txid);
}

char *entry_file_name_counted(const char *txid, unsigned tries)
{
	return strdup_printf("rewind-%s+%u.conf", txid, tries);
}

bool entry_is_ours(const char *file, const char *txid)
{
	size_t p = strlen("rewind-"), t = strlen(txid), len = strlen(file);
	const char *rest;

	if (len < p + t + 5 || strncasecmp(file, "rewind-", p) != 0 ||
	    strncasecmp(file + p, txid, t) != 0 || strcasecmp(file + len - 5, ".conf") != 0)
		return false;
	rest = file + p + t;
	if (rest == file + len - 5)
		return true;
	/* "+LEFT[-DONE]" and nothing else between the id and ".conf" */
	return rest[0] == '+' && entry_boot_counter_len(rest, file + len - 5 - rest);
}

int entry_find_ours(const struct boot *b, const char *txid, char **ret)
{
	_cleanup_free_ char *dir = esp_path(b, ENTRIES_DIR);
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;

	if (!dir)
		return -ENOMEM;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (entry_is_ours(de->d_name, txid)) {
			*ret = strdup(de->d_name);
			return *ret ? 0 : -ENOMEM;
		}
	return -ENOENT;
}

char *entry_oneshot_pattern(const char *txid)
{
	return strdup_printf("rewind-%s[+.]*conf", txid);
}

char *entry_path(const struct boot *b, const char *name)
{
	return strdup_printf("%s/" ENTRIES_DIR "/%s", b->esp, name);
}

/* ---- file helpers ---- */

static int fill_string(int fd, const void *arg)
{
	return write_all(fd, arg, strlen(arg));
}

static int write_chunk(const void *buf, size_t len, void *userdata)
{
	return write_all(*(const int *)userdata, buf, len);
}

static int fill_copy(int fd, const void *arg)
{
	_cleanup_close_ int in = open(arg, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (in < 0)
		return -errno;
	return read_chunks(in, write_chunk, &fd);
}

int esp_write_file(const char *path, const char *contents)
{
	_cleanup_free_ char *tmp = strdup_printf("%s" TMP_SUFFIX, path);

	return tmp ? write_file_atomic_full(path, tmp, fill_string, contents) : -ENOMEM;
}

int esp_copy_file(const char *from, const char *to)
{
	_cleanup_free_ char *tmp = strdup_printf("%s" TMP_SUFFIX, to);

	return tmp ? write_file_atomic_full(to, tmp, fill_copy, from) : -ENOMEM;
}

int esp_mkdir_parents(const char *path)
{
	_cleanup_free_ char *d = NULL;
	int r = path_parent(path, &d);

	if (r < 0 || !d)
		return r;
	return mkdir_p(d, 0755);
}

int esp_rm_rf(const char *path)
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
		k = esp_rm_rf(p);
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

int esp_walk(const struct boot *b, const char *rel, struct esp_list *l)
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
		/* systemd-boot refreshes its seed at every boot: never record, restore or remove
		 * it, since putting an old seed back would reuse entropy. */
		if (strcasecmp(child, "loader/random-seed") == 0)
			continue;
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

void esp_list_done(struct esp_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->files[i].path);
	free(l->files);
	*l = (struct esp_list){};
}
