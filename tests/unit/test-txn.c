/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "fake.h"
#include "test.h"
#include "txn.h"
#include "util.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static struct lvm *L;

static int begin(const char *txid, const char *const *targets, const char *size)
{
	return test_begin(L, txid, targets, size, false);
}

static void begin_ok(void)
{
	CHECK_EQ_INT(begin("T1", (const char *const[]){"/", "/srv", NULL}, NULL), 0);
}

TEST(test_begin_root_and_data)
{
	struct fake_lv *rs, *ds;
	int susp, croot, cdata;
	char expect[512];

	test_machine();
	test_logged_while_suspended = 0;
	begin_ok();
	/* Messages wait until the data volume is resumed (stderr may be a file on it). */
	CHECK_EQ_INT(test_logged_while_suspended, 0);
	CHECK(test_log_contains("Created snapshot vg1/data-rewind-T1"));
	rs = fake_find_lv("vg0", "root-rewind-T1");
	ds = fake_find_lv("vg1", "data-rewind-T1");
	CHECK(rs && ds);
	if (!rs || !ds)
		return;
	CHECK_EQ_INT(fake_count_lvs(), 4);
	/* 20%SIZE of 8 GiB and 4 GiB, rounded up to 4 MiB extents */
	CHECK_EQ_INT(rs->size, 1640 * MiB);
	CHECK_EQ_INT(ds->size, 820 * MiB);
	CHECK(fake_lv_has_tag(rs, "rewind:txn=T1"));
	CHECK(fake_lv_has_tag(rs, "rewind:state=open"));
	CHECK(fake_lv_has_tag(rs, "rewind:mnt=/"));
	CHECK(fake_lv_has_tag(rs, "rewind:root"));
	CHECK(fake_lv_has_tag(ds, "rewind:mnt=/srv"));
	CHECK(!fake_lv_has_tag(ds, "rewind:root"));
	CHECK_STREQ(rs->origin, "root");
	/* The measured order: suspend data, snapshot root, snapshot data. */
	susp = fake_event_find("dm suspend vg1-data", 0);
	croot = fake_event_find("lvm lvcreate -s -n root-rewind-T1 ", 0);
	cdata = fake_event_find("lvm lvcreate -s -n data-rewind-T1 ", 0);
	CHECK(fake_event_find("kmod dm_snapshot", 0) >= 0);
	CHECK(fake_event_find("kmod dm_snapshot", 0) < susp);
	CHECK(susp >= 0 && croot > susp && cdata > croot);
	CHECK_EQ_INT(fake_event_count("dm suspend"), 1); /* never root */
	snprintf(expect, sizeof(expect),
		 "lvm lvcreate -s -n root-rewind-T1 -L %" PRIu64 "b --addtag rewind:txn=T1 "
		 "--addtag rewind:state=creating --addtag rewind:time=",
		 (uint64_t)(1640 * MiB));
	CHECK(strncmp(fake_event_at(croot), expect, strlen(expect)) == 0);
	CHECK(strstr(fake_event_at(croot),
		     " --addtag rewind:mnt=/ --addtag rewind:root --addtag rewind:member=vg0/root "
		     "--addtag rewind:member=vg1/data --addtag "
		     "rewind:boot=4c0b2d6e11114a4a9b9b000000000001 --addtag rewind:autoboots=0 "
		     "vg0/root"));
	CHECK(!fake_find_lv("vg1", "data")->suspended);
	/* Complete only once both exist: then both are marked open, root first. */
	CHECK(fake_event_find("lvm lvchange --deltag rewind:state=creating --addtag "
			      "rewind:state=open vg0/root-rewind-T1",
			      cdata) > cdata);
	CHECK(fake_event_find("lvm lvchange --deltag rewind:state=creating --addtag "
			      "rewind:state=open vg1/data-rewind-T1",
			      cdata) > cdata);
	CHECK(!fake_lv_has_tag(ds, "rewind:state=creating"));
	CHECK(fake_lv_has_tag(ds, "rewind:state=open"));
}

