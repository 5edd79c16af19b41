/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "conf.h"
#include "policy.h"
#include "test.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

TEST(test_parse)
{
	struct policy p;

	CHECK_EQ_INT(policy_parse("2G", &p), 0);
	CHECK_EQ_INT(p.kind, POLICY_SIZE);
	CHECK_EQ_INT(p.value, 2 * GiB);
	CHECK_EQ_INT(policy_parse("512", &p), 0); /* M by default, like lvcreate -L */
	CHECK_EQ_INT(p.value, 512 * MiB);
	CHECK_EQ_INT(policy_parse("1.5g", &p), 0);
	CHECK_EQ_INT(p.value, 3 * GiB / 2);
	CHECK_EQ_INT(policy_parse("100K", &p), 0);
	CHECK_EQ_INT(p.value, 100 * 1024);
	CHECK_EQ_INT(policy_parse("1T", &p), 0);
	CHECK_EQ_INT(p.value, 1ULL << 40);
	CHECK_EQ_INT(policy_parse("25%SIZE", &p), 0);
	CHECK_EQ_INT(p.kind, POLICY_PCT_SIZE);
	CHECK_EQ_INT(p.value, 25);
	CHECK_EQ_INT(policy_parse("200%USED", &p), 0);
	CHECK_EQ_INT(p.kind, POLICY_PCT_USED);
	CHECK_EQ_INT(p.value, 200);
	CHECK_EQ_INT(policy_parse("50%free", &p), 0);
	CHECK_EQ_INT(p.kind, POLICY_PCT_FREE);
	CHECK_EQ_INT(p.chunk_kib, 0);
	/* The chunk size rides on any policy. */
	CHECK_EQ_INT(policy_parse("25%SIZE,chunk=64K", &p), 0);
	CHECK_EQ_INT(p.kind, POLICY_PCT_SIZE);
	CHECK_EQ_INT(p.value, 25);
	CHECK_EQ_INT(p.chunk_kib, 64);
	CHECK_EQ_INT(policy_parse("2G,chunk=4", &p), 0);
	CHECK_EQ_INT(p.value, 2 * GiB);
	CHECK_EQ_INT(p.chunk_kib, 4);
	CHECK_EQ_INT(policy_parse("1G,chunk=512k", &p), 0);
	CHECK_EQ_INT(p.chunk_kib, 512);
	{
		char buf[32];
		p = (struct policy){.kind = POLICY_SIZE, .value = 1ULL << 60, .chunk_kib = 512};
		CHECK_STREQ(policy_format(&p, buf, sizeof(buf)), "1152921504606846976B,chunk=512K");
		CHECK_EQ_INT(policy_parse("20%SIZE,chunk=16K", &p), 0);
		CHECK_STREQ(policy_format(&p, buf, sizeof(buf)), "20%SIZE,chunk=16K");
	}

	static const char *const bad[] = {"",
					  "G",
					  "-1G",
					  "1X",
					  "1GG",
					  "0",
					  "0%SIZE",
					  "%SIZE",
					  "10%",
					  "10%ALL",
					  "101%FREE",
					  "1e3",
					  "2 G",
					  "1001%SIZE",
					  "x%SIZE",
					  "1.G",
					  ".5G",
					  "10%SIZEx",
					  "2G,chunk=3K",
					  "2G,chunk=2K",
					  "2G,chunk=1024K",
					  "2G,chunk=",
					  "2G,chunk=64M",
					  "2G,",
					  ",chunk=64K",
					  "2G,size=4",
					  "2G,chunk=64K,chunk=64K",
					  "2G,chunk=-64K"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = policy_parse(bad[i], &p);
		if (r != -EINVAL)
			fprintf(stderr, "  '%s' -> %d\n", bad[i], r);
		CHECK_EQ_INT(r, -EINVAL);
	}
}

