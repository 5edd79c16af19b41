/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* digest.c: sha256 of a buffer and of a file (FIPS 180-2 test vector "abc"). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "test.h"
#include "util.h"

#define ABC_HEX "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

TEST(test_buffer)
{
	uint8_t md[DIGEST_SHA256_SIZE];
	char hex[DIGEST_SHA256_HEX];

	CHECK_EQ_INT(sha256_buffer("abc", 3, md), 0);
	for (size_t i = 0; i < sizeof(md); i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	CHECK(streq(hex, ABC_HEX));
}

TEST(test_file)
{
	char dir[] = "/tmp/rewind-digest-XXXXXX", hex[DIGEST_SHA256_HEX];
	_cleanup_free_ char *f = NULL, *l = NULL;
	FILE *fp;

	CHECK(mkdtemp(dir) != NULL);
	f = strdup_printf("%s/f", dir);
	l = strdup_printf("%s/l", dir);
	CHECK(f && l);
	fp = fopen(f, "we");
	CHECK(fp != NULL);
	fputs("abc", fp);
	fclose(fp);
	CHECK_EQ_INT(sha256_file(f, hex), 0);
	CHECK(streq(hex, ABC_HEX));
	/* A symlink is not followed. */
	CHECK_EQ_INT(symlink(f, l), 0);
	CHECK(sha256_file(l, hex) < 0);
	CHECK(sha256_file("/nonexistent/x", hex) == -ENOENT);
	unlink(l);
	unlink(f);
	rmdir(dir);
}

int main(void)
{
	int n_failed = 0;

	RUN(test_buffer);
	RUN(test_file);
	return n_failed ? 1 : 0;
}