/* A per-volume chunk size reaches lvcreate -c; the others keep LVM's default. */
TEST(test_begin_chunk_policy)
{
	struct fake_lv *ds;

	test_machine();
	CHECK_EQ_INT(begin("T1", (const char *const[]){"/", "/srv:10%SIZE,chunk=64K", NULL}, NULL),
		     0);
	CHECK(fake_event_find("lvm lvcreate -s -n data-rewind-T1 -L 432013312b -c 64k ", 0) >= 0);
	CHECK(fake_event_find("lvm lvcreate -s -n root-rewind-T1 -L 1719664640b --addtag", 0) >= 0);
	CHECK(test_log_contains("Created snapshot vg1/data-rewind-T1 (412 MiB, chunk 64 KiB)."));
	ds = fake_find_lv("vg1", "data-rewind-T1");
	CHECK(ds != NULL);
}

TEST(test_begin_single_volume_no_suspend)
{
	test_machine();
	CHECK_EQ_INT(begin("T1", (const char *const[]){"vg1/data:100M", NULL}, NULL), 0);
	CHECK_EQ_INT(fake_event_count("dm suspend"), 0);
	CHECK_EQ_INT(fake_find_lv("vg1", "data-rewind-T1")->size, 100 * MiB);
}

TEST(test_begin_default_is_root)
{
	test_machine();
	CHECK_EQ_INT(begin("T1", NULL, "1G"), 0);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") != NULL);
	CHECK_EQ_INT(fake_find_lv("vg0", "root-rewind-T1")->size, GiB);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
}

TEST(test_begin_fails_partway)
{
	test_machine();
	fake_fail_command("lvcreate", 2, false); /* data's snapshot fails */
	CHECK(begin("T1", (const char *const[]){"/", "/srv", NULL}, NULL) < 0);
	CHECK_EQ_INT(fake_count_lvs(), 2);
	CHECK(fake_event_find("lvm lvremove -f vg0/root-rewind-T1", 0) >= 0);
	CHECK(!fake_find_lv("vg1", "data")->suspended);
	CHECK_EQ_INT(fake_vg_free("vg0"), 4 * GiB);
	CHECK(test_log_contains("Failed to create snapshot vg1/data-rewind-T1"));
	CHECK(test_log_contains("Removed snapshot vg0/root-rewind-T1 again"));
}

TEST(test_begin_root_fails_resumes_data)
{
	test_machine();
	/* Root's lvcreate fails and leaves an inactive LV behind, as seen in the VM. */
	fake_fail_command("lvcreate", 1, true);
	CHECK(begin("T1", (const char *const[]){"/", "/srv", NULL}, NULL) < 0);
	CHECK(fake_event_find("dm suspend vg1-data", 0) >= 0);
	CHECK(fake_event_find("dm resume vg1-data", 0) > fake_event_find("dm suspend vg1-data", 0));
	CHECK(!fake_find_lv("vg1", "data")->suspended);
	CHECK(fake_event_find("lvm lvremove -f vg0/root-rewind-T1", 0) >= 0);
	CHECK_EQ_INT(fake_count_lvs(), 2);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 1);
}

TEST(test_begin_twice)
{
	int n;

	test_machine();
	begin_ok();
	n = fake_event_count("lvm lvcreate");
	CHECK_EQ_INT(begin("T2", (const char *const[]){"/", NULL}, NULL), -REFUSE_TXN_EXISTS);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), n);
	CHECK(test_log_contains("Transaction T1 is open"));
}

TEST(test_begin_no_space)
{
	test_machine();
	/* vg1 has 2 GiB free: 3 GiB for data does not fit; root's would. Nothing is created. */
	CHECK_EQ_INT(begin("T1", (const char *const[]){"/", "/srv:3G", NULL}, NULL),
		     -REFUSE_NO_SPACE);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	CHECK_EQ_INT(fake_event_count("dm suspend"), 0);
	CHECK_EQ_INT(fake_count_lvs(), 2);
	/* Two snapshots in one VG count together */
	fake_add_lv("vg1", "more", GiB, "-wi-a-----");
	CHECK_EQ_INT(begin("T1", (const char *const[]){"vg1/data:1.5G", "vg1/more:1G", NULL}, NULL),
		     -REFUSE_NO_SPACE);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
}

