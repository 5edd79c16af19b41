/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* NULL-terminated string vectors. */
void strv_free(char **l);
static inline void strv_freep(char ***l)
{
	strv_free(*l);
}
size_t strv_length(char *const *l);
int strv_push(char ***l, char *value); /* takes ownership of value, even on failure */
int strv_extend(char ***l, const char *value);
bool strv_contains(char *const *l, const char *s);
/* Split on whitespace; NULL on OOM. */
char **strv_split_ws(const char *s);
/* Split on one separator character, keeping empty fields out. */
char **strv_split_char(const char *s, char sep);

bool startswith(const char *s, const char *prefix);
char *strstrip(char *s);
_printf_(1, 2) char *strdup_printf(const char *fmt, ...);

/* Parse a decimal uint64; -EINVAL on garbage, -ERANGE on overflow. */
int safe_atou64(const char *s, uint64_t *ret);

int read_one_line_file(const char *path, char **ret);
/* Read fd to its end in chunks, handing each to fn; stops at the first error. */
int read_chunks(int fd, int (*fn)(const void *buf, size_t len, void *userdata), void *userdata);
int mkdir_p(const char *path, mode_t mode);
/* Read fd into buf up to its end or size bytes, again after a short read or EINTR; *ret_len:
 * how many were read. */
int read_full(int fd, void *buf, size_t size, size_t *ret_len);
/* Write all of buf, again after a short write or EINTR. */
int write_all(int fd, const void *buf, size_t len);
int fsync_dir(const char *path);
/* The part of path before its last '/' ("" for "/x"); *ret NULL when there is no '/'. */
int path_parent(const char *path, char **ret);
/* fsync() the directory path is in ("." when path has no '/'). */
int fsync_parent(const char *path);
/*
 * The one atomic writer: fill() writes the contents to tmp, a temporary file in path's directory
 * (opened O_CREAT|O_TRUNC|O_NOFOLLOW|O_CLOEXEC, 0644: never through a symlink), which is
 * fsync()ed and renamed over path (rename replaces a symlink at path, never follows it), then
 * the directory is fsync()ed. On failure tmp is removed and path is as it was.
 */
int write_file_atomic_full(const char *path, const char *tmp, int (*fill)(int fd, const void *arg),
			   const void *arg);
/* write_file_atomic_full() with contents, through path.tmp.PID. */
int write_file_atomic(const char *path, const char *contents);

/* The index of s in table (n names, NULL entries skipped), or -1 (also for s NULL): the reverse
 * of a designated-initializer name table of an enum. */
int string_table_lookup(const char *const *table, size_t n, const char *s);

/*
 * Run argv[0] (from PATH when it has no '/') with argv, without a shell; stdin and stderr are
 * /dev/null, no signal blocked. Its standard output, up to max bytes, in *ret (NUL-terminated;
 * *ret_len, when not NULL, without the NUL). Returns its exit status (128 + N: killed by signal
 * N), or negative errno: exec's when argv[0] could not be run (-ENOENT: not installed), -EFBIG
 * when it printed more than max.
 */
int spawn_capture(char *const *argv, size_t max, char **ret, size_t *ret_len);
