/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Baseline mode at boot (txn-baseline.c): the initramfs stage restores it before anything mounts
 * the origins; a crash at any point leaves the old baseline or the new one (the records on the
 * origins); commit ends it; thin members. The rest: test-baseline.c.
 */
#include "baseline-fixture.h"

/* ---- 4. the boot stage ---- */

TEST(test_boot_restores_baseline)
{
	_cleanup_(txn_status_done) struct txn_status st = {};
	_cleanup_free_ char *out = NULL;
	struct txn_results res = {};
	uint64_t rsize, dsize;
	int mark_root, mark_data, first_conv, last_conv, create_root, create_data;

	test_machine();
	mkdir_p(getenv("REWIND_EFIVARS"), 0755);
	CHECK_EQ_INT(begin_baseline((const char *const[]){"/", "/srv", NULL}), 0);
	/* As if begin had pinned the booted kernel. */
	fake_lv_add_tag(fake_find_lv("vg0", "root-rewind-T1"), "rewind:pinned");
	rsize = lv_size("vg0", "root-rewind-T1");
	dsize = lv_size("vg1", "data-rewind-T1");
	arm();
	initramfs();
	test_boot_id(TEST_BOOT_ID_2);
	CHECK_EQ_INT(boot(&res), 0);
	CHECK(res.baseline);
	CHECK(res.pinned);
	CHECK_STREQ(res.txid, "T1");
	CHECK_EQ_INT(res.n, 2);
	/* In the foreground although the stage's merges run in the background. */
	for (size_t i = 0; i < res.n; i++)
		CHECK_EQ_INT(res.r[i].action, TXN_MERGED);
	CHECK_EQ_INT(events_containing("--polloperation merge"), 2);
	CHECK(!test_rundir_has("merging"));
	/* Both recorded before the first merge; both new snapshots after the last. */
	mark_root = fake_event_find("lvm lvchange --addtag rewind-base:txn=T1 ", 0);
	mark_data = fake_event_find("lvm lvchange --addtag rewind-base:txn=T1 ", mark_root + 1);
	first_conv = fake_event_find("lvm lvconvert", 0);
	last_conv = fake_event_find("lvm lvconvert", first_conv + 1);
	create_root = fake_event_find("lvm lvcreate -s -n root-rewind-T1 ", 0);
	create_data = fake_event_find("lvm lvcreate -s -n data-rewind-T1 ", 0);
	CHECK(mark_root >= 0 && mark_data > mark_root && first_conv > mark_data);
	CHECK(fake_event_find("lvm lvchange --addtag rewind:restore-esp=T1 vg0/root", 0) >
	      mark_data);
	CHECK(last_conv > first_conv && create_root > last_conv && create_data > last_conv);
	CHECK(create_root >= 0 && strstr(fake_event_at(create_root), " -L ") &&
	      strtoull(strstr(fake_event_at(create_root), " -L ") + 4, NULL, 10) == rsize);
	CHECK(create_data >= 0 && strstr(fake_event_at(create_data), " -L ") &&
	      strtoull(strstr(fake_event_at(create_data), " -L ") + 4, NULL, 10) == dsize);
	check_baseline_snapshot("vg0", "root-rewind-T1", "root", 1);
	check_baseline_snapshot("vg1", "data-rewind-T1", "data", 1);
	CHECK(lv_has_tag("vg0", "root-rewind-T1", "rewind:root"));
	CHECK(lv_has_tag("vg0", "root-rewind-T1", "rewind:pinned"));
	CHECK(lv_has_tag("vg1", "data-rewind-T1", "rewind:pinned"));
	CHECK(lv_has_tag("vg1", "data-rewind-T1", "rewind:boot=" BOOT_2));
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg0", "root"), "rewind-base:"), 0);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:"), 0);
	/* The ESP is still put back by boot-finish (its pin kept). */
	CHECK(lv_has_tag("vg0", "root", "rewind:restore-esp=T1"));
	/* What the outcome says. */
	out = test_rundir_read("outcome.json");
	CHECK(out && strstr(out, "\"baseline\":true"));
	CHECK(out && strstr(out, "\"result\":\"rolled-back\""));
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK(st.last_boot && st.last_boot->baseline == 1);
	CHECK(st.n_txns == 1 && st.txns[0].state == TXN_STATE_OPEN && st.txns[0].baseline &&
	      st.txns[0].restores == 1);
	txn_results_done(&res);
	/* The next boot: nothing armed, nothing done. */
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(res.n, 0);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate") + fake_event_count("lvm lvconvert"), 0);
	txn_results_done(&res);
}