TEST(test_begin_bad_volumes)
{
	test_machine();
	CHECK_EQ_INT(begin("T1", (const char *const[]){"vg0/nope", NULL}, NULL), -REFUSE_INPUT);
	CHECK_EQ_INT(begin("T1", (const char *const[]){"/nowhere", NULL}, NULL), -REFUSE_INPUT);
	CHECK_EQ_INT(begin("T1", (const char *const[]){"vg0/ro;ot", NULL}, NULL), -REFUSE_INPUT);
	CHECK_EQ_INT(begin("T1", (const char *const[]){"/", "vg0/root", NULL}, NULL),
		     -REFUSE_INPUT);
	CHECK_EQ_INT(begin("bad name", NULL, NULL), -REFUSE_INPUT);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
}

TEST(test_commit)
{
	test_machine();
	CHECK_EQ_INT(txn_commit(L, NULL), -REFUSE_NO_TXN);
	begin_ok();
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") == NULL);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	CHECK_EQ_INT(fake_count_lvs(), 2);
	CHECK_EQ_INT(fake_vg_free("vg1"), 2 * GiB);
	CHECK_EQ_INT(txn_commit(L, NULL), -REFUSE_NO_TXN);
}

TEST(test_rollback_with_root_arms_every_member)
{
	struct txn_rollback_opts o = {};
	struct txn_results res = {};
	struct fake_lv *rs, *ds;

	test_machine();
	begin_ok();
	/* The data volume was unmounted since: idle, yet it is armed too, not merged now, so that
	 * 'cancel' stays a true undo and root and data never end up from different times. */
	strcpy(fake_find_lv("vg1", "data")->attr, "owi-a-----");
	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	CHECK_EQ_INT(res.n, 2);
	for (size_t i = 0; i < res.n; i++)
		CHECK_EQ_INT(res.r[i].action, TXN_ARMED);
	rs = fake_find_lv("vg0", "root-rewind-T1");
	ds = fake_find_lv("vg1", "data-rewind-T1");
	CHECK(rs && fake_lv_has_tag(rs, "rewind:state=armed"));
	CHECK(rs && !fake_lv_has_tag(rs, "rewind:state=open"));
	CHECK(ds && fake_lv_has_tag(ds, "rewind:state=armed"));
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	/* --now cannot unmount root: refused, nothing changed */
	CHECK_EQ_INT(txn_cancel(L, NULL), 0);
	txn_results_done(&res);
	o.now = true;
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -REFUSE_INPUT);
	CHECK(test_log_contains("Root is in transaction T1"));
	CHECK(fake_lv_has_tag(rs, "rewind:state=open"));
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	txn_results_done(&res);
}

TEST(test_rollback_merge_failure_rolls_forward)
{
	struct txn_rollback_opts o = {.merge.foreground = true};
	struct txn_results res = {};
	struct txn_merge_opts bo = {.foreground = true};
	int mark, conv;

	test_machine();
	fake_add_lv("vg1", "more", GiB, "-wi-a-----");
	CHECK_EQ_INT(begin("T1", (const char *const[]){"vg1/data", "vg1/more", NULL}, NULL), 0);
	/* Neither mounted nor open; the first merge works, the second fails. */
	test_mounts((const char *const[]){NULL});
	strcpy(fake_find_lv("vg1", "data")->attr, "owi-a-----");
	fake_fail_command("lvconvert", 2, true);
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -EIO);
	CHECK_EQ_INT(res.n, 2);
	CHECK_EQ_INT(res.r[0].action, TXN_MERGED);
	CHECK_EQ_INT(res.r[1].action, TXN_FAILED);
	/* Recorded before the first merge: the rollback can only go forward now. */
	mark = fake_event_find("lvm lvchange --deltag rewind:state=open --addtag "
			       "rewind:state=rolling-back vg1/more-rewind-T1",
			       0);
	conv = fake_event_find("lvm lvconvert", 0);
	CHECK(mark >= 0 && mark < conv);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	CHECK(fake_lv_has_tag(fake_find_lv("vg1", "more-rewind-T1"), "rewind:state=rolling-back"));
	CHECK_EQ_INT(txn_commit(L, NULL), -REFUSE_UNFINISHED);
	CHECK_EQ_INT(txn_cancel(L, NULL), -REFUSE_UNFINISHED);
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -REFUSE_UNFINISHED);
	txn_results_done(&res);
	/* The next boot finishes it, and counts the member merged before as merged. */
	fake_events_reset();
	CHECK_EQ_INT(txn_boot(L, &bo, &res), 0);
	CHECK(fake_find_lv("vg1", "more-rewind-T1") == NULL);
	CHECK_EQ_INT(res.n, 2);
	for (size_t i = 0; i < res.n; i++)
		CHECK_EQ_INT(res.r[i].action, TXN_MERGED);
	txn_results_done(&res);
}

