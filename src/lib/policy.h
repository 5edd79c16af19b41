/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Snapshot size policies, in snapm's forms: 2G, 25%SIZE, 200%USED, 50%FREE. */
enum policy_kind {
	POLICY_SIZE,	 /* absolute bytes */
	POLICY_PCT_SIZE, /* percent of the origin LV's size */
	POLICY_PCT_USED, /* percent of the filesystem's used space */
	POLICY_PCT_FREE, /* percent of the VG's free space */
};

struct policy {
	enum policy_kind kind;
	uint64_t value; /* bytes for POLICY_SIZE, else percent */
	/* The snapshot's chunk size (lvcreate -c), in KiB: a power of two from 4 to 512; 0: LVM's
	 * default (4 KiB). Not used for a thin snapshot (its pool's chunk size applies). */
	uint32_t chunk_kib;
};

#define POLICY_DEFAULT	 "20%SIZE"
#define POLICY_MIN_BYTES (32ULL << 20)
#define POLICY_PCT_MAX	 1000

/*
 * SIZE is a number with an optional fraction and unit B, K, M, G, T (binary; case-insensitive;
 * M when omitted, as for lvcreate -L). N is an integer 1..1000 (1..100 for FREE). Any of them may
 * end in ",chunk=C": C a power of two from 4K to 512K (K optional).
 */
int policy_parse(const char *s, struct policy *ret);
/* Format back to the canonical text (buffer of at least 32 bytes). */
const char *policy_format(const struct policy *p, char *buf, size_t size);

struct policy_input {
	uint64_t origin_size;
	uint64_t fs_used; /* UINT64_MAX when not known (volume not mounted) */
	uint64_t vg_free;
	uint64_t extent_size;
};

/*
 * Bytes for one snapshot: rounded up to the extent size, at least POLICY_MIN_BYTES (itself
 * rounded to extents). N%USED of an unmounted volume falls back to min(N,100)%SIZE, and
 * *ret_fallback is set so the caller can warn. -EINVAL on a zero extent size, -ERANGE on overflow.
 */
int policy_compute(const struct policy *p, const struct policy_input *in, uint64_t *ret,
		   int *ret_fallback);