/* ---- 5. crashes ---- */

/* A damaged record (or one from another restore) on an origin whose transaction is armed: the
 * restore replaces it in the same lvchange, and takes the new snapshot from its own. */
TEST(test_damaged_record_replaced_at_restore)
{
	struct txn_results res = {};

	test_machine();
	CHECK_EQ_INT(begin_baseline((const char *const[]){"/", "/srv", NULL}), 0);
	fake_lv_add_tag(fake_find_lv("vg1", "data"), "rewind-base:txn=T1");
	fake_lv_add_tag(fake_find_lv("vg1", "data"), "rewind-base:restores=7");
	arm();
	initramfs();
	CHECK_EQ_INT(boot(&res), 0);
	CHECK(fake_event_find("lvm lvchange --deltag rewind-base:restores=7 --addtag "
			      "rewind-base:state=open",
			      0) >= 0);
	check_baseline_snapshot("vg1", "data-rewind-T1", "data", 1);
	check_baseline_snapshot("vg0", "root-rewind-T1", "root", 1);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:"), 0);
	txn_results_done(&res);
}

/* boot-finish in the real root is told before anything is recorded or merged: a stage stopped by
 * its timeout in the middle of a restore must not leave the records to a later boot. */
TEST(test_restore_flags_finish_first)
{
	struct txn_results res = {};

	test_machine();
	CHECK_EQ_INT(begin_baseline((const char *const[]){"/", "/srv", NULL}), 0);
	arm();
	initramfs();
	CHECK(!test_rundir_has("finish"));
	fake_events_reset();
	/* The stage's first change, the records, fails: nothing merged, the flag there. */
	fake_fail_command("lvchange --addtag rewind-base:", 1, false);
	CHECK_EQ_INT(txn_boot(L, &(struct txn_merge_opts){.foreground = true}, &res), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	CHECK(test_rundir_has("finish"));
	CHECK(test_rundir_has("stage"));
	txn_results_done(&res);
}

/* Merged, then the power went: the record on the origin says what to take. */
TEST(test_crash_after_merge_takes_new_baseline)
{
	char *members[] = {(char *)"vg1/data", NULL};
	_cleanup_(txn_status_done) struct txn_status st = {};
	struct txn_results res = {};
	char expect[512];
	uint64_t size;

	test_machine();
	CHECK_EQ_INT(begin_baseline((const char *const[]){"/srv", NULL}), 0);
	size = lv_size("vg1", "data-rewind-T1");
	add_record("vg1", "data", members, "/srv", 1, size, 0);
	CHECK_EQ_INT(lvm_lv_remove(L, "vg1", "data-rewind-T1"), 0); /* merged */
	/* Meanwhile begin refuses, and says what comes next. */
	CHECK_EQ_INT(begin_as("T2", false, (const char *const[]){"/srv", NULL}),
		     -REFUSE_UNFINISHED);
	CHECK(test_log_contains("The baseline restore of transaction T1 is unfinished (vg1/data"));
	CHECK_EQ_INT(fake_event_count("lvm lvcreate -s -n data-rewind-T2"), 0);
	initramfs();
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(res.n, 0); /* nothing merged at this boot */
	/* No outcome, but boot-finish is told: had the stage been stopped before the snapshot,
	 * the real root would end the baseline rather than leave the record to a later boot. */
	CHECK(test_rundir_has("finish"));
	snprintf(
	    expect, sizeof(expect),
	    "lvm lvcreate -s -n data-rewind-T1 -L %" PRIu64
	    "b --addtag rewind:txn=T1 --addtag rewind:state=open --addtag rewind:time=1795644544 "
	    "--addtag rewind:mnt=/srv --addtag rewind:member=vg1/data --addtag "
	    "rewind:boot=" BOOT_1 " --addtag rewind:autoboots=0 --addtag rewind:baseline "
	    "--addtag rewind:restores=1 vg1/data",
	    size);
	CHECK(fake_event_find(expect, 0) >= 0);
	CHECK(fake_event_find("lvm lvchange --deltag rewind-base:", 0) >
	      fake_event_find("lvm lvcreate", 0));
	check_baseline_snapshot("vg1", "data-rewind-T1", "data", 1);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:"), 0);
	txn_results_done(&res);
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK(st.n_txns == 1 && st.txns[0].state == TXN_STATE_OPEN && st.txns[0].baseline &&
	      st.txns[0].restores == 1);
	/* Done: the next boot does nothing. */
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate") + fake_event_count("lvm lvchange"), 0);
	txn_results_done(&res);
}

/* A power cut between two merges of a restore: rolled forward, then both new snapshots. */
TEST(test_crash_between_merges)
{
	struct txn_results res = {};
	struct txn_set s = {};

	test_machine();
	CHECK_EQ_INT(begin_baseline((const char *const[]){"/", "/srv", NULL}), 0);
	arm();
	initramfs();
	/* The stage recorded both, marked both rolling-back, merged root; then the power went. */
	CHECK_EQ_INT(txn_set_load(L, false, &s), 0);
	CHECK_EQ_INT(s.n_txns, 1);
	if (s.n_txns == 1) {
		CHECK_EQ_INT(txn_rebase_mark(L, &s.txns[0]), 0);
		CHECK_EQ_INT(txn_set_state(L, &s.txns[0], TXN_STATE_ROLLING_BACK, NULL), 2);
	}
	txn_set_done(&s);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg0", "root"), "rewind-base:size="), 1);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:size="), 1);
	CHECK_EQ_INT(lvm_lv_remove(L, "vg0", "root-rewind-T1"), 0);
	CHECK_EQ_INT(boot(&res), 0);
	/* Nothing recorded again: the records of the restore under way stand. */
	CHECK_EQ_INT(fake_event_count("lvm lvchange --addtag rewind-base:"), 0);
	CHECK(res.baseline);
	CHECK_EQ_INT(res.n, 2);
	for (size_t i = 0; i < res.n; i++)
		CHECK_EQ_INT(res.r[i].action, TXN_MERGED);
	check_baseline_snapshot("vg0", "root-rewind-T1", "root", 1);
	check_baseline_snapshot("vg1", "data-rewind-T1", "data", 1);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg0", "root"), "rewind-base:"), 0);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:"), 0);
	txn_results_done(&res);
}