TEST(test_rollback_checks_inactive_snapshots_first)
{
	struct txn_rollback_opts o = {};
	struct txn_results res = {};

	test_machine();
	fake_add_lv("vg1", "more", GiB, "-wi-a-----");
	CHECK_EQ_INT(begin("T1", (const char *const[]){"vg1/data", "vg1/more", NULL}, NULL), 0);
	test_mounts((const char *const[]){NULL});
	/* Both inactive: LVM cannot tell that more's snapshot overflowed until it is active. */
	strcpy(fake_find_lv("vg1", "data")->attr, "owi-------");
	strcpy(fake_find_lv("vg1", "more")->attr, "owi-------");
	fake_find_lv("vg1", "data-rewind-T1")->attr[4] = '-';
	fake_find_lv("vg1", "more-rewind-T1")->attr[4] = '-';
	fake_find_lv("vg1", "more-rewind-T1")->snapshot_invalid = 1;
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -REFUSE_SNAPSHOT);
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") != NULL);
	CHECK(test_log_contains("vg1/more has an invalid (overflowed) snapshot"));
	/* and deactivated again */
	CHECK(fake_find_lv("vg1", "data")->attr[4] == '-');
	txn_results_done(&res);
}

/* The state a crash leaves: drop the snapshot of one member, set another's state tag. */
static void crash_state(const char *vg, const char *snap, const char *from, const char *to)
{
	struct fake_lv *lv = fake_find_lv(vg, snap);
	char *del[] = {(char *)from, NULL}, *add[] = {(char *)to, NULL};

	CHECK(lv != NULL);
	CHECK_EQ_INT(lvm_lv_change_tags(L, vg, snap, add, del), 0);
}

TEST(test_begin_interrupted_between_snapshots)
{
	struct fake_lv *h, *x;
	struct txn_rollback_opts o = {};
	struct txn_results res = {};
	struct txn_status st = {};

	test_machine();
	begin_ok();
	/* Power cut after root's lvcreate, before data's: root's snapshot says creating and
	 * names both members; data has none. */
	CHECK_EQ_INT(lvm_lv_remove(L, "vg1", "data-rewind-T1"), 0);
	crash_state("vg0", "root-rewind-T1", "rewind:state=open", "rewind:state=creating");
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -REFUSE_UNFINISHED);
	CHECK(test_log_contains("The begin of transaction T1 was interrupted"));
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK(st.n_txns == 1 && st.txns[0].state == TXN_STATE_CREATING);
	CHECK(st.n_txns == 1 && strv_length(st.txns[0].missing) == 1 &&
	      streq(st.txns[0].missing[0], "vg1/data"));
	txn_status_done(&st);
	/* Killed inside data's lvcreate (seen in the VM): LVM left the copy-on-write LV with our
	 * tags, not yet a snapshot. It is part of the interrupted begin. */
	h = fake_add_lv("vg1", "data-rewind-T1", 32 * MiB, "-wi-a-----");
	fake_lv_add_tag(h, "rewind:txn=T1");
	fake_lv_add_tag(h, "rewind:state=creating");
	/* Anything else with our tags that is not a snapshot is left alone. */
	x = fake_add_lv("vg1", "other", 32 * MiB, "-wi-a-----");
	fake_lv_add_tag(x, "rewind:txn=T1");
	fake_lv_add_tag(x, "rewind:state=creating");
	/* The next begin removes what it left, then begins. */
	CHECK_EQ_INT(begin("T2", (const char *const[]){"/", "/srv", NULL}, NULL), 0);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") == NULL);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	CHECK(fake_find_lv("vg1", "other") != NULL);
	CHECK(fake_find_lv("vg0", "root-rewind-T2") != NULL);
	CHECK(test_log_contains("removing what it created"));
	txn_results_done(&res);
}

TEST(test_rolling_back_refuses_commit_and_cancel)
{
	test_machine();
	begin_ok();
	crash_state("vg1", "data-rewind-T1", "rewind:state=open", "rewind:state=rolling-back");
	CHECK_EQ_INT(txn_commit(L, NULL), -REFUSE_UNFINISHED);
	CHECK(test_log_contains("is being rolled back"));
	CHECK_EQ_INT(txn_cancel(L, NULL), -REFUSE_UNFINISHED);
	CHECK_EQ_INT(fake_event_count("lvm lvremove"), 0);
}

