/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* sha256 through libcrypto: digest.c is the one file that calls it. */
#define DIGEST_SHA256_SIZE 32
#define DIGEST_SHA256_HEX  (2 * DIGEST_SHA256_SIZE + 1)

/* The sha256 of the file at path (a symlink is not followed), as lowercase hex with a NUL. */
int sha256_file(const char *path, char ret[static DIGEST_SHA256_HEX]);
/* The sha256 of len bytes at data. */
int sha256_buffer(const void *data, size_t len, uint8_t ret[static DIGEST_SHA256_SIZE]);
