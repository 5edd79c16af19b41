/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "util.h"

void strv_free(char **l)
{
	if (!l)
		return;
	for (char **i = l; *i; i++)
		free(*i);
	free(l);
}

size_t strv_length(char *const *l)
{
	size_t n = 0;

	while (l && l[n])
		n++;
	return n;
}

int strv_push(char ***l, char *value)
{
	size_t n = strv_length(*l);
	char **c;

	if (!value)
		return -ENOMEM;
	c = realloc(*l, sizeof(char *) * (n + 2));
	if (!c) {
		free(value);
		return -ENOMEM;
	}
	c[n] = value;
	c[n + 1] = NULL;
	*l = c;
	return 0;
}

int strv_extend(char ***l, const char *value)
{
	return strv_push(l, strdup(value));
}

bool strv_contains(char *const *l, const char *s)
{
	for (size_t i = 0; l && l[i]; i++)
		if (streq(l[i], s))
			return true;
	return false;
}

static char **strv_split_by(const char *s, bool (*is_sep)(char c, char sep), char sep)
{
	char **l = calloc(1, sizeof(char *));

	if (!l)
		return NULL;
	while (*s) {
		const char *e;

		while (*s && is_sep(*s, sep))
			s++;
		if (!*s)
			break;
		e = s;
		while (*e && !is_sep(*e, sep))
			e++;
		if (strv_push(&l, strndup(s, e - s)) < 0) {
			strv_free(l);
			return NULL;
		}
		s = e;
	}
	return l;
}

static bool is_ws(char c, char sep)
{
	return isspace((unsigned char)c);
}

static bool is_char(char c, char sep)
{
	return c == sep;
}

char **strv_split_ws(const char *s)
{
	return strv_split_by(s, is_ws, 0);
}

char **strv_split_char(const char *s, char sep)
{
	return strv_split_by(s, is_char, sep);
}

bool startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

char *strstrip(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

char *strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

int safe_atou64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int read_one_line_file(const char *path, char **ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t n = 0;

	if (!f)
		return -errno;
	if (getline(&line, &n, f) < 0) {
		free(line);
		if (ferror(f))
			return -EIO;
		line = strdup("");
		if (!line)
			return -ENOMEM;
	}
	line[strcspn(line, "\n")] = '\0';
	*ret = line;
	return 0;
}

int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int read_full(int fd, void *buf, size_t size, size_t *ret_len)
{
	size_t len = 0;

	while (len < size) {
		ssize_t k = read(fd, (uint8_t *)buf + len, size - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		len += (size_t)k;
	}
	*ret_len = len;
	return 0;
}

int write_all(int fd, const void *buf, size_t len)
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

int fsync_dir(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECTORY);

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

int path_parent(const char *path, char **ret)
{
	char *d = strdup(path), *slash;

	if (!d)
		return -ENOMEM;
	slash = strrchr(d, '/');
	if (!slash) {
		free(d);
		d = NULL;
	} else
		*slash = '\0';
	*ret = d;
	return 0;
}

int fsync_parent(const char *path)
{
	_cleanup_free_ char *d = NULL;
	int r = path_parent(path, &d);

	if (r < 0)
		return r;
	if (!d)
		return fsync_dir(".");
	return fsync_dir(*d ? d : "/");
}

int write_file_atomic_full(const char *path, const char *tmp, int (*fill)(int fd, const void *arg),
			   const void *arg)
{
	_cleanup_close_ int fd =
	    open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	int r;

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

int write_file_atomic(const char *path, const char *contents)
{
	/* The pid: two processes writing the same file do not share a temporary file. */
	_cleanup_free_ char *tmp = strdup_printf("%s.tmp.%d", path, (int)getpid());

	return tmp ? write_file_atomic_full(path, tmp, fill_string, contents) : -ENOMEM;
}

/* The child of spawn_capture(): never returns. Tells the parent exec's errno on errpipe. */
static _noreturn_ void spawn_child(char *const *argv, int out, int errpipe)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), e;
	sigset_t all;

	/* begin runs with signals blocked: the child should not inherit that. */
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(null, STDERR_FILENO) < 0)
		e = errno;
	else {
		execvp(argv[0], argv);
		e = errno;
	}
	(void)!write(errpipe, &e, sizeof(e));
	_exit(127);
}

int spawn_capture(char *const *argv, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	int out[2], err[2], status, e = 0, r = 0;
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		r = -errno;
		close(out[0]);
		close(out[1]);
		return r;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		spawn_child(argv, out[1], err[1]);
	if (pid < 0)
		r = -errno;
	close(out[1]);
	close(err[1]);
	while (r == 0) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536 + 1);

			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
			cap += 65536;
		}
		n = read(out[0], buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else if (n == 0)
			break;
		else if ((len += n) > max)
			r = -EFBIG;
	}
	close(out[0]); /* a child still writing gets SIGPIPE */
	if (pid > 0) {
		while (read(err[0], &e, sizeof(e)) < 0 && errno == EINTR)
			;
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR) {
				r = r ?: -errno;
				break;
			}
	}
	close(err[0]);
	if (r < 0)
		return r;
	if (e > 0)
		return -e; /* exec failed: -ENOENT when argv[0] is not installed */
	if (!buf && !(buf = strdup("")))
		return -ENOMEM;
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int read_chunks(int fd, int (*fn)(const void *buf, size_t len, void *userdata), void *userdata)
{
	uint8_t buf[64 * 1024];

	for (;;) {
		ssize_t k = read(fd, buf, sizeof(buf));
		int r;

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return 0;
		r = fn(buf, k, userdata);
		if (r < 0)
			return r;
	}
}

int string_table_lookup(const char *const *table, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (table[i] && streq(s, table[i]))
			return (int)i;
	return -1;
}
