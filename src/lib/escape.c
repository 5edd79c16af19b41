/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Paths made safe to print (escape.h). */
#include <stdint.h>

#include "escape.h"
#include "util.h"

/* The length of the valid UTF-8 sequence at s (1..4), 0 when there is none; its code point in
 * *ret. */
static size_t utf8_char(const unsigned char *s, uint32_t *ret)
{
	uint32_t c;
	size_t n;

	if (s[0] < 0x80) {
		*ret = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond Unicode. */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*ret = c;
	return n;
}

bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;

	while (*p) {
		size_t n = utf8_char(p, &c);
		if (n == 0)
			return false;
		p += n;
	}
	return true;
}

char *path_escape(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(strlen(s) * 4 + 1), *o = out;
	static const char hex[] = "0123456789abcdef";

	if (!out)
		return NULL;
	while (*p) {
		uint32_t c = 0;
		size_t n = utf8_char(p, &c);

		if (n > 0 && c >= 0x20 && c != 0x7f && (c < 0x80 || c > 0x9f) && c != '\\') {
			memcpy(o, p, n);
			o += n;
			p += n;
			continue;
		}
		if (n == 1 && c == '\\') {
			*o++ = '\\';
			*o++ = '\\';
			p++;
			continue;
		}
		/* A control character (all of its bytes) or one byte that is not UTF-8. */
		for (size_t i = 0; i < (n ?: 1); i++) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[p[i] >> 4];
			*o++ = hex[p[i] & 15];
		}
		p += n ?: 1;
	}
	*o = 0;
	return out;
}
