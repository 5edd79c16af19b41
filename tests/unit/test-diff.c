/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rewind diff through the fakes (the mounts are symlinks to test trees: fake-mnt.c), in process
 * and through the CLI (a forked child, its changes through the pipe); rewind history.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "cli-run.h"
#include "fake.h"
#include "mnt.h"
#include "test.h"
#include "txn-diff.h"
#include "txn-history.h"
#include "txn.h"
#include "util.h"

static struct lvm *L;

static unsigned root_uid(void)
{
	return 0;
}

static const char *tmp(const char *rel)
{
	static char buf[4][512];
	static unsigned k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", test_tmpdir, rel);
	return buf[k];
}

/* a then b, in one of four static buffers. */
static const char *sub(const char *a, const char *b)
{
	static char buf[4][512];
	static unsigned k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s%s", a, b);
	return buf[k];
}

static void file(const char *rel, const char *contents)
{
	const char *p = tmp(rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct timespec ts[2] = {{.tv_sec = 1700000000}, {.tv_sec = 1700000000}};

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ_INT(write_all(fd, contents, strlen(contents)), 0);
	close(fd);
	CHECK_EQ_INT(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static void dir(const char *rel)
{
	CHECK_EQ_INT(mkdir_p(tmp(rel), 0755), 0);
}

static void dir_time(const char *rel)
{
	struct timespec ts[2] = {{.tv_sec = 1600000000}, {.tv_sec = 1600000000}};

	CHECK_EQ_INT(utimensat(AT_FDCWD, tmp(rel), ts, 0), 0);
}

/* A transaction T1 of / and /srv; root: /etc/keep, /etc/passwd changed, /etc/old removed,
 * /etc/new added; data: /www/index added. Mounted now at tmp/root-now and tmp/srv-now. */
static void machine(bool data_mounted)
{
	static unsigned n;
	struct volume_spec specs[2] = {};
	struct txn_begin_opts o = {.txid = "T1", .volumes = specs, .n_volumes = 2};
	struct conf c;
	char rs[64], rn[64], ds[64], dn[64];

	test_machine();
	conf_init(&c);
	CHECK_EQ_INT(volume_spec_parse("/", &specs[0]), 0);
	CHECK_EQ_INT(volume_spec_parse("/srv", &specs[1]), 0);
	CHECK_EQ_INT(txn_begin(L, &c, &o, NULL), 0);
	volume_spec_done(&specs[0]);
	volume_spec_done(&specs[1]);
	conf_done(&c);

	n++;
	snprintf(rs, sizeof(rs), "t%u/root-snap", n);
	snprintf(rn, sizeof(rn), "t%u/root-now", n);
	snprintf(ds, sizeof(ds), "t%u/srv-snap", n);
	snprintf(dn, sizeof(dn), "t%u/srv-now", n);
	dir(sub(rs, "/etc"));
	dir(sub(rn, "/etc"));
	dir(ds);
	dir(sub(dn, "/www"));
	file(sub(rs, "/etc/keep"), "k");
	file(sub(rn, "/etc/keep"), "k");
	file(sub(rs, "/etc/passwd"), "root:x:0:0");
	file(sub(rn, "/etc/passwd"), "root:x:0:0\nnew:x:1000:1000");
	file(sub(rs, "/etc/old"), "o");
	file(sub(rn, "/etc/new"), "n");
	file(sub(dn, "/www/index"), "<html>");
	file(sub(dn, "/www/bad\xff\x1b"), "");
	dir_time(sub(rs, "/etc"));
	dir_time(sub(rn, "/etc"));
	dir_time(rs);
	dir_time(rn);
	dir_time(ds);
	dir_time(dn);
	fake_diff_reset();
	fake_diff_tree("/dev/mapper/vg0-root--rewind--T1", tmp(rs));
	fake_diff_tree("/dev/mapper/vg1-data--rewind--T1", tmp(ds));
	fake_diff_tree("/dev/mapper/vg1-data", tmp(dn));
	test_mounts((const char *const[]){"/dev/mapper/vg0-root", tmp(rn),
					  data_mounted ? "/dev/mapper/vg1-data" : NULL, tmp(dn),
					  NULL});
	txn_diff_mount_ops = &fake_diff_mount_ops;
	fake_events_reset();
}

static int diff(char *const *volumes, struct txn_diff_result *res)
{
	struct txn_diff_opts o = {.volumes = volumes};
	struct txn_diff_ops ops = txn_diff_collect_ops;

	ops.userdata = res;
	return txn_diff(L, &o, &ops, &res->txid);
}

static bool has_change(const struct txn_diff_volume *v, char c, const char *path)
{
	for (size_t i = 0; i < v->n_changes; i++)
		if (tree_change_to_char(v->changes[i].change) == c &&
		    streq(v->changes[i].path, path))
			return true;
	return false;
}

TEST(test_diff_members)
{
	_cleanup_(txn_diff_result_done) struct txn_diff_result res = {};

	machine(true);
	CHECK_EQ_INT(diff(NULL, &res), 0);
	CHECK_STREQ(res.txid, "T1");
	CHECK_EQ_INT(res.n_volumes, 2);
	if (res.n_volumes != 2)
		return;
	CHECK_STREQ(res.volumes[0].m.volume, "vg0/root");
	CHECK_STREQ(res.volumes[0].m.fstype, "ext4");
	CHECK(has_change(&res.volumes[0], 'M', "/etc/passwd"));
	CHECK(has_change(&res.volumes[0], 'D', "/etc/old"));
	CHECK(has_change(&res.volumes[0], 'A', "/etc/new"));
	CHECK_EQ_INT(res.volumes[0].n_changes, 3);
	CHECK_STREQ(res.volumes[1].m.volume, "vg1/data");
	CHECK(has_change(&res.volumes[1], 'A', "/www"));
	CHECK(has_change(&res.volumes[1], 'A', "/www/index"));
	CHECK_EQ_INT(res.volumes[1].m.stats.added, 3);
	/* Each snapshot mounted read-only without journal replay, in a namespace of its own; the
	 * origins compared where they are mounted. */
	CHECK_EQ_INT(fake_event_count("mnt namespace"), 2);
	CHECK(fake_event_find("mnt mount-ro /dev/mapper/vg0-root--rewind--T1 ext4 noload", 0) >= 0);
	CHECK(fake_event_find("mnt mount-ro /dev/mapper/vg1-data--rewind--T1 ext4 noload", 0) >= 0);
	CHECK_EQ_INT(fake_event_count("mnt mount-ro /dev/mapper/vg1-data "), 0);
	CHECK_EQ_INT(fake_event_count("mnt unmount"), 2);
	CHECK_EQ_INT(fake_event_count("lvm lvchange"), 0);
	/* The snapshot's device read-only before the mount (ext4 deletes orphans even on a
	 * read-only mount), writable again after; the mounted origins untouched. */
	{
		int ro = fake_event_find("mnt blockdev ro /dev/mapper/vg1-data--rewind--T1", 0);
		int mnt = fake_event_find("mnt mount-ro /dev/mapper/vg1-data--rewind--T1", 0);
		int un = fake_event_find("mnt unmount", mnt);
		int rw = fake_event_find("mnt blockdev rw /dev/mapper/vg1-data--rewind--T1", 0);
		CHECK(ro >= 0 && ro < mnt && un > mnt && rw > un);
		CHECK_EQ_INT(fake_event_count("mnt blockdev ro /dev/mapper/vg1-data "), 0);
	}
}

/* An origin that is not mounted is mounted read-only too; XFS gets norecovery,nouuid. */
TEST(test_diff_origin_not_mounted_xfs)
{
	_cleanup_(txn_diff_result_done) struct txn_diff_result res = {};

	machine(false);
	fake_diff_fstype("xfs");
	CHECK_EQ_INT(diff((char *[]){"vg1/data", NULL}, &res), 0);
	CHECK_EQ_INT(res.n_volumes, 1);
	CHECK(res.n_volumes == 1 && res.volumes[0].m.mount == NULL);
	CHECK(res.n_volumes == 1 && has_change(&res.volumes[0], 'A', "/www/index"));
	CHECK(fake_event_find("mnt mount-ro /dev/mapper/vg1-data--rewind--T1 xfs "
			      "norecovery,nouuid",
			      0) >= 0);
	CHECK(fake_event_find("mnt mount-ro /dev/mapper/vg1-data xfs norecovery,nouuid", 0) >= 0);
	CHECK_EQ_INT(fake_event_count("mnt unmount"), 2);
	/* The origin mounted here is read-only at the device too. */
	CHECK(fake_event_find("mnt blockdev ro /dev/mapper/vg1-data", 0) >= 0 &&
	      fake_event_find("mnt blockdev ro /dev/mapper/vg1-data", 0) <
		  fake_event_find("mnt mount-ro /dev/mapper/vg1-data xfs", 0));
}

/* Neither ext4 nor XFS: refused for that member, the others compared; the first error returned. */
TEST(test_diff_other_fs_refused)
{
	_cleanup_(txn_diff_result_done) struct txn_diff_result res = {};

	machine(true);
	fake_diff_fstype("btrfs");
	CHECK_EQ_INT(diff(NULL, &res), -EOPNOTSUPP);
	CHECK_EQ_INT(res.n_volumes, 2);
	CHECK(test_log_contains("its file system is btrfs"));
	CHECK_EQ_INT(fake_event_count("mnt mount-ro"), 0);
}

TEST(test_diff_volume_selection)
{
	_cleanup_(txn_diff_result_done) struct txn_diff_result res = {}, res2 = {};

	machine(true);
	/* By the mount point recorded at begin. */
	CHECK_EQ_INT(diff((char *[]){"/srv", NULL}, &res), 0);
	CHECK_EQ_INT(res.n_volumes, 1);
	CHECK(res.n_volumes == 1 && streq(res.volumes[0].m.volume, "vg1/data"));
	CHECK_EQ_INT(diff((char *[]){"vg9/nope", NULL}, &res2), -REFUSE_INPUT);
	CHECK(test_log_contains("vg9/nope is not a volume of transaction T1"));
}

TEST(test_diff_no_transaction)
{
	_cleanup_(txn_diff_result_done) struct txn_diff_result res = {};

	test_machine();
	txn_diff_mount_ops = &fake_diff_mount_ops;
	CHECK_EQ_INT(diff(NULL, &res), -REFUSE_NO_TXN);
}

/* An inactive snapshot: its origin activated for the diff, deactivated after. */
TEST(test_diff_activates)
{
	_cleanup_(txn_diff_result_done) struct txn_diff_result res = {};
	struct fake_lv *d = NULL, *s = NULL;

	machine(false);
	d = fake_find_lv("vg1", "data");
	s = fake_find_lv("vg1", "data-rewind-T1");
	CHECK(d && s);
	if (!d || !s)
		return;
	memcpy(d->attr, "-wi-------", 10);
	memcpy(s->attr, "swi-------", 10);
	CHECK_EQ_INT(diff((char *[]){"vg1/data", NULL}, &res), 0);
	CHECK(fake_event_find("lvm lvchange -ay", 0) >= 0);
	CHECK(fake_event_find("lvm lvchange -an", 0) > fake_event_find("mnt unmount", 0));
}

/* The CLI: a child per member, the changes through a pipe; text and JSON. */
TEST(test_diff_cli)
{
	const char *out;
	int r;

	machine(true);
	cli_geteuid = root_uid;
	test_stdout_begin();
	r = RUN_CLI("diff");
	out = test_stdout_end();
	CHECK_EQ_INT(r, 0);
	CHECK(strstr(out, "# vg0/root (snapshot root-rewind-T1), mounted at "));
	CHECK(strstr(out, "/etc/passwd\n"));
	CHECK(strstr(out, "\nD ") && strstr(out, "/etc/old\n"));
	CHECK(strstr(out, "/www/bad\\xff\\x1b\n"));
	CHECK(strstr(out, "# vg1/data: 3 added, 0 removed, 0 modified (3 paths compared)\n"));
	CHECK(!strchr(out, '\x1b'));

	test_stdout_begin();
	r = RUN_CLI("diff", "--verbose", "vg0/root");
	out = test_stdout_end();
	CHECK_EQ_INT(r, 0);
	CHECK(strstr(out, "M size "));
	CHECK(strstr(out, "A file "));
	CHECK(!strstr(out, "vg1/data"));

	test_stdout_begin();
	r = RUN_CLI("diff", "--json");
	out = test_stdout_end();
	CHECK_EQ_INT(r, 0);
	/* Pretty-printed: compared without the white space. */
	{
		char *o = (char *)out, *w = o;
		for (; *o; o++)
			if (!strchr(" \n", *o))
				*w++ = *o;
		*w = 0;
	}
	CHECK(strstr(out, "\"transaction\":\"T1\""));
	CHECK(strstr(out, "\"path\":\"/etc/passwd\",\"change\":\"modified\",\"what\":[\"size\"]"));
	/* Not UTF-8: the bytes, as an array. */
	CHECK(strstr(out, "98,97,100,255,27]"));
	CHECK(strstr(out, "\"added\":3"));

	r = RUN_CLI("diff", "/nowhere");
	CHECK_EQ_INT(r, 2);
}

/* The real probe (libblkid through libmount) on an ext4 image in a file, when mkfs.ext4 is
 * there; a file of zeros is no file system. */
TEST(test_probe_real)
{
	_cleanup_free_ char *img = strdup_printf("%s/ext4.img", test_tmpdir);
	_cleanup_free_ char *cmd =
	    strdup_printf("truncate -s 4M '%s' && mkfs.ext4 -q -F '%s' >/dev/null 2>&1", img, img);
	_cleanup_free_ char *zero = strdup_printf("%s/zero.img", test_tmpdir);
	_cleanup_free_ char *cmd2 = strdup_printf("truncate -s 1M '%s'", zero);
	char *type = NULL;

	CHECK(cmd2 && system(cmd2) == 0);
	CHECK_EQ_INT(fs_probe_type(zero, &type), -ENOENT);
	if (!cmd || system(cmd) != 0) {
		fprintf(stderr, "  (no mkfs.ext4: the probe of a real ext4 not tested)\n");
		return;
	}
	CHECK_EQ_INT(fs_probe_type(img, &type), 0);
	CHECK_STREQ(type, "ext4");
	free(type);
}

TEST(test_history_parse)
{
	_cleanup_(txn_history_done) struct txn_history h = {};
	static const char text[] =
	    "{\"txid\":\"T1\",\"pinned\":true,\"result\":\"rolled-back\",\"time\":1700000000,"
	    "\"volumes\":[{\"volume\":\"vg0/root\",\"result\":\"rolled-back\"}]}\n"
	    "{\"txid\":\"T2\",\"res\n"
	    "\n"
	    "[1,2]\n"
	    "{\"txid\":\"T3\",\"result\":\"failed\",\"time\":1700000100,\"volumes\":[]}";

	CHECK_EQ_INT(txn_history_parse(text, sizeof(text) - 1, &h), 0);
	CHECK_EQ_INT(h.n_entries, 2);
	CHECK_EQ_INT(h.n_skipped, 2);
	CHECK(h.n_entries == 2 && streq(h.entries[0].txid, "T1") && streq(h.entries[1].txid, "T3"));
	CHECK(test_log_contains("history.jsonl line 2: not an outcome"));
	CHECK(test_log_contains("history.jsonl line 4: not an outcome"));
}

TEST(test_history_cli)
{
	const char *out;
	int r;

	test_stdout_begin();
	r = RUN_CLI("history");
	out = test_stdout_end();
	CHECK_EQ_INT(r, 0);
	CHECK_STREQ(out, "No rollback recorded.\n");
	test_write("state/history.jsonl",
		   "{\"txid\":\"T1\",\"result\":\"partial\",\"time\":1700000000,\"volumes\":["
		   "{\"volume\":\"vg0/root\",\"result\":\"rolled-back\"},"
		   "{\"volume\":\"vg1/data\",\"result\":\"failed\",\"error\":\"x\"}]}\n"
		   "garbage\n");
	test_stdout_begin();
	r = RUN_CLI("history");
	out = test_stdout_end();
	CHECK_EQ_INT(r, 0);
	CHECK(strstr(out, "T1"));
	CHECK(strstr(out, "partly rolled back vg0/root, vg1/data (failed)\n"));
	test_stdout_begin();
	r = RUN_CLI("history", "--json");
	out = test_stdout_end();
	CHECK_EQ_INT(r, 0);
	CHECK(out[0] == '[' && strstr(out, "\"txid\":\"T1\""));
}

int main(void)
{
	int n_failed = 0;

	if (lvm_new(&L) < 0)
		return 1;
	RUN(test_diff_members);
	RUN(test_diff_origin_not_mounted_xfs);
	RUN(test_diff_other_fs_refused);
	RUN(test_diff_volume_selection);
	RUN(test_diff_no_transaction);
	RUN(test_diff_activates);
	RUN(test_diff_cli);
	RUN(test_probe_real);
	RUN(test_history_parse);
	RUN(test_history_cli);
	lvm_free(L);
	return n_failed ? 1 : 0;
}
