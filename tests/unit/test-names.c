/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "names.h"
#include "test.h"
#include "util.h"

TEST(test_lv_names)
{
	CHECK_EQ_INT(name_valid_lv("root"), 0);
	CHECK_EQ_INT(name_valid_lv("root-rewind-20261125-101010"), 0);
	CHECK_EQ_INT(name_valid_lv("a.b+c_d-e"), 0);
	CHECK_EQ_INT(name_valid_lv(""), -EINVAL);
	CHECK_EQ_INT(name_valid_lv("-root"), -EINVAL);
	CHECK_EQ_INT(name_valid_lv("."), -EINVAL);
	CHECK_EQ_INT(name_valid_lv(".."), -EINVAL);
	CHECK_EQ_INT(name_valid_lv("snapshot1"), -EINVAL);
	CHECK_EQ_INT(name_valid_lv("pvmove0"), -EINVAL);
	CHECK_EQ_INT(name_valid_lv("data_mlog"), -EINVAL);
	CHECK_EQ_INT(name_valid_lv("x_rimage_1"), -EINVAL);
	CHECK_EQ_INT(name_valid_lv("pool_tmeta"), -EINVAL);
	CHECK_EQ_INT(name_valid_lv("a_cdata"), -EINVAL);
	CHECK_EQ_INT(name_valid_lv("a_vorigin"), -EINVAL);
	CHECK_EQ_INT(name_valid_lv("a_pmspare"), -EINVAL);
	CHECK_EQ_INT(name_valid_lv("a_wcorig"), -EINVAL);
}

TEST(test_metacharacters)
{
	static const char *const bad[] = {"a b",  "a'b", "a\"b", "a;b", "a$b", "a`b", "a|b", "a&b",
					  "a\\b", "a/b", "a\nb", "a*b", "a#b", "a(b", "é"};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		CHECK(name_valid_lv(bad[i]) < 0);
		CHECK(name_valid_vg(bad[i]) < 0);
		CHECK(name_valid_txid(bad[i]) < 0);
	}
	/* Tags allow / = ! : & # but nothing that splits a word or quotes. */
	CHECK_EQ_INT(name_valid_tag("rewind:mnt=/srv/a#20b"), 0);
	CHECK_EQ_INT(name_valid_tag("a!b&c"), 0);
	CHECK(name_valid_tag("a b") < 0);
	CHECK(name_valid_tag("a'b") < 0);
	CHECK(name_valid_tag("a;b") < 0);
	CHECK(name_valid_tag("a$b") < 0);
	CHECK(name_valid_tag("a,b") < 0);
	CHECK(name_valid_tag("#comment") < 0);
	CHECK(name_valid_tag("-opt") < 0);
}

TEST(test_lengths)
{
	char buf[2048];

	memset(buf, 'a', sizeof(buf));
	buf[127] = '\0';
	CHECK_EQ_INT(name_valid_lv(buf), 0);
	buf[127] = 'a';
	buf[128] = '\0';
	CHECK_EQ_INT(name_valid_lv(buf), -ENAMETOOLONG);
	buf[128] = 'a';
	buf[1024] = '\0';
	CHECK_EQ_INT(name_valid_tag(buf), 0);
	buf[1024] = 'a';
	buf[1025] = '\0';
	CHECK_EQ_INT(name_valid_tag(buf), -ENAMETOOLONG);
	CHECK_EQ_INT(name_valid_txid("12345678901234567890123456789012"), 0);
	CHECK_EQ_INT(name_valid_txid("123456789012345678901234567890123"), -ENAMETOOLONG);
	CHECK_EQ_INT(name_valid_txid("-x"), -EINVAL);
	CHECK_EQ_INT(name_valid_txid("20261125-101010"), 0);
}

TEST(test_txid_boot_counter)
{
	/* LVM takes these; systemd-boot would read rewind-TXID.conf as an entry with tries. */
	CHECK_EQ_INT(name_valid_lv("x+1"), 0);
	CHECK_EQ_INT(name_valid_txid("x+1"), -EINVAL);
	CHECK_EQ_INT(name_valid_txid("x+12-3"), -EINVAL);
	CHECK_EQ_INT(name_valid_txid("+0"), -EINVAL);
	CHECK_EQ_INT(name_valid_txid(".x"), -EINVAL);
	CHECK_EQ_INT(name_valid_txid("x+"), 0);
	CHECK_EQ_INT(name_valid_txid("x+1a"), 0);
	CHECK_EQ_INT(name_valid_txid("x+1-"), 0);
	CHECK_EQ_INT(name_valid_txid("a+b-c"), 0);
	CHECK(name_boot_counter("rewind-T1+3") != NULL);
	CHECK(name_boot_counter("rewind-T1+3-x") == NULL);
}

TEST(test_dm_name)
{
	_cleanup_free_ char *a = name_dm("vg0", "root"), *b = name_dm("my-vg", "a-b-rewind-T-1");

	CHECK(a && streq(a, "vg0-root"));
	CHECK(b && streq(b, "my--vg-a--b--rewind--T--1"));
}

TEST(test_vg_and_split)
{
	_cleanup_free_ char *vg = NULL, *lv = NULL;

	CHECK_EQ_INT(name_valid_vg("vg0"), 0);
	CHECK(name_valid_vg("mapper") < 0);
	CHECK_EQ_INT(name_split_vg_lv("vg0/root", &vg, &lv), 0);
	CHECK_STREQ(vg, "vg0");
	CHECK_STREQ(lv, "root");
	CHECK(name_split_vg_lv("vg0/root/x", &vg, &lv) < 0);
	CHECK(name_split_vg_lv("vg0", &vg, &lv) < 0);
	CHECK(name_split_vg_lv("/root", &vg, &lv) < 0);
	CHECK(name_split_vg_lv("vg0/", &vg, &lv) < 0);
	CHECK(name_split_vg_lv("vg 0/root", &vg, &lv) < 0);
}

int main(void)
{
	int n_failed = 0;

	RUN(test_lv_names);
	RUN(test_metacharacters);
	RUN(test_lengths);
	RUN(test_txid_boot_counter);
	RUN(test_dm_name);
	RUN(test_vg_and_split);
	return n_failed ? 1 : 0;
}