/* A restore recorded and not started (the old snapshot is still open): the record is dropped,
 * the snapshot left as it is. */
/* boot-finish in the real root (in_use): records beside whole snapshots are dropped and the
 * baseline kept; a record without its snapshot is BASELINE LOST. */
TEST(test_boot_finish_records)
{
	char *members[] = {(char *)"vg1/data", NULL};
	struct fake_lv *ds;

	test_machine();
	CHECK_EQ_INT(begin_baseline((const char *const[]){"/srv", NULL}), 0);
	ds = fake_find_lv("vg1", "data-rewind-T1");
	CHECK(ds != NULL);
	if (!ds)
		return;
	add_record("vg1", "data", members, "/srv", 1, ds->size, 0);
	CHECK_EQ_INT(txn_rebase_finish(L, NULL, true), 0);
	CHECK(!test_log_contains("BASELINE LOST"));
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:"), 0);
	check_baseline_snapshot("vg1", "data-rewind-T1", "data", 0);
	/* Its snapshot gone (merged, the stage stopped before taking the new one): lost. */
	add_record("vg1", "data", members, "/srv", 1, ds->size, 0);
	CHECK_EQ_INT(lvm_lv_remove(L, "vg1", "data-rewind-T1"), 0);
	CHECK(txn_rebase_finish(L, NULL, true) < 0);
	CHECK(test_log_contains("BASELINE LOST: the restore of T1 was not finished"));
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 1); /* begin's only */
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:"), 0);
}