TEST(test_missing_member_refuses_rollback)
{
	struct txn_rollback_opts o = {};
	struct txn_results res = {};
	int n = 0;

	test_machine();
	begin_ok();
	/* Complete, but data's VG is not visible now. */
	CHECK_EQ_INT(lvm_lv_remove(L, "vg1", "data-rewind-T1"), 0);
	n = fake_event_count("lvm lvchange");
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -REFUSE_SNAPSHOT);
	CHECK(test_log_contains("vg1/data has no snapshot (is its volume group visible?"));
	CHECK_EQ_INT(fake_event_count("lvm lvchange"), n);
	txn_results_done(&res);
}

TEST(test_begin_confirm_fails)
{
	test_machine();
	fake_fail_command("lvchange", 1, false);
	CHECK(begin("T1", (const char *const[]){"/", "/srv", NULL}, NULL) < 0);
	CHECK_EQ_INT(fake_count_lvs(), 2);
	CHECK(test_log_contains("Failed to mark vg0/root-rewind-T1 open"));
}

TEST(test_commit_is_an_intent)
{
	struct txn_rollback_opts o = {};
	struct txn_results res = {};
	int mark, rm;

	test_machine();
	begin_ok();
	/* The second lvremove fails (a crash between the two would leave the same). */
	fake_fail_command("lvremove", 2, false);
	CHECK(txn_commit(L, NULL) < 0);
	mark = fake_event_find("lvm lvchange --deltag rewind:state=open --addtag "
			       "rewind:state=committing vg1/data-rewind-T1",
			       0);
	rm = fake_event_find("lvm lvremove", 0);
	CHECK(mark >= 0 && rm > mark);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") == NULL);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") != NULL);
	/* Never rolled back now, by hand or at boot. */
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -REFUSE_UNFINISHED);
	CHECK(test_log_contains("is being committed"));
	/* The next command finishes it. */
	CHECK_EQ_INT(txn_finish_interrupted(L), 1);
	CHECK_EQ_INT(txn_finish_interrupted(L), 0);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	CHECK_EQ_INT(txn_commit(L, NULL), -REFUSE_NO_TXN);
	txn_results_done(&res);
}

TEST(test_rollback_inactive_origin)
{
	struct txn_rollback_opts o = {};
	struct txn_results res = {};
	int a, m, d;

	test_machine();
	CHECK_EQ_INT(begin("T1", (const char *const[]){"vg1/data", NULL}, NULL), 0);
	strcpy(fake_find_lv("vg1", "data")->attr, "owi-------");
	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	a = fake_event_find("lvm lvchange -ay vg1/data", 0);
	m = fake_event_find("lvm lvconvert", 0);
	d = fake_event_find("lvm lvchange -an vg1/data", 0);
	CHECK(a >= 0 && m > a && d > m);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	txn_results_done(&res);
}

TEST(test_rollback_refuses_overflowed)
{
	struct txn_rollback_opts o = {};
	struct txn_results res = {};
	int n;

	test_machine();
	begin_ok();
	strcpy(fake_find_lv("vg1", "data")->attr, "owi-a-----");
	fake_find_lv("vg1", "data-rewind-T1")->snapshot_invalid = 1;
	n = fake_n_events();
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -REFUSE_SNAPSHOT);
	CHECK_EQ_INT(res.n, 0);
	CHECK_EQ_INT(fake_event_count("lvm lvchange"), 2); /* begin's, none since */
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	CHECK(fake_lv_has_tag(fake_find_lv("vg0", "root-rewind-T1"), "rewind:state=open"));
	CHECK(test_log_contains("vg1/data has an invalid (overflowed) snapshot"));
	CHECK(test_log_contains("rewind commit"));
	CHECK(fake_n_events() > n);
	txn_results_done(&res);
}

static int refuse_initramfs(void *userdata)
{
	return -REFUSE_NO_MODULE;
}

