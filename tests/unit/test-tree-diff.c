/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rewind diff's comparison engine on temporary trees, and the escaping of what it prints. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>

#include "escape.h"
#include "test.h"
#include "tree-diff.h"
#include "util.h"

/* Every change as "C /path what" lines (what: tree_diff_what_to_string) */
struct collect {
	char *text;
	size_t len;
};

static int collect_fn(void *userdata, const struct tree_diff_entry *e)
{
	struct collect *c = userdata;
	_cleanup_free_ char *p = path_escape(e->path);
	char what[128];
	char *line, *n;

	tree_diff_what_to_string(e->what, what, sizeof(what));
	line =
	    strdup_printf("%c %s%s%s\n", tree_change_to_char(e->change), p, *what ? " " : "", what);
	if (!line)
		return -ENOMEM;
	n = strdup_printf("%s%s", c->text ?: "", line);
	free(line);
	if (!n)
		return -ENOMEM;
	free(c->text);
	c->text = n;
	return 0;
}

static char dir_old[256], dir_new[256];

/* root/rel in one of four static buffers (a call's arguments). */
static const char *at(const char *root, const char *rel)
{
	static char buf[4][512];
	static unsigned k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", root, rel);
	return buf[k];
}

static void mk(const char *root, const char *rel, const char *contents)
{
	_cleanup_free_ char *p = strdup_printf("%s/%s", root, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_EQ_INT(write_all(fd, contents, strlen(contents)), 0);
		close(fd);
	}
}

static void mkd(const char *root, const char *rel)
{
	_cleanup_free_ char *p = strdup_printf("%s/%s", root, rel);

	CHECK_EQ_INT(mkdir(p, 0755), 0);
}

/* The same file in both trees, same mtime. */
static void same(const char *rel, const char *contents)
{
	struct timespec ts[2] = {{.tv_sec = 1700000000, .tv_nsec = 5},
				 {.tv_sec = 1700000000, .tv_nsec = 5}};

	mk(dir_old, rel, contents);
	mk(dir_new, rel, contents);
	CHECK_EQ_INT(utimensat(AT_FDCWD, at(dir_old, rel), ts, 0), 0);
	CHECK_EQ_INT(utimensat(AT_FDCWD, at(dir_new, rel), ts, 0), 0);
}

static void trees_init(void)
{
	static unsigned n;

	/* test_setup() may keep the temporary directory: trees of their own. */
	n++;
	snprintf(dir_old, sizeof(dir_old), "%s/old%u", test_tmpdir, n);
	snprintf(dir_new, sizeof(dir_new), "%s/new%u", test_tmpdir, n);
	CHECK_EQ_INT(mkdir(dir_old, 0755), 0);
	CHECK_EQ_INT(mkdir(dir_new, 0755), 0);
}

/* Directory mtimes change with every file created in them: set every directory's alike. */
static void dir_times(const char *rel)
{
	struct timespec ts[2] = {{.tv_sec = 1600000000}, {.tv_sec = 1600000000}};

	(void)utimensat(AT_FDCWD, at(dir_old, rel), ts, 0);
	(void)utimensat(AT_FDCWD, at(dir_new, rel), ts, 0);
}

