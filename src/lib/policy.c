/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>

#include "policy.h"
#include "util.h"

static int parse_percent(const char *s, const char *suffix, uint64_t max, uint64_t *ret)
{
	uint64_t v;
	size_t n = strcspn(s, "%");
	_cleanup_free_ char *num = strndup(s, n);

	if (!num)
		return -ENOMEM;
	if (s[n] != '%' || strcasecmp(s + n + 1, suffix) != 0)
		return -EINVAL;
	if (safe_atou64(num, &v) < 0 || v == 0 || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "C" or "CK": KiB, a power of two from 4 to 512 (what lvcreate -c takes for a snapshot). */
static int parse_chunk(const char *s, uint32_t *ret)
{
	_cleanup_free_ char *num = NULL;
	size_t n = strspn(s, "0123456789");
	uint64_t v;

	if (n == 0 || (s[n] && (toupper((unsigned char)s[n]) != 'K' || s[n + 1])))
		return -EINVAL;
	num = strndup(s, n);
	if (!num)
		return -ENOMEM;
	if (safe_atou64(num, &v) < 0 || v < 4 || v > 512 || (v & (v - 1)))
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static int parse_size(const char *s, struct policy *ret);

int policy_parse(const char *s, struct policy *ret)
{
	_cleanup_free_ char *size = NULL;
	const char *comma = s ? strchr(s, ',') : NULL;
	struct policy p = {};
	int r;

	if (!comma)
		r = parse_size(s, &p);
	else if (!startswith(comma, ",chunk=") || !(size = strndup(s, comma - s)))
		r = size || !startswith(comma, ",chunk=") ? -EINVAL : -ENOMEM;
	else {
		r = parse_size(size, &p);
		if (r >= 0)
			r = parse_chunk(comma + strlen(",chunk="), &p.chunk_kib);
	}
	if (r < 0)
		return r;
	*ret = p;
	return 0;
}

static int parse_size(const char *s, struct policy *ret)
{
	static const struct {
		const char *suffix;
		enum policy_kind kind;
		uint64_t max;
	} pct[] = {
	    {"SIZE", POLICY_PCT_SIZE, POLICY_PCT_MAX},
	    {"USED", POLICY_PCT_USED, POLICY_PCT_MAX},
	    {"FREE", POLICY_PCT_FREE, 100},
	};
	const char *p;
	double v;
	int shift = 20;

	if (!s || !*s)
		return -EINVAL;
	if (strchr(s, '%')) {
		for (size_t i = 0; i < ELEMENTSOF(pct); i++) {
			const char *suf = strchr(s, '%') + 1;
			if (strcasecmp(suf, pct[i].suffix) == 0) {
				ret->kind = pct[i].kind;
				return parse_percent(s, pct[i].suffix, pct[i].max, &ret->value);
			}
		}
		return -EINVAL;
	}
	/* Digits, an optional fraction, an optional unit; nothing else (no sign, no exponent). */
	p = s;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p) {
		switch (toupper((unsigned char)*p)) {
		case 'B':
			shift = 0;
			break;
		case 'K':
			shift = 10;
			break;
		case 'M':
			shift = 20;
			break;
		case 'G':
			shift = 30;
			break;
		case 'T':
			shift = 40;
			break;
		default:
			return -EINVAL;
		}
		if (p[1])
			return -EINVAL;
	}
	v = strtod(s, NULL) * (double)(1ULL << shift);
	if (!(v >= 1) || v > (double)(1ULL << 60))
		return -EINVAL;
	ret->kind = POLICY_SIZE;
	ret->value = (uint64_t)v;
	if ((double)ret->value < v)
		ret->value++; /* round a fraction of a byte up */
	return 0;
}

const char *policy_format(const struct policy *p, char *buf, size_t size)
{
	switch (p->kind) {
	case POLICY_SIZE:
		snprintf(buf, size, "%" PRIu64 "B", p->value);
		break;
	case POLICY_PCT_SIZE:
		snprintf(buf, size, "%" PRIu64 "%%SIZE", p->value);
		break;
	case POLICY_PCT_USED:
		snprintf(buf, size, "%" PRIu64 "%%USED", p->value);
		break;
	case POLICY_PCT_FREE:
		snprintf(buf, size, "%" PRIu64 "%%FREE", p->value);
		break;
	}
	if (p->chunk_kib) {
		size_t n = strlen(buf);
		snprintf(buf + n, size - n, ",chunk=%" PRIu32 "K", p->chunk_kib);
	}
	return buf;
}

static int pct_of(uint64_t base, uint64_t pct, uint64_t *ret)
{
	/* base * pct / 100 rounded up, without overflowing for any realistic base. */
	unsigned __int128 v = ((unsigned __int128)base * pct + 99) / 100;

	if (v > UINT64_MAX / 2)
		return -ERANGE;
	*ret = (uint64_t)v;
	return 0;
}

int policy_compute(const struct policy *p, const struct policy_input *in, uint64_t *ret,
		   int *ret_fallback)
{
	uint64_t bytes = 0, min;
	int r = 0;

	if (in->extent_size == 0)
		return -EINVAL;
	if (ret_fallback)
		*ret_fallback = 0;
	switch (p->kind) {
	case POLICY_SIZE:
		bytes = p->value;
		break;
	case POLICY_PCT_SIZE:
		r = pct_of(in->origin_size, p->value, &bytes);
		break;
	case POLICY_PCT_USED:
		if (in->fs_used == UINT64_MAX) {
			r = pct_of(in->origin_size, MIN(p->value, 100), &bytes);
			if (ret_fallback)
				*ret_fallback = 1;
		} else
			r = pct_of(in->fs_used, p->value, &bytes);
		break;
	case POLICY_PCT_FREE:
		r = pct_of(in->vg_free, p->value, &bytes);
		break;
	}
	if (r < 0)
		return r;
	min = (POLICY_MIN_BYTES + in->extent_size - 1) / in->extent_size * in->extent_size;
	if (bytes < min)
		bytes = min;
	if (bytes > UINT64_MAX - in->extent_size)
		return -ERANGE;
	*ret = (bytes + in->extent_size - 1) / in->extent_size * in->extent_size;
	return 0;
}
