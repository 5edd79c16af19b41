/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sha256 of a file (the ESP manifest) and of a buffer (check's comparison of two binaries). */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>

#include "digest.h"
#include "util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD_CTX *, EVP_MD_CTX_free);

static int digest_chunk(const void *buf, size_t len, void *userdata)
{
	return EVP_DigestUpdate(userdata, buf, len) != 1 ? -EIO : 0;
}

int sha256_file(const char *path, char ret[static DIGEST_SHA256_HEX])
{
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = NULL;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int r;

	if (fd < 0)
		return -errno;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		return -EIO;
	r = read_chunks(fd, digest_chunk, ctx);
	if (r < 0)
		return r;
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != DIGEST_SHA256_SIZE)
		return -EIO;
	for (unsigned int i = 0; i < mdlen; i++)
		sprintf(ret + 2 * i, "%02x", md[i]);
	return 0;
}

int sha256_buffer(const void *data, size_t len, uint8_t ret[static DIGEST_SHA256_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != DIGEST_SHA256_SIZE)
		return -EIO;
	memcpy(ret, md, DIGEST_SHA256_SIZE);
	return 0;
}