static int run_diff(const char *a, const char *b, struct collect *c, struct tree_diff_stats *st)
{
	_cleanup_close_ int fa = open(a, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fb = open(b, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return tree_diff(fa, fb, collect_fn, c, st);
}

TEST(test_diff_changes)
{
	struct collect c = {};
	struct tree_diff_stats st;

	trees_init();
	same("same", "x");
	same("size", "x");
	mk(dir_new, "size", "xy"); /* size and mtime */
	same("perm", "p");
	CHECK_EQ_INT(chmod(at(dir_new, "perm"), 0600), 0);
	mk(dir_old, "gone", "g");
	mk(dir_new, "new", "n");
	CHECK_EQ_INT(symlink("one", at(dir_old, "link")), 0);
	CHECK_EQ_INT(symlink("two", at(dir_new, "link")), 0);
	CHECK_EQ_INT(symlink("same", at(dir_old, "link2")), 0);
	CHECK_EQ_INT(symlink("same", at(dir_new, "link2")), 0);
	/* A file that became a directory, with a file in it. */
	mk(dir_old, "type", "t");
	mkd(dir_new, "type");
	mk(dir_new, "type/inner", "i");
	/* A nested directory removed. */
	mkd(dir_old, "tree");
	mkd(dir_old, "tree/sub");
	mk(dir_old, "tree/sub/leaf", "l");
	mkd(dir_new, "kept");
	mkd(dir_old, "kept");
	/* Symlinks made a moment apart: the same times, as for the files. */
	for (size_t i = 0; i < 2; i++) {
		struct timespec ts[2] = {{.tv_sec = 1700000000}, {.tv_sec = 1700000000}};
		const char *root = i ? dir_new : dir_old;

		CHECK_EQ_INT(utimensat(AT_FDCWD, at(root, "link"), ts, AT_SYMLINK_NOFOLLOW), 0);
		CHECK_EQ_INT(utimensat(AT_FDCWD, at(root, "link2"), ts, AT_SYMLINK_NOFOLLOW), 0);
	}
	dir_times("");
	dir_times("kept");
	{
		struct timespec ts[2] = {{.tv_sec = 1600000000}, {.tv_sec = 1600000000}};
		CHECK_EQ_INT(utimensat(AT_FDCWD, at(dir_new, "type"), ts, 0), 0);
	}
	CHECK_EQ_INT(run_diff(dir_old, dir_new, &c, &st), 0);
	CHECK_STREQ(c.text, "D /gone\n"
			    "M /link target\n"
			    "A /new\n"
			    "M /perm mode\n"
			    "M /size size,mtime\n"
			    "D /tree\n"
			    "D /tree/sub\n"
			    "D /tree/sub/leaf\n"
			    "M /type type\n"
			    "A /type/inner\n");
	CHECK_EQ_INT(st.added, 2);
	CHECK_EQ_INT(st.removed, 4);
	CHECK_EQ_INT(st.modified, 4);
	CHECK_EQ_INT(st.errors, 0);
	CHECK_EQ_INT(st.compared, 13);
	free(c.text);
}

/* Same size and mtime: unchanged, whatever the contents (the quick check, documented). */
TEST(test_diff_quick_check)
{
	struct collect c = {};

	trees_init();
	same("f", "aaaa");
	mk(dir_new, "f", "bbbb");
	{
		struct timespec ts[2] = {{.tv_sec = 1700000000, .tv_nsec = 5},
					 {.tv_sec = 1700000000, .tv_nsec = 5}};
		CHECK_EQ_INT(utimensat(AT_FDCWD, at(dir_new, "f"), ts, 0), 0);
	}
	dir_times("");
	CHECK_EQ_INT(run_diff(dir_old, dir_new, &c, NULL), 0);
	CHECK(c.text == NULL);
	/* A nanosecond apart is a change. */
	{
		struct timespec ts[2] = {{.tv_sec = 1700000000, .tv_nsec = 6},
					 {.tv_sec = 1700000000, .tv_nsec = 6}};
		CHECK_EQ_INT(utimensat(AT_FDCWD, at(dir_new, "f"), ts, 0), 0);
	}
	CHECK_EQ_INT(run_diff(dir_old, dir_new, &c, NULL), 0);
	CHECK_STREQ(c.text, "M /f mtime\n");
	free(c.text);
}

/* --checksum: same size and mtime, other bytes: "content"; the same bytes: unchanged. */
TEST(test_diff_checksum)
{
	struct collect c = {};
	struct timespec ts[2] = {{.tv_sec = 1700000000, .tv_nsec = 5},
				 {.tv_sec = 1700000000, .tv_nsec = 5}};
	_cleanup_close_ int a = -1, b = -1;

	trees_init();
	same("f", "aaaa");
	same("g", "same");
	mk(dir_new, "f", "bbbb");
	CHECK_EQ_INT(utimensat(AT_FDCWD, at(dir_new, "f"), ts, 0), 0);
	dir_times("");
	a = open(dir_old, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	b = open(dir_new, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK_EQ_INT(tree_diff_full(a, b, TREE_DIFF_CHECKSUM, collect_fn, &c, NULL), 0);
	CHECK_STREQ(c.text, "M /f content\n");
	free(c.text);
}

/* Names are bytes: a newline, an escape, invalid UTF-8 come out escaped, one line each. */
TEST(test_diff_names_escaped)
{
	struct collect c = {};

	trees_init();
	mk(dir_new, "a\nb", "");
	mk(dir_new, "esc\x1b[31m", "");
	mk(dir_new, "bad\xff", "");
	mk(dir_new, "caf\xc3\xa9", "");
	mk(dir_new, "back\\slash", "");
	dir_times("");
	CHECK_EQ_INT(run_diff(dir_old, dir_new, &c, NULL), 0);
	/* Sorted by bytes. */
	CHECK_STREQ(c.text, "A /a\\x0ab\n"
			    "A /back\\\\slash\n"
			    "A /bad\\xff\n"
			    "A /caf\xc3\xa9\n"
			    "A /esc\\x1b[31m\n");
	free(c.text);
}

TEST(test_escape)
{
	static const struct {
		const char *in, *out;
		bool utf8;
	} t[] = {
	    {"/plain/path name", "/plain/path name", true},
	    {"/tab\there", "/tab\\x09here", true},
	    {"\x7f", "\\x7f", true},
	    {"\xc2\x9b", "\\xc2\\x9b", true},		/* C1 CSI as UTF-8 */
	    {"\xe2\x82\xac", "\xe2\x82\xac", true},	/* the euro sign */
	    {"\xc0\xaf", "\\xc0\\xaf", false},		/* overlong '/' */
	    {"\xed\xa0\x80", "\\xed\\xa0\\x80", false}, /* a surrogate */
	    {"\xe2\x82", "\\xe2\\x82", false},		/* cut short */
	    {"\\x41", "\\\\x41", true},
	    {"", "", true},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		_cleanup_free_ char *e = path_escape(t[i].in);

		CHECK_STREQ(e, t[i].out);
		CHECK_EQ_INT(utf8_valid(t[i].in), t[i].utf8);
	}
}

/* A file system mounted below the root is not entered: /dev/pts or /dev/shm, when the test
 * machine has them mounted (skipped otherwise). */
TEST(test_diff_mount_boundary)
{
	struct collect c = {};
	struct stat dev, pts;
	const char *sub = NULL;

	if (stat("/dev", &dev) < 0)
		return;
	if (stat("/dev/pts", &pts) == 0 && pts.st_dev != dev.st_dev)
		sub = "pts";
	else if (stat("/dev/shm", &pts) == 0 && pts.st_dev != dev.st_dev)
		sub = "shm";
	if (!sub) {
		fprintf(stderr, "  (no file system mounted below /dev: boundary not tested)\n");
		return;
	}
	trees_init();
	CHECK_EQ_INT(run_diff(dir_old, "/dev", &c, NULL), 0);
	{
		_cleanup_free_ char *line = strdup_printf("A /%s\n", sub);
		_cleanup_free_ char *below = strdup_printf("A /%s/", sub);

		CHECK(c.text && strstr(c.text, line));
		CHECK(c.text && !strstr(c.text, below));
	}
	free(c.text);
	c.text = NULL;
	/* Present on both sides: a mount point is not compared, and what the other side has
	 * below it is not entered either. */
	mkd(dir_old, sub);
	{
		char rel[64];

		snprintf(rel, sizeof(rel), "%s/hidden", sub);
		mk(dir_old, rel, "h");
	}
	CHECK_EQ_INT(chmod(at(dir_old, sub), 0700), 0);
	CHECK_EQ_INT(run_diff(dir_old, "/dev", &c, NULL), 0);
	{
		_cleanup_free_ char *line = strdup_printf(" /%s\n", sub);
		_cleanup_free_ char *below = strdup_printf(" /%s/", sub);
		CHECK(c.text && !strstr(c.text, line));
		CHECK(c.text && !strstr(c.text, below));
	}
	free(c.text);
}

/* The roots are compared too: "/". */
TEST(test_diff_root)
{
	struct collect c = {};

	trees_init();
	dir_times("");
	CHECK_EQ_INT(chmod(dir_new, 0700), 0);
	CHECK_EQ_INT(run_diff(dir_old, dir_new, &c, NULL), 0);
	CHECK_STREQ(c.text, "M / mode\n");
	free(c.text);
}

/* The callback stops the walk. */
static int stop_fn(void *userdata, const struct tree_diff_entry *e)
{
	(*(int *)userdata)++;
	return -ECANCELED;
}

TEST(test_diff_stop)
{
	_cleanup_close_ int a = -1, b = -1;
	int n = 0;

	trees_init();
	mk(dir_new, "one", "");
	mk(dir_new, "two", "");
	a = open(dir_old, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	b = open(dir_new, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK_EQ_INT(tree_diff(a, b, stop_fn, &n, NULL), -ECANCELED);
	CHECK_EQ_INT(n, 1);
}

int main(void)
{
	int n_failed = 0;

	RUN(test_diff_changes);
	RUN(test_diff_quick_check);
	RUN(test_diff_checksum);
	RUN(test_diff_names_escaped);
	RUN(test_escape);
	RUN(test_diff_mount_boundary);
	RUN(test_diff_root);
	RUN(test_diff_stop);
	return n_failed ? 1 : 0;
}
