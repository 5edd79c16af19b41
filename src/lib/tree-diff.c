/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rewind diff's comparison engine (tree-diff.h): a merge-walk of two trees by sorted names. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "escape.h"
#include "log.h"
#include "tree-diff.h"
#include "util.h"

struct walk {
	unsigned flags;
	tree_diff_fn fn;
	void *userdata;
	struct tree_diff_stats stats;
	dev_t old_dev, new_dev; /* the roots' file systems: what is not on them is not entered */
	char *path;		/* "/a/b" of the directory being walked */
	char *buf;		/* --checksum: two halves of CONTENT_CHUNK bytes, made once */
	size_t len, size;
};

/* The names in dir (an fd kept open by the caller), sorted by bytes; NULL-terminated. */
static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_names(int dir, char ***ret, size_t *ret_n)
{
	_cleanup_close_ int fd = fcntl(dir, F_DUPFD_CLOEXEC, 3);
	_cleanup_strv_ char **l = NULL;
	size_t n = 0, allocated = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d)
		return -errno;
	TAKE_FD(fd);
	/* fdopendir() shares the offset with dir's other dup: start from the top. */
	rewinddir(d);
	errno = 0;
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (n + 2 > allocated) {
			size_t a = allocated ? allocated * 2 : 64;
			char **m = realloc(l, a * sizeof(*l));
			if (!m) {
				closedir(d);
				return -ENOMEM;
			}
			l = m;
			allocated = a;
		}
		l[n] = strdup(de->d_name);
		if (!l[n]) {
			closedir(d);
			return -ENOMEM;
		}
		l[++n] = NULL;
		errno = 0;
	}
	if (errno != 0) {
		int e = errno;
		closedir(d);
		return -e;
	}
	closedir(d);
	if (n > 1)
		qsort(l, n, sizeof(*l), compare_names);
	*ret = TAKE_PTR(l);
	*ret_n = n;
	return 0;
}

static void node_done(struct tree_node *n)
{
	free(n->target);
	*n = (struct tree_node){};
}

/* lstat() of name in dir into n; 0 with n->mode 0 when it vanished meanwhile (a live tree). */
static int node_read(int dir, const char *name, struct tree_node *n, dev_t *ret_dev)
{
	struct stat st;

	*n = (struct tree_node){};
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	*n = (struct tree_node){
	    .mode = st.st_mode,
	    .uid = st.st_uid,
	    .gid = st.st_gid,
	    .size = S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? (uint64_t)st.st_size : 0,
	    .mtime_sec = st.st_mtim.tv_sec,
	    .mtime_nsec = st.st_mtim.tv_nsec,
	    .rdev = S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode) ? st.st_rdev : 0,
	};
	*ret_dev = st.st_dev;
	if (S_ISLNK(st.st_mode)) {
		size_t size = st.st_size > 0 && st.st_size < 4096 ? (size_t)st.st_size + 1 : 4097;
		ssize_t k;

		n->target = malloc(size);
		if (!n->target)
			return -ENOMEM;
		k = readlinkat(dir, name, n->target, size - 1);
		if (k < 0) {
			int e = errno;
			node_done(n);
			return e == ENOENT ? 0 : -e;
		}
		n->target[k] = 0;
	}
	return 0;
}

static unsigned node_compare(const struct tree_node *a, const struct tree_node *b)
{
	unsigned what = 0;

	if ((a->mode & S_IFMT) != (b->mode & S_IFMT))
		return TREE_DIFF_TYPE;
	if ((a->mode & 07777) != (b->mode & 07777))
		what |= TREE_DIFF_MODE;
	if (a->uid != b->uid)
		what |= TREE_DIFF_UID;
	if (a->gid != b->gid)
		what |= TREE_DIFF_GID;
	if (a->size != b->size)
		what |= TREE_DIFF_SIZE;
	if (a->mtime_sec != b->mtime_sec || a->mtime_nsec != b->mtime_nsec)
		what |= TREE_DIFF_MTIME;
	if (a->rdev != b->rdev)
		what |= TREE_DIFF_RDEV;
	if ((a->target || b->target) && (!a->target || !b->target || !streq(a->target, b->target)))
		what |= TREE_DIFF_TARGET;
	return what;
}

/* Open name in dir to read, without writing its access time where that is allowed. */
/* A regular file, opened without blocking: what was a file at the stat may be a FIFO (or a
 * device) by now, on the live side, and opening that could wait for ever. */