TEST(test_compute)
{
	struct policy p;
	struct policy_input in = {.origin_size = 10 * GiB,
				  .fs_used = 3 * GiB,
				  .vg_free = 8 * GiB,
				  .extent_size = 4 * MiB};
	uint64_t b;
	int fb;

	policy_parse("20%SIZE", &p);
	CHECK_EQ_INT(policy_compute(&p, &in, &b, &fb), 0);
	CHECK_EQ_INT(b, 2 * GiB);
	in.origin_size = 10 * GiB + MiB; /* 20% is 2048.2 MiB: rounded up to the extent */
	CHECK_EQ_INT(policy_compute(&p, &in, &b, &fb), 0);
	CHECK_EQ_INT(b, 2 * GiB + 4 * MiB);
	in.origin_size = 10 * GiB;
	policy_parse("200%USED", &p);
	CHECK_EQ_INT(policy_compute(&p, &in, &b, &fb), 0);
	CHECK_EQ_INT(b, 6 * GiB);
	CHECK_EQ_INT(fb, 0);
	policy_parse("50%FREE", &p);
	CHECK_EQ_INT(policy_compute(&p, &in, &b, &fb), 0);
	CHECK_EQ_INT(b, 4 * GiB);
	/* rounding up to the extent size */
	policy_parse("5M", &p);
	in.extent_size = 4 * MiB;
	CHECK_EQ_INT(policy_compute(&p, &in, &b, &fb), 0);
	CHECK_EQ_INT(b, POLICY_MIN_BYTES); /* and the minimum */
	policy_parse("33M", &p);
	CHECK_EQ_INT(policy_compute(&p, &in, &b, &fb), 0);
	CHECK_EQ_INT(b, 36 * MiB);
	/* a big extent: the minimum is one extent */
	in.extent_size = 64 * MiB;
	CHECK_EQ_INT(policy_compute(&p, &in, &b, &fb), 0);
	CHECK_EQ_INT(b, 64 * MiB);
	/* %USED of an unmounted volume: %SIZE, capped at 100 */
	in.extent_size = 4 * MiB;
	in.fs_used = UINT64_MAX;
	policy_parse("200%USED", &p);
	CHECK_EQ_INT(policy_compute(&p, &in, &b, &fb), 0);
	CHECK_EQ_INT(b, 10 * GiB);
	CHECK_EQ_INT(fb, 1);
	in.extent_size = 0;
	CHECK_EQ_INT(policy_compute(&p, &in, &b, &fb), -EINVAL);
}

TEST(test_volume_spec)
{
	struct volume_spec v;

	CHECK_EQ_INT(volume_spec_parse("vg0/root:2G", &v), 0);
	CHECK_STREQ(v.target, "vg0/root");
	CHECK(v.has_policy);
	CHECK_EQ_INT(v.policy.value, 2 * GiB);
	volume_spec_done(&v);
	CHECK_EQ_INT(volume_spec_parse("/:25%SIZE", &v), 0);
	CHECK_STREQ(v.target, "/");
	CHECK_EQ_INT(v.policy.kind, POLICY_PCT_SIZE);
	volume_spec_done(&v);
	CHECK_EQ_INT(volume_spec_parse("/srv", &v), 0);
	CHECK(!v.has_policy);
	volume_spec_done(&v);
	CHECK_EQ_INT(volume_spec_parse("/srv/a:b", &v), 0); /* a colon in a path, no policy */
	CHECK_STREQ(v.target, "/srv/a:b");
	volume_spec_done(&v);
	CHECK_EQ_INT(volume_spec_parse("/srv/db:25%SIZE,chunk=64K", &v), 0);
	CHECK_STREQ(v.target, "/srv/db");
	CHECK(v.has_policy && v.policy.chunk_kib == 64);
	volume_spec_done(&v);
	CHECK_EQ_INT(volume_spec_parse("vg0/root:lots", &v), -EINVAL);
	CHECK_EQ_INT(volume_spec_parse(":2G", &v), -EINVAL);
	CHECK_EQ_INT(volume_spec_parse("", &v), -EINVAL);
}

int main(void)
{
	int n_failed = 0;

	RUN(test_parse);
	RUN(test_compute);
	RUN(test_volume_spec);
	return n_failed ? 1 : 0;
}