/* commit of a plain transaction still refuses a member whose snapshot is there but unreadable
 * (damaged tags): it would be left behind. */
TEST(test_commit_refuses_unreadable_member)
{
	struct fake_lv *ds;

	test_machine();
	CHECK_EQ_INT(begin_as("T1", false, (const char *const[]){"/", "/srv", NULL}), 0);
	ds = fake_find_lv("vg1", "data-rewind-T1");
	CHECK(ds != NULL);
	if (!ds)
		return;
	fake_lv_add_tag(ds, "rewind:state=armed"); /* a second state: damaged */
	CHECK_EQ_INT(txn_commit(L, NULL), -REFUSE_SNAPSHOT);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") != NULL);
}

TEST(test_record_beside_open_snapshot_dropped)
{
	char *members[] = {(char *)"vg1/data", NULL};
	struct txn_results res = {};
	struct fake_lv *ds;
	int n_tags;

	test_machine();
	CHECK_EQ_INT(begin_baseline((const char *const[]){"/srv", NULL}), 0);
	ds = fake_find_lv("vg1", "data-rewind-T1");
	CHECK(ds != NULL);
	if (!ds)
		return;
	n_tags = ds->n_tags;
	add_record("vg1", "data", members, "/srv", 1, ds->size, 0);
	initramfs();
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(res.n, 0);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:"), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvremove"), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	/* Only the origin was changed. */
	CHECK_EQ_INT(fake_event_count("lvm lvchange"), 1);
	CHECK(fake_event_find("lvm lvchange --deltag rewind-base:", 0) >= 0 &&
	      strstr(fake_event_at(fake_event_find("lvm lvchange --deltag rewind-base:", 0)),
		     " vg1/data") != NULL);
	ds = fake_find_lv("vg1", "data-rewind-T1");
	CHECK(ds && ds->n_tags == n_tags);
	check_baseline_snapshot("vg1", "data-rewind-T1", "data", 0);
	txn_results_done(&res);
}

/* The old snapshot still rolling back (or merging) when the new one is to be taken: baseline
 * lost, loudly; the records dropped, nothing taken. */
TEST(test_unmerged_at_finish_baseline_lost)
{
	char *members[] = {(char *)"vg1/data", NULL};
	char *add[] = {(char *)"rewind:state=rolling-back", NULL};
	char *del[] = {(char *)"rewind:state=open", NULL};
	int n_lvs;

	for (int merging = 0; merging <= 1; merging++) {
		fake_reset();
		test_log_reset();
		test_machine();
		CHECK_EQ_INT(begin_baseline((const char *const[]){"/srv", NULL}), 0);
		add_record("vg1", "data", members, "/srv", 1, lv_size("vg1", "data-rewind-T1"), 0);
		CHECK_EQ_INT(lvm_lv_change_tags(L, "vg1", "data-rewind-T1", add, del), 0);
		if (merging && fake_find_lv("vg1", "data-rewind-T1"))
			fake_find_lv("vg1", "data-rewind-T1")->attr[0] = 'S';
		n_lvs = fake_count_lvs();
		fake_events_reset();
		CHECK(txn_rebase_finish(L, "T1", false) < 0);
		CHECK(test_log_contains("BASELINE LOST: the restore of T1 did not finish "
					"(vg1/data is still being merged, or not visible)"));
		CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
		CHECK_EQ_INT(fake_count_lvs(), n_lvs);
		CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:"), 0);
		CHECK(lv_has_tag("vg1", "data-rewind-T1", "rewind:state=rolling-back"));
	}
}