static int open_read(int dir, const char *name)
{
	const int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	_cleanup_close_ int fd = openat(dir, name, flags | O_NOATIME);
	struct stat st;

	if (fd < 0 && errno == EPERM)
		fd = openat(dir, name, flags);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ESTALE; /* changed type since the walk saw it */
	/* Blocking reads again: a regular file's never wait. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		return -errno;
	return TAKE_FD(fd);
}

#define CONTENT_CHUNK (1u << 16)

/* 1 when the two regular files named name differ in a byte, 0 when not, negative errno. */
static int content_differs(struct walk *w, int old_dir, int new_dir, const char *name)
{
	_cleanup_close_ int a = open_read(old_dir, name), b = open_read(new_dir, name);

	if (a < 0 || b < 0)
		return a < 0 ? a : b;
	if (!w->buf && !(w->buf = malloc(2 * CONTENT_CHUNK)))
		return -ENOMEM;
	for (;;) {
		char *ba = w->buf, *bb = w->buf + CONTENT_CHUNK;
		size_t na, nb;
		int r = read_full(a, ba, CONTENT_CHUNK, &na);

		if (r >= 0)
			r = read_full(b, bb, CONTENT_CHUNK, &nb);
		if (r < 0)
			return r;
		if (na != nb || memcmp(ba, bb, na) != 0)
			return 1;
		if (na < CONTENT_CHUNK)
			return 0;
	}
}

static int path_push(struct walk *w, const char *name, size_t *ret_saved)
{
	size_t l = strlen(name), need = w->len + 1 + l + 1;

	if (need > w->size) {
		size_t s = MAX(need, w->size * 2);
		char *p = realloc(w->path, s);
		if (!p)
			return -ENOMEM;
		w->path = p;
		w->size = s;
	}
	*ret_saved = w->len;
	w->path[w->len++] = '/';
	memcpy(w->path + w->len, name, l + 1);
	w->len += l;
	return 0;
}

static void path_pop(struct walk *w, size_t saved)
{
	w->len = saved;
	w->path[saved] = 0;
}

static int report(struct walk *w, enum tree_change c, unsigned what, const struct tree_node *o,
		  const struct tree_node *n)
{
	static const struct tree_node none = {};
	struct tree_diff_entry e = {
	    .path = w->path,
	    .change = c,
	    .what = what,
	    .old_node = o ? *o : none,
	    .new_node = n ? *n : none,
	};

	if (c == TREE_ADDED)
		w->stats.added++;
	else if (c == TREE_REMOVED)
		w->stats.removed++;
	else
		w->stats.modified++;
	return w->fn(w->userdata, &e);
}

static void walk_warn(struct walk *w, int r)
{
	_cleanup_free_ char *p = path_escape(w->path[0] ? w->path : "/");

	w->stats.errors++;
	log_warning("Cannot read %s: %s", p ?: "?", strerror(-r));
}

static int walk_dirs(struct walk *w, int old_dir, int new_dir);

/* Open name in dir as a directory to walk: -1 when it is not one (any more). */
static int open_dir(struct walk *w, int dir, const char *name)
{
	int fd;

	if (dir < 0)
		return -1;
	/* O_NOATIME: reading the live origin's directories does not write their access times (a
	 * write to an origin is a copy into its snapshot's store). Owner or CAP_FOWNER only. */
	fd = openat(dir, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno != ENOENT && errno != ENOTDIR)
		walk_warn(w, -errno);
	return fd;
}

/* One name: in old_dir, new_dir or both (the other -1 or absent). */
static int walk_name(struct walk *w, int old_dir, int new_dir, const char *name)
{
	struct tree_node o = {}, n = {};
	dev_t od = 0, nd = 0;
	bool old_on, new_on; /* on the root's file system: to be compared and entered */
	size_t saved;
	int r;

	r = path_push(w, name, &saved);
	if (r < 0)
		return r;
	w->stats.compared++;
	if (old_dir >= 0 && (r = node_read(old_dir, name, &o, &od)) < 0) {
		if (r == -ENOMEM)
			goto out;
		walk_warn(w, r);
		r = 0;
		goto out;
	}
	if (new_dir >= 0 && (r = node_read(new_dir, name, &n, &nd)) < 0) {
		if (r == -ENOMEM)
			goto out;
		walk_warn(w, r);
		r = 0;
		goto out;
	}
	old_on = o.mode && od == w->old_dev;
	new_on = n.mode && nd == w->new_dev;

	if (o.mode && n.mode) {
		unsigned what = old_on && new_on ? node_compare(&o, &n) : 0;

		/* Bytes compared only when asked, only where size and type say nothing. */
		if (old_on && new_on && (w->flags & TREE_DIFF_CHECKSUM) && S_ISREG(o.mode) &&
		    S_ISREG(n.mode) && o.size == n.size && o.size > 0) {
			int k = content_differs(w, old_dir, new_dir, name);
			if (k == -ENOMEM) {
				r = k;
				goto out;
			}
			if (k < 0)
				walk_warn(w, k);
			else if (k > 0)
				what |= TREE_DIFF_CONTENT;
		}
		/* A mount point on one side: only its presence counts. */
		if (what)
			r = report(w, TREE_MODIFIED, what, &o, &n);
	} else if (o.mode)
		r = report(w, TREE_REMOVED, 0, &o, NULL);
	else if (n.mode)
		r = report(w, TREE_ADDED, 0, NULL, &n);
	if (r < 0)
		goto out;

	/* Directories are entered (both, or the one there is: its contents are all added or
	 * removed; a directory replaced by a file has its contents removed). */
	/* A mount point on either side hides the volume's own directory on that side: the other
	 * side's contents there are not compared with it either (the origin's /dev, /proc, a data
	 * volume mounted below: what the snapshot has under them is not reported as removed). */
	if ((o.mode && !old_on) || (n.mode && !new_on))
		goto out;
	if ((old_on && S_ISDIR(o.mode)) || (new_on && S_ISDIR(n.mode))) {
		_cleanup_close_ int a = old_on && S_ISDIR(o.mode) ? open_dir(w, old_dir, name) : -1;
		_cleanup_close_ int b = new_on && S_ISDIR(n.mode) ? open_dir(w, new_dir, name) : -1;

		if (a >= 0 || b >= 0)
			r = walk_dirs(w, a, b);
	}
out:
	node_done(&o);
	node_done(&n);
	path_pop(w, saved);
	return r;
}

static int walk_dirs(struct walk *w, int old_dir, int new_dir)
{
	_cleanup_strv_ char **a = NULL, **b = NULL;
	size_t na = 0, nb = 0, i = 0, j = 0;
	int r;

	if (old_dir >= 0 && (r = list_names(old_dir, &a, &na)) < 0) {
		if (r == -ENOMEM)
			return r;
		walk_warn(w, r);
		return 0;
	}
	if (new_dir >= 0 && (r = list_names(new_dir, &b, &nb)) < 0) {
		if (r == -ENOMEM)
			return r;
		walk_warn(w, r);
		return 0;
	}
	while (i < na || j < nb) {
		int c = i >= na ? 1 : j >= nb ? -1 : strcmp(a[i], b[j]);

		if (c < 0)
			r = walk_name(w, old_dir, -1, a[i++]);
		else if (c > 0)
			r = walk_name(w, -1, new_dir, b[j++]);
		else {
			r = walk_name(w, old_dir, new_dir, a[i]);
			i++, j++;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* The roots themselves (their mode, owner, mtime): "/". */
static int walk_root(struct walk *w, int old_dir, int new_dir)
{
	struct tree_node o = {}, n = {};
	dev_t od, nd;
	unsigned what;
	int r;

	r = node_read(old_dir, ".", &o, &od);
	if (r >= 0)
		r = node_read(new_dir, ".", &n, &nd);
	if (r >= 0 && o.mode && n.mode && (what = node_compare(&o, &n))) {
		strcpy(w->path, "/");
		r = report(w, TREE_MODIFIED, what, &o, &n);
		w->path[0] = 0;
	}
	node_done(&o);
	node_done(&n);
	return r;
}

int tree_diff(int old_dir, int new_dir, tree_diff_fn fn, void *userdata,
	      struct tree_diff_stats *ret_stats)
{
	return tree_diff_full(old_dir, new_dir, 0, fn, userdata, ret_stats);
}

int tree_diff_full(int old_dir, int new_dir, unsigned flags, tree_diff_fn fn, void *userdata,
		   struct tree_diff_stats *ret_stats)
{
	struct walk w = {.flags = flags, .fn = fn, .userdata = userdata};
	struct stat so, sn;
	int r;

	if (fstat(old_dir, &so) < 0 || fstat(new_dir, &sn) < 0)
		return -errno;
	if (!S_ISDIR(so.st_mode) || !S_ISDIR(sn.st_mode))
		return -ENOTDIR;
	w.old_dev = so.st_dev;
	w.new_dev = sn.st_dev;
	w.size = 4096;
	w.path = malloc(w.size);
	if (!w.path)
		return -ENOMEM;
	w.path[0] = 0;
	r = walk_root(&w, old_dir, new_dir);
	if (r >= 0)
		r = walk_dirs(&w, old_dir, new_dir);
	free(w.path);
	free(w.buf);
	if (ret_stats)
		*ret_stats = w.stats;
	return r;
}

const char *tree_change_to_string(enum tree_change c)
{
	static const char *const s[_TREE_CHANGE_MAX] = {"added", "removed", "modified"};

	return c >= 0 && c < _TREE_CHANGE_MAX ? s[c] : NULL;
}

char tree_change_to_char(enum tree_change c)
{
	return c == TREE_ADDED ? 'A' : c == TREE_REMOVED ? 'D' : 'M';
}

void tree_diff_what_to_string(unsigned what, char *buf, size_t size)
{
	static const char *const names[_TREE_DIFF_BITS] = {
	    "type", "mode", "uid", "gid", "size", "mtime", "target", "rdev", "content"};
	size_t len = 0;

	if (size == 0)
		return;
	buf[0] = 0;
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (what & (1u << i)) {
			int k = snprintf(buf + len, size - len, "%s%s", len ? "," : "", names[i]);
			if (k < 0 || (size_t)k >= size - len)
				return;
			len += (size_t)k;
		}
}

const char *tree_type_to_string(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "file";
	case S_IFDIR:
		return "directory";
	case S_IFLNK:
		return "symlink";
	case S_IFBLK:
		return "block-device";
	case S_IFCHR:
		return "char-device";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "socket";
	default:
		return "unknown";
	}
}
