/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for EFI variables (efivar.c): the input is a variable's file in efivarfs (a
 * 4-byte attribute word, then the data), read as systemd-boot's UTF-16LE string and as an
 * integer; the data alone also goes through the decoder, and what decodes must encode back to
 * the same string.
 */
#include <assert.h>

#include "efivar.h"
#include "fuzz.h"

#define NAME "LoaderEntryDefault"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *path = fuzz_path(NAME "-" EFI_LOADER_GUID);
	_cleanup_free_ char *s = NULL, *t = NULL, *v = NULL;
	_cleanup_free_ uint8_t *enc = NULL;
	size_t enc_size;
	uint64_t u;
	int r;

	fuzz_write(path, data, size);
	r = efivar_get_string(fuzz_tmpdir(), NAME, EFI_LOADER_GUID, &v);
	assert(r >= 0 || r == -EILSEQ || r == -EBADMSG || r == -E2BIG || r == -ENOMEM);
	r = efivar_get_u64(fuzz_tmpdir(), NAME, EFI_LOADER_GUID, &u);
	assert(r >= 0 || r == -EBADMSG || r == -E2BIG || r == -ENOMEM);

	if (utf16le_to_utf8(data, size, &s) < 0)
		return 0;
	assert(utf8_to_utf16le(s, &enc, &enc_size) == 0);
	assert(enc_size >= 2 && enc[enc_size - 1] == 0 && enc[enc_size - 2] == 0);
	assert(utf16le_to_utf8(enc, enc_size, &t) == 0);
	assert(streq(s, t));
	return 0;
}
