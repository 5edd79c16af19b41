/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the libFuzzer targets share: a scratch directory per process (removed at exit), files
 * written from the input, the input split into parts at lines "%%".
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[256];

static void fuzz_cleanup(void)
{
	_cleanup_free_ char *cmd = strdup_printf("rm -rf '%s'", fuzz_dir);

	if (cmd && system(cmd) != 0)
		return;
}

/* The scratch directory, created at the first call, removed at exit: in /dev/shm when it can be
 * (the ESP code fsync()s every write: on a disk that is most of the time), else $TMPDIR or /tmp. */
static inline const char *fuzz_tmpdir(void)
{
	if (!fuzz_dir[0]) {
		const char *tmp = getenv("TMPDIR");

		if (access("/dev/shm", W_OK) == 0)
			tmp = "/dev/shm";
		snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/rewind-fuzz-XXXXXX",
			 tmp && *tmp && strlen(tmp) < 200 ? tmp : "/tmp");
		if (!mkdtemp(fuzz_dir))
			abort();
		atexit(fuzz_cleanup);
	}
	return fuzz_dir;
}

/* tmpdir/name (caller frees). */
static inline char *fuzz_path(const char *name)
{
	char *p = strdup_printf("%s/%s", fuzz_tmpdir(), name);

	if (!p)
		abort();
	return p;
}

/* Write exactly these bytes to path (created or truncated); aborts on failure. */
static inline void fuzz_write(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size) || close(fd) < 0)
		abort();
}

/*
 * The next part of the input: up to a line that is exactly "%%" (or the end), without the
 * newline that ends the part. *data and *size
 * move past it. Returns a NUL-terminated copy (NUL bytes inside stay; C parsers stop there).
 */
static inline char *fuzz_next_part(const uint8_t **data, size_t *size, size_t *ret_len)
{
	const uint8_t *p = *data, *end = p + *size, *cut = end, *next = end;
	char *s;

	for (const uint8_t *q = p; q + 2 <= end; q++)
		if ((q == p || q[-1] == '\n') && q[0] == '%' && q[1] == '%' &&
		    (q + 2 == end || q[2] == '\n')) {
			cut = q == p ? q : q - 1; /* without the newline before "%%" */
			next = q + 2 < end ? q + 3 : end;
			break;
		}
	s = malloc(cut - p + 1);
	if (!s)
		abort();
	memcpy(s, p, cut - p);
	s[cut - p] = '\0';
	if (ret_len)
		*ret_len = cut - p;
	*size -= next - p;
	*data = next;
	return s;
}

/* The whole file (at most 1 MiB) as a string, or NULL when it cannot be read. */
static inline char *fuzz_read(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char *s = f ? calloc(1, 1024 * 1024 + 1) : NULL;

	if (s && fread(s, 1, 1024 * 1024, f) == 0 && ferror(f)) {
		free(s);
		return NULL;
	}
	return s;
}