/* ---- 6. commit ---- */

TEST(test_commit_drops_records)
{
	char *members[] = {(char *)"vg1/data", NULL};
	char *txid = NULL;

	test_machine();
	CHECK_EQ_INT(begin_baseline((const char *const[]){"/srv", NULL}), 0);
	add_record("vg1", "data", members, "/srv", 1, lv_size("vg1", "data-rewind-T1"), 0);
	CHECK_EQ_INT(txn_commit(L, &txid), 0);
	CHECK_STREQ(txid, "T1");
	free(txid);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:"), 0);
	CHECK_EQ_INT(fake_count_lvs(), 2);
	CHECK_EQ_INT(fake_vg_free("vg1"), 2 * GiB);
	CHECK_EQ_INT(txn_commit(L, NULL), -REFUSE_NO_TXN);
}

/* Only the records are left (merged, the new snapshots not taken): commit ends baseline mode,
 * the volumes keep what they have; begin refused until then. */
TEST(test_commit_records_only)
{
	char *members[] = {(char *)"vg0/root", (char *)"vg1/data", NULL};
	char *txid = NULL;

	test_machine();
	add_record("vg0", "root", members, "/", 2, 1 * GiB, 0);
	add_record("vg1", "data", members, "/srv", 2, 512 * MiB, 64);
	CHECK_EQ_INT(begin_as("T2", false, (const char *const[]){"/srv", NULL}),
		     -REFUSE_UNFINISHED);
	CHECK_EQ_INT(begin_as("T2", true, (const char *const[]){"/srv", NULL}), -REFUSE_UNFINISHED);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	CHECK_EQ_INT(txn_commit(L, &txid), 0);
	CHECK_STREQ(txid, "T1");
	free(txid);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg0", "root"), "rewind-base:"), 0);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:"), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	CHECK_EQ_INT(fake_count_lvs(), 2);
	CHECK_EQ_INT(txn_commit(L, NULL), -REFUSE_NO_TXN);
	/* Now begin can. */
	CHECK_EQ_INT(begin_as("T2", false, (const char *const[]){"/srv", NULL}), 0);
	CHECK(fake_find_lv("vg1", "data-rewind-T2") != NULL);
}

/* ---- 8. thin ---- */

/* Root thick on vg0, /srv a thin volume of pool vg1/pool (as test-thin.c). */
static void thin_machine(void)
{
	fake_add_vg("vg0", 4 * GiB, 4 * MiB);
	fake_add_vg("vg1", 1 * GiB, 4 * MiB);
	fake_add_lv("vg0", "root", 8 * GiB, "-wi-ao----");
	fake_add_thin_pool("vg1", "pool", 2 * GiB, 20.0);
	fake_add_thin_lv("vg1", "data", "pool", 4 * GiB, true);
	test_mounts((const char *const[]){"/dev/mapper/vg0-root", "/", "/dev/mapper/vg1-data",
					  "/srv", NULL});
}

