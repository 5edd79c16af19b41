/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* util.c's one atomic writer: contents in place, no temporary file left, never through a link. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "util.h"

TEST(test_write_file_atomic)
{
	char dir[] = "/tmp/rewind-util-XXXXXX";
	_cleanup_free_ char *f = NULL, *tmp = NULL, *other = NULL, *s = NULL;

	CHECK(mkdtemp(dir) != NULL);
	f = strdup_printf("%s/f", dir);
	tmp = strdup_printf("%s/f.tmp.%d", dir, (int)getpid());
	other = strdup_printf("%s/other", dir);
	CHECK(f && tmp && other);
	CHECK_EQ_INT(write_file_atomic(f, "one\n"), 0);
	CHECK_EQ_INT(write_file_atomic(f, "two\n"), 0);
	CHECK_EQ_INT(read_one_line_file(f, &s), 0);
	CHECK(s && streq(s, "two"));
	CHECK(access(tmp, F_OK) < 0 && errno == ENOENT);
	/* A link planted at the temporary name is not written through; f stays as it was. */
	CHECK_EQ_INT(write_file_atomic(other, "keep\n"), 0);
	CHECK_EQ_INT(symlink(other, tmp), 0);
	CHECK_EQ_INT(write_file_atomic(f, "three\n"), -ELOOP);
	free(s);
	s = NULL;
	CHECK_EQ_INT(read_one_line_file(other, &s), 0);
	CHECK(s && streq(s, "keep"));
	free(s);
	s = NULL;
	CHECK_EQ_INT(read_one_line_file(f, &s), 0);
	CHECK(s && streq(s, "two"));
	unlink(tmp);
	unlink(other);
	unlink(f);
	rmdir(dir);
}

TEST(test_read_full)
{
	char buf[8];
	size_t n = 99;
	int fd[2];

	CHECK_EQ_INT(pipe(fd), 0);
	CHECK_EQ_INT(write(fd[1], "abc", 3), 3);
	CHECK_EQ_INT(write(fd[1], "defghij", 7), 7); /* two writes: two reads */
	CHECK_EQ_INT(read_full(fd[0], buf, sizeof(buf), &n), 0);
	CHECK_EQ_INT(n, 8); /* up to size, no further */
	CHECK(memcmp(buf, "abcdefgh", 8) == 0);
	close(fd[1]);
	CHECK_EQ_INT(read_full(fd[0], buf, sizeof(buf), &n), 0);
	CHECK_EQ_INT(n, 2); /* up to the end */
	CHECK(memcmp(buf, "ij", 2) == 0);
	close(fd[0]);
	CHECK_EQ_INT(read_full(fd[0], buf, sizeof(buf), &n), -EBADF);
}

int main(void)
{
	int n_failed = 0;

	RUN(test_write_file_atomic);
	RUN(test_read_full);
	return n_failed ? 1 : 0;
}