TEST(test_rollback_refuses_without_initramfs_module)
{
	struct txn_rollback_opts o = {.check_initramfs = refuse_initramfs};
	struct txn_results res = {};

	test_machine();
	begin_ok();
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -REFUSE_NO_MODULE);
	CHECK(fake_lv_has_tag(fake_find_lv("vg0", "root-rewind-T1"), "rewind:state=open"));
	CHECK_EQ_INT(fake_event_count("lvm lvchange"), 2); /* begin's, none since */
	txn_results_done(&res);
}

TEST(test_cancel)
{
	struct txn_rollback_opts o = {};
	struct txn_results res = {};
	struct fake_lv *rs;

	test_machine();
	begin_ok();
	CHECK_EQ_INT(txn_cancel(L, NULL), -REFUSE_NO_TXN); /* nothing armed */
	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	CHECK_EQ_INT(txn_cancel(L, NULL), 0);
	rs = fake_find_lv("vg0", "root-rewind-T1");
	CHECK(fake_lv_has_tag(rs, "rewind:state=open"));
	CHECK(!fake_lv_has_tag(rs, "rewind:state=armed"));
	CHECK(fake_lv_has_tag(fake_find_lv("vg1", "data-rewind-T1"), "rewind:state=open"));
	CHECK_EQ_INT(txn_cancel(L, NULL), -REFUSE_NO_TXN);
	txn_results_done(&res);
}

TEST(test_status_json)
{
	_cleanup_(txn_status_done) struct txn_status st = {};
	const struct txn_status_volume *v;

	test_machine();
	begin_ok();
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK_EQ_INT(st.n_txns, 1);
	if (st.n_txns != 1)
		return;
	CHECK_STREQ(st.txns[0].txid, "T1");
	CHECK_EQ_INT(st.txns[0].n_volumes, 2);
	v = &st.txns[0].volumes[0];
	/* the fake dm says 64/2000 sectors: 3.2% */
	CHECK(v->fill > 3.19 && v->fill < 3.21);
	CHECK(!v->invalid && !v->merging && v->merge_remaining_sectors == -1);
	CHECK(st.last_boot == NULL);
}

TEST(test_report_with_lvm_warning)
{
	test_machine();
	fake_report_warning("  WARNING: Device /dev/sdb has size of 0 sectors.");
	begin_ok();
	CHECK(fake_find_lv("vg0", "root-rewind-T1") != NULL);
	CHECK(test_log_contains("lvm: WARNING: Device /dev/sdb has size of 0 sectors."));
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") == NULL);
}

TEST(test_damaged_tags_ignored)
{
	struct fake_lv *s;

	test_machine();
	s = fake_add_lv("vg0", "weird", GiB, "swi-a-s---");
	strcpy(s->origin, "root");
	fake_lv_add_tag(s, "rewind:txn=X");
	fake_lv_add_tag(s, "rewind:txn=Y");
	fake_lv_add_tag(s, "rewind:state=open");
	CHECK_EQ_INT(txn_commit(L, NULL), -REFUSE_NO_TXN);
	CHECK(test_log_contains("damaged"));
	CHECK(fake_find_lv("vg0", "weird") != NULL);
}

int main(void)
{
	int n_failed = 0;

	if (lvm_new(&L) < 0)
		return 1;
	RUN(test_begin_root_and_data);
	RUN(test_begin_chunk_policy);
	RUN(test_begin_single_volume_no_suspend);
	RUN(test_begin_default_is_root);
	RUN(test_begin_fails_partway);
	RUN(test_begin_root_fails_resumes_data);
	RUN(test_begin_twice);
	RUN(test_begin_no_space);
	RUN(test_begin_bad_volumes);
	RUN(test_commit);
	RUN(test_rollback_with_root_arms_every_member);
	RUN(test_rollback_merge_failure_rolls_forward);
	RUN(test_rollback_checks_inactive_snapshots_first);
	RUN(test_begin_interrupted_between_snapshots);
	RUN(test_rolling_back_refuses_commit_and_cancel);
	RUN(test_missing_member_refuses_rollback);
	RUN(test_begin_confirm_fails);
	RUN(test_commit_is_an_intent);
	RUN(test_rollback_inactive_origin);
	RUN(test_rollback_refuses_overflowed);
	RUN(test_rollback_refuses_without_initramfs_module);
	RUN(test_cancel);
	RUN(test_status_json);
	RUN(test_report_with_lvm_warning);
	RUN(test_damaged_tags_ignored);
	lvm_free(L);
	return n_failed ? 1 : 0;
}