/* A thin restore: LVM's metadata swap, then a thin snapshot again (no size). */
TEST(test_thin_baseline_restore)
{
	struct txn_results res = {};
	struct fake_lv *ds, *d;
	unsigned old_id;

	thin_machine();
	fake_lv_add_tag(fake_find_lv("vg1", "data"), "keep_me");
	CHECK_EQ_INT(begin_baseline((const char *const[]){"/srv", NULL}), 0);
	ds = fake_find_lv("vg1", "data-rewind-T1");
	CHECK(ds && ds->attr[0] == 'V');
	if (!ds)
		return;
	old_id = ds->thin_id;
	CHECK_EQ_INT(tags_with_prefix(ds, "rewind:chunk="), 0);
	CHECK_EQ_INT(rollback_now(&res), 0);
	CHECK(res.n == 1 && res.r[0].action == TXN_MERGED);
	CHECK(fake_event_find("lvm lvchange --addtag rewind-base:txn=T1 ", 0) >= 0 &&
	      strstr(fake_event_at(fake_event_find("lvm lvchange --addtag rewind-base:", 0)),
		     "--addtag rewind-base:size=0 vg1/data"));
	CHECK(fake_event_find("lvm lvconvert --mergethin vg1/data-rewind-T1", 0) <
	      fake_event_find("lvm lvcreate -s -n data-rewind-T1 --addtag rewind:txn=T1 ", 0));
	CHECK(fake_event_find("lvm lvconvert --mergethin vg1/data-rewind-T1", 0) >= 0);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate -s -n data-rewind-T1 -L"), 0);
	/* The origin is the old snapshot's device now, the new snapshot a thin one of it. */
	d = fake_find_lv("vg1", "data");
	ds = fake_find_lv("vg1", "data-rewind-T1");
	CHECK(d && d->thin_id == old_id);
	CHECK(d && fake_lv_has_tag(d, "keep_me"));
	CHECK_EQ_INT(tags_with_prefix(d, "rewind-base:"), 0);
	CHECK_EQ_INT(tags_with_prefix(d, "rewind:"), 0);
	CHECK(ds && ds->attr[0] == 'V' && streq(ds->pool, "pool") && ds->thin_id != old_id);
	check_baseline_snapshot("vg1", "data-rewind-T1", "data", 1);
	CHECK_EQ_INT(fake_vg_free("vg1"), 1 * GiB); /* nothing taken from the VG */
	txn_results_done(&res);
	/* Twice. */
	ds = fake_find_lv("vg1", "data-rewind-T1");
	old_id = ds ? ds->thin_id : 0;
	CHECK_EQ_INT(rollback_now(&res), 0);
	CHECK(res.n == 1 && res.r[0].action == TXN_MERGED);
	CHECK(fake_find_lv("vg1", "data")->thin_id == old_id);
	check_baseline_snapshot("vg1", "data-rewind-T1", "data", 2);
	txn_results_done(&res);
}

/* The record of a thin member (size 0) after a power cut: the boot takes a thin snapshot. */
TEST(test_thin_crash_after_merge)
{
	char *members[] = {(char *)"vg1/data", NULL};
	struct txn_results res = {};
	struct fake_lv *ds;

	thin_machine();
	add_record("vg1", "data", members, "/srv", 1, 0, 0);
	strcpy(fake_find_lv("vg1", "data")->attr, "Vwi---tz--");
	test_mounts((const char *const[]){NULL});
	CHECK_EQ_INT(boot(&res), 0);
	CHECK(fake_event_find("lvm lvcreate -s -n data-rewind-T1 --addtag rewind:txn=T1 ", 0) >= 0);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate -s -n data-rewind-T1 -L"), 0);
	ds = fake_find_lv("vg1", "data-rewind-T1");
	CHECK(ds && ds->attr[0] == 'V' && streq(ds->pool, "pool"));
	check_baseline_snapshot("vg1", "data-rewind-T1", "data", 1);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:"), 0);
	txn_results_done(&res);
}

int main(void)
{
	int n_failed = 0;

	if (lvm_new(&L) < 0)
		return 1;
	RUN(test_boot_restores_baseline);
	RUN(test_damaged_record_replaced_at_restore);
	RUN(test_restore_flags_finish_first);
	RUN(test_crash_after_merge_takes_new_baseline);
	RUN(test_crash_between_merges);
	RUN(test_boot_finish_records);
	RUN(test_commit_refuses_unreadable_member);
	RUN(test_record_beside_open_snapshot_dropped);
	RUN(test_unmerged_at_finish_baseline_lost);
	RUN(test_commit_drops_records);
	RUN(test_commit_records_only);
	RUN(test_thin_baseline_restore);
	RUN(test_thin_crash_after_merge);
	lvm_free(L);
	return n_failed ? 1 : 0;
}
