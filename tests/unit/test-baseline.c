/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Baseline mode (begin --baseline, txn-baseline.c): its tags and records, begin, rollback --now
 * (merged to its end, a new snapshot of the same content before it is mounted again), and
 * auto-commit, which never commits a baseline. The boot side: test-baseline-boot.c.
 */
#include "baseline-fixture.h"

/* ---- 1. tags ---- */

TEST(test_tags_baseline_roundtrip)
{
	char *members[] = {(char *)"vg1/data", NULL};
	struct txn_tags t = {.state = TXN_STATE_OPEN,
			     .time = 1795644544,
			     .members = members,
			     .auto_boots = 0,
			     .baseline = true,
			     .restores = 7,
			     .chunk_kib = 64},
			d;
	_cleanup_strv_ char **tags = NULL, **plain = NULL;

	strcpy(t.txid, "T1");
	CHECK_EQ_INT(txn_tags_encode(&t, &tags), 0);
	CHECK(strv_contains(tags, "rewind:baseline"));
	CHECK(strv_contains(tags, "rewind:restores=7"));
	CHECK(strv_contains(tags, "rewind:chunk=64"));
	CHECK_EQ_INT(txn_tags_decode(tags, &d), 0);
	CHECK(d.present && d.baseline);
	CHECK_EQ_INT(d.restores, 7);
	CHECK_EQ_INT(d.chunk_kib, 64);
	CHECK_EQ_INT(d.state, TXN_STATE_OPEN);
	txn_tags_done(&d);
	/* Not restored yet, no chunk chosen, not a baseline: no such tags at all. */
	t.restores = 0;
	t.chunk_kib = 0;
	t.baseline = false;
	CHECK_EQ_INT(txn_tags_encode(&t, &plain), 0);
	for (size_t i = 0; plain && plain[i]; i++)
		CHECK(!startswith(plain[i], "rewind:restores=") &&
		      !startswith(plain[i], "rewind:chunk=") &&
		      !streq(plain[i], "rewind:baseline"));
	CHECK_EQ_INT(txn_tags_decode(plain, &d), 0);
	CHECK(d.present && !d.baseline && d.restores == 0 && d.chunk_kib == 0);
	txn_tags_done(&d);
	/* Out of range: LVM's chunk sizes (4 to 512 KiB, a power of 2), restores >= 1. */
	{
		const char *const bad[] = {
		    "rewind:chunk=3", "rewind:chunk=1024", "rewind:chunk=48",
		    "rewind:chunk=",  "rewind:restores=0", "rewind:restores=x"};

		for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
			const char *l[] = {"rewind:txn=T1", "rewind:state=open", bad[i], NULL};

			CHECK_EQ_INT(txn_tags_decode((char *const *)l, &d), -EBADMSG);
			CHECK(!d.present);
		}
	}
}

TEST(test_rebase_roundtrip)
{
	char *members[] = {(char *)"vg0/root", (char *)"vg1/data", NULL};
	struct txn_tags t = {.state = TXN_STATE_OPEN,
			     .time = 1795644544,
			     .root = true,
			     .pinned = true,
			     .members = members,
			     .auto_boots = 2,
			     .baseline = true,
			     .restores = 3,
			     .chunk_kib = 128},
			d;
	_cleanup_strv_ char **tags = NULL, **origin = NULL;
	uint64_t size = 1;

	strcpy(t.txid, "T1");
	strcpy(t.boot_id, BOOT_2);
	t.mnt = (char *)"/a b";
	CHECK_EQ_INT(txn_rebase_encode(&t, 1719664640, &tags), 0);
	/* Every tag outside rewind: (no transaction is read from an origin), valid for LVM. */
	for (size_t i = 0; tags && tags[i]; i++) {
		CHECK(startswith(tags[i], "rewind-base:"));
		CHECK_EQ_INT(name_valid_tag(tags[i]), 0);
	}
	CHECK(strv_contains(tags, "rewind-base:size=1719664640"));
	CHECK(strv_contains(tags, "rewind-base:restores=3"));
	CHECK(strv_contains(tags, "rewind-base:chunk=128"));
	CHECK(strv_contains(tags, "rewind-base:mnt=/a#20b"));
	/* An origin's own tags around them: skipped, and none of them is a transaction. */
	CHECK_EQ_INT(strv_extend(&origin, "keep_me"), 0);
	CHECK_EQ_INT(strv_extend(&origin, "rewind:restore-esp=T1"), 0);
	for (size_t i = 0; tags && tags[i]; i++)
		CHECK_EQ_INT(strv_extend(&origin, tags[i]), 0);
	CHECK_EQ_INT(txn_tags_decode(origin, &d), 0);
	CHECK(!d.present);
	CHECK_EQ_INT(txn_rebase_decode(origin, &d, &size), 0);
	CHECK(d.present);
	CHECK_STREQ(d.txid, "T1");
	CHECK_EQ_INT(d.state, TXN_STATE_OPEN);
	CHECK(d.baseline && d.root && d.pinned);
	CHECK_EQ_INT(d.restores, 3);
	CHECK_EQ_INT(d.chunk_kib, 128);
	CHECK_EQ_INT(d.time, 1795644544);
	CHECK_EQ_INT(d.auto_boots, 2);
	CHECK_STREQ(d.boot_id, BOOT_2);
	CHECK_STREQ(d.mnt, "/a b");
	CHECK_EQ_INT(strv_length(d.members), 2);
	CHECK(strv_contains(d.members, "vg0/root") && strv_contains(d.members, "vg1/data"));
	CHECK_EQ_INT(size, 1719664640);
	txn_tags_done(&d);
	/* Thin: size 0. */
	strv_free(tags);
	tags = NULL;
	t.chunk_kib = 0;
	CHECK_EQ_INT(txn_rebase_encode(&t, 0, &tags), 0);
	CHECK(strv_contains(tags, "rewind-base:size=0"));
	CHECK_EQ_INT(txn_rebase_decode(tags, &d, &size), 0);
	CHECK(d.present && d.chunk_kib == 0);
	CHECK_EQ_INT(size, 0);
	txn_tags_done(&d);
	/* No record: not present, no error. */
	CHECK_EQ_INT(txn_rebase_decode(
			 (char *const[]){(char *)"keep_me", (char *)"rewind:restore-esp=T1", NULL},
			 &d, &size),
		     0);
	CHECK(!d.present);
	CHECK_EQ_INT(txn_rebase_decode(NULL, &d, &size), 0);
	CHECK(!d.present);
}

TEST(test_rebase_damaged)
{
#define REBASE_OK "rewind-base:txn=T1", "rewind-base:state=open", "rewind-base:baseline"
	const char *const *const bad[] = {
	    /* no size */
	    (const char *const[]){REBASE_OK, NULL},
	    /* not open */
	    (const char *const[]){"rewind-base:txn=T1", "rewind-base:state=armed",
				  "rewind-base:baseline", "rewind-base:size=4096", NULL},
	    (const char *const[]){"rewind-base:txn=T1", "rewind-base:state=rolling-back",
				  "rewind-base:baseline", "rewind-base:size=4096", NULL},
	    /* no state */
	    (const char *const[]){"rewind-base:txn=T1", "rewind-base:baseline",
				  "rewind-base:size=4096", NULL},
	    /* not a baseline */
	    (const char *const[]){"rewind-base:txn=T1", "rewind-base:state=open",
				  "rewind-base:size=4096", NULL},
	    /* no transaction */
	    (const char *const[]){"rewind-base:state=open", "rewind-base:baseline",
				  "rewind-base:size=4096", NULL},
	    /* two sizes, even equal ones */
	    (const char *const[]){REBASE_OK, "rewind-base:size=4096", "rewind-base:size=8192",
				  NULL},
	    (const char *const[]){REBASE_OK, "rewind-base:size=4096", "rewind-base:size=4096",
				  NULL},
	    /* a size that is no number */
	    (const char *const[]){REBASE_OK, "rewind-base:size=4k", NULL},
	    (const char *const[]){REBASE_OK, "rewind-base:size=", NULL},
	    (const char *const[]){REBASE_OK, "rewind-base:size=-1", NULL},
	    /* chunk sizes LVM does not have */
	    (const char *const[]){REBASE_OK, "rewind-base:size=4096", "rewind-base:chunk=3", NULL},
	    (const char *const[]){REBASE_OK, "rewind-base:size=4096", "rewind-base:chunk=1024",
				  NULL},
	    (const char *const[]){REBASE_OK, "rewind-base:size=4096", "rewind-base:chunk=2", NULL},
	    /* what txn_tags_decode() refuses */
	    (const char *const[]){REBASE_OK, "rewind-base:size=4096", "rewind-base:txn=T2", NULL},
	    (const char *const[]){REBASE_OK, "rewind-base:size=4096", "rewind-base:restores=0",
				  NULL},
	    (const char *const[]){REBASE_OK, "rewind-base:size=4096", "rewind-base:member=vg0",
				  NULL},
	    (const char *const[]){REBASE_OK, "rewind-base:size=4096", "rewind-base:mnt=rel", NULL},
	};
	struct txn_tags t;
	uint64_t size;

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		int r = txn_rebase_decode((char *const *)bad[i], &t, &size);

		if (r != -EBADMSG)
			fprintf(stderr, "  case %zu: %d\n", i, r);
		CHECK_EQ_INT(r, -EBADMSG);
		CHECK(!t.present);
		CHECK(t.mnt == NULL && t.members == NULL);
	}
	/* The good one they are made from. */
	CHECK_EQ_INT(
	    txn_rebase_decode(
		(char *const *)(const char *const[]){REBASE_OK, "rewind-base:size=4096", NULL}, &t,
		&size),
	    0);
	CHECK(t.present && t.baseline && t.state == TXN_STATE_OPEN);
	CHECK_EQ_INT(size, 4096);
	txn_tags_done(&t);
#undef REBASE_OK
}

/* Damaged records on an origin are ignored (warned), not acted on. */
TEST(test_rebase_damaged_on_origin_ignored)
{
	struct txn_results res = {};
	struct txn_set s = {};

	test_machine();
	fake_lv_add_tag(fake_find_lv("vg1", "data"), "rewind-base:txn=T1");
	fake_lv_add_tag(fake_find_lv("vg1", "data"), "rewind-base:state=open");
	fake_lv_add_tag(fake_find_lv("vg1", "data"), "rewind-base:baseline");
	CHECK_EQ_INT(txn_set_load(L, false, &s), 0);
	CHECK_EQ_INT(s.n_rebases, 0);
	CHECK_EQ_INT(s.n_txns, 0);
	txn_set_done(&s);
	CHECK(test_log_contains("Ignoring vg1/data's baseline restore tags: they are damaged."));
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvchange"), 0);
	txn_results_done(&res);
}

/* ---- 2. begin ---- */

TEST(test_begin_baseline)
{
	_cleanup_(txn_status_done) struct txn_status st = {};
	_cleanup_free_ char *json = NULL;
	struct fake_lv *rs, *ds;

	test_machine();
	CHECK_EQ_INT(begin_baseline((const char *const[]){"/", "/srv:10%SIZE,chunk=64K", NULL}), 0);
	rs = fake_find_lv("vg0", "root-rewind-T1");
	ds = fake_find_lv("vg1", "data-rewind-T1");
	check_baseline_snapshot("vg0", "root-rewind-T1", "root", 0);
	check_baseline_snapshot("vg1", "data-rewind-T1", "data", 0);
	/* The chunk size begin chose is recorded for the snapshots a restore takes again. */
	CHECK(ds && fake_lv_has_tag(ds, "rewind:chunk=64"));
	CHECK_EQ_INT(tags_with_prefix(rs, "rewind:chunk="), 0);
	CHECK(fake_event_find("lvm lvcreate -s -n data-rewind-T1 -L 432013312b -c 64k ", 0) >= 0);
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK_EQ_INT(st.n_txns, 1);
	if (st.n_txns != 1)
		return;
	CHECK_STREQ(st.txns[0].txid, "T1");
	CHECK_EQ_INT(st.txns[0].state, TXN_STATE_OPEN);
	CHECK(st.txns[0].baseline);
	CHECK_EQ_INT(st.txns[0].restores, 0);
	CHECK_EQ_INT(txn_status_to_json(&st, false, &json), 0);
	CHECK(json && strstr(json, "\"baseline\":true"));
	CHECK(json && strstr(json, "\"restores\":0"));
}

/* Without --baseline: no baseline tag, status says so. */
TEST(test_begin_not_baseline)
{
	_cleanup_(txn_status_done) struct txn_status st = {};

	test_machine();
	CHECK_EQ_INT(begin_as("T1", false, (const char *const[]){"/srv", NULL}), 0);
	CHECK(!lv_has_tag("vg1", "data-rewind-T1", "rewind:baseline"));
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK(st.n_txns == 1 && !st.txns[0].baseline && st.txns[0].restores == 0);
}

/* ---- 3. rollback --now ---- */

TEST(test_rollback_now_restores_baseline)
{
	_cleanup_(txn_status_done) struct txn_status st = {};
	struct txn_results res = {};
	struct fake_lv *ds;
	uint64_t size;
	int mark, rb, conv, create, drop, mount;

	test_machine();
	CHECK_EQ_INT(begin_baseline((const char *const[]){"/srv:10%SIZE,chunk=64K", NULL}), 0);
	ds = fake_find_lv("vg1", "data-rewind-T1");
	CHECK(ds != NULL);
	if (!ds)
		return;
	size = ds->size;
	/* A later boot restores it: the new snapshot is this boot's. */
	test_boot_id(TEST_BOOT_ID_2);
	CHECK_EQ_INT(rollback_now(&res), 0);
	CHECK(res.baseline);
	CHECK_STREQ(res.txid, "T1");
	CHECK_EQ_INT(res.n, 1);
	/* Merged to its end (the default merge is in the background), no merge left. */
	CHECK(res.n == 1 && res.r[0].action == TXN_MERGED);
	/* Started as any merge (txn-merge.c), then polled here to its end. */
	CHECK_EQ_INT(events_containing("--polloperation merge"), 1);
	CHECK(!test_rundir_has("merging"));
	/* The record, the point of no return, the merge, the new snapshot, the record dropped,
	 * then mounted again: in that order. */
	mark = fake_event_find("lvm lvchange --addtag rewind-base:txn=T1 ", 0);
	rb = fake_event_find("lvm lvchange --deltag rewind:state=open --addtag "
			     "rewind:state=rolling-back vg1/data-rewind-T1",
			     0);
	conv = fake_event_find("lvm lvconvert --background --mergesnapshot vg1/data-rewind-T1", 0);
	create = fake_event_find("lvm lvcreate -s -n data-rewind-T1 ", 0);
	drop = fake_event_find("lvm lvchange --deltag rewind-base:", 0);
	mount = fake_event_find("mnt mount /srv", 0);
	CHECK(fake_event_find("mnt umount /srv", 0) < mark);
	CHECK(mark >= 0 && rb > mark && conv > rb && create > conv && drop > create &&
	      mount > drop);
	CHECK(mark >= 0 && strstr(fake_event_at(mark), " vg1/data") &&
	      strstr(fake_event_at(mark), " --addtag rewind-base:restores=1 ") &&
	      strstr(fake_event_at(mark), " --addtag rewind-base:state=open "));
	/* Of the same size and chunk, with the transaction's tags. */
	{
		char expect[256];

		snprintf(expect, sizeof(expect),
			 "lvm lvcreate -s -n data-rewind-T1 -L %" PRIu64
			 "b -c 64k --addtag rewind:txn=T1 --addtag rewind:state=open ",
			 size);
		CHECK(create >= 0 && strncmp(fake_event_at(create), expect, strlen(expect)) == 0);
	}
	check_baseline_snapshot("vg1", "data-rewind-T1", "data", 1);
	ds = fake_find_lv("vg1", "data-rewind-T1");
	CHECK(ds && ds->size == size);
	CHECK(ds && fake_lv_has_tag(ds, "rewind:chunk=64"));
	CHECK(ds && fake_lv_has_tag(ds, "rewind:mnt=/srv"));
	CHECK(ds && fake_lv_has_tag(ds, "rewind:member=vg1/data"));
	CHECK(ds && fake_lv_has_tag(ds, "rewind:boot=" BOOT_2));
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:"), 0);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind:"), 0);
	CHECK(fake_find_lv("vg1", "data")->attr[5] == 'o'); /* mounted again */
	CHECK(test_log_contains("Took the new baseline snapshot vg1/data-rewind-T1 (restore 1 of "
				"T1)."));
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK(st.n_txns == 1 && st.txns[0].state == TXN_STATE_OPEN && st.txns[0].baseline &&
	      st.txns[0].restores == 1);
	txn_results_done(&res);

	/* And again: restore 2, the same name again. */
	CHECK_EQ_INT(rollback_now(&res), 0);
	CHECK(res.n == 1 && res.r[0].action == TXN_MERGED);
	check_baseline_snapshot("vg1", "data-rewind-T1", "data", 2);
	CHECK(!lv_has_tag("vg1", "data-rewind-T1", "rewind:restores=1"));
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:"), 0);
	CHECK_EQ_INT(fake_count_lvs(), 3);
	txn_results_done(&res);
	/* Still a transaction that begin refuses, and commit ends. */
	CHECK_EQ_INT(begin_as("T2", false, (const char *const[]){"/srv", NULL}),
		     -REFUSE_TXN_EXISTS);
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	CHECK_EQ_INT(fake_count_lvs(), 2);
}

/* Two members, the second record fails: nothing merged, the first record dropped again. */
TEST(test_rollback_now_record_fails)
{
	struct txn_results res = {};

	test_machine();
	fake_add_lv("vg1", "more", GiB, "-wi-ao----");
	test_mounts((const char *const[]){"/dev/mapper/vg0-root", "/", "/dev/mapper/vg1-data",
					  "/srv", "/dev/mapper/vg1-more", "/more", NULL});
	CHECK_EQ_INT(begin_baseline((const char *const[]){"/srv", "/more", NULL}), 0);
	fake_fail_command("lvchange --addtag rewind-base:", 2, false);
	CHECK(rollback_now(&res) < 0);
	CHECK(test_log_contains("Cannot record on vg1/"));
	CHECK(test_log_contains("Nothing was rolled back"));
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	CHECK_EQ_INT(events_containing("rewind:state=rolling-back"), 0);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:"), 0);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "more"), "rewind-base:"), 0);
	check_baseline_snapshot("vg1", "data-rewind-T1", "data", 0);
	check_baseline_snapshot("vg1", "more-rewind-T1", "more", 0);
	CHECK(fake_event_find("mnt mount /srv", 0) >= 0 &&
	      fake_event_find("mnt mount /more", 0) >= 0);
	txn_results_done(&res);
}

/*
 * A merge that fails: the volumes are used from now on, before that merge ended, so no new
 * baseline is taken (BASELINE LOST). The next boot rolls the rest forward; it must not take a
 * baseline of that member alone (the other's was given up): the transaction ends.
 */
TEST(test_rollback_now_merge_fails_baseline_lost)
{
	_cleanup_(txn_status_done) struct txn_status st = {};
	struct txn_results res = {};

	test_machine();
	fake_add_lv("vg1", "more", GiB, "-wi-ao----");
	test_mounts((const char *const[]){"/dev/mapper/vg0-root", "/", "/dev/mapper/vg1-data",
					  "/srv", "/dev/mapper/vg1-more", "/more", NULL});
	CHECK_EQ_INT(begin_baseline((const char *const[]){"/srv", "/more", NULL}), 0);
	fake_fail_command("lvconvert", 2, false);
	CHECK_EQ_INT(rollback_now(&res), -EIO);
	CHECK_EQ_INT(res.n, 2);
	CHECK(res.n == 2 && res.r[0].action == TXN_MERGED && res.r[1].action == TXN_FAILED);
	CHECK(test_log_contains("BASELINE LOST: the restore of T1 did not finish"));
	/* Neither member gets a new snapshot, both records are dropped. */
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	CHECK(lv_has_tag("vg1", "more-rewind-T1", "rewind:state=rolling-back"));
	/* Baseline mode ends for what is left: rolled back as a plain transaction. */
	CHECK(!lv_has_tag("vg1", "more-rewind-T1", "rewind:baseline"));
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "data"), "rewind-base:"), 0);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "more"), "rewind-base:"), 0);
	CHECK(fake_event_find("mnt mount /srv", 0) >= 0);
	txn_results_done(&res);

	/* The next boot finishes the rollback of more, and takes no baseline of it alone. */
	strcpy(fake_find_lv("vg0", "root")->attr, "-wi-a-----");
	strcpy(fake_find_lv("vg1", "data")->attr, "-wi-------");
	strcpy(fake_find_lv("vg1", "more")->attr, "owi-------");
	if (fake_find_lv("vg1", "more-rewind-T1"))
		fake_find_lv("vg1", "more-rewind-T1")->attr[4] = '-';
	test_mounts((const char *const[]){NULL});
	CHECK_EQ_INT(boot(&res), 0);
	txn_results_done(&res);
	/* No longer a baseline (rewind:baseline dropped): a plain rollback, in the background as
	 * the stage asks; merge-wait ends it. */
	{
		struct txn_merge_opts fg = {.foreground = true};

		CHECK(txn_merge_finish(L, &fg, &res) >= 0);
	}
	CHECK(fake_find_lv("vg1", "more-rewind-T1") == NULL);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	CHECK_EQ_INT(tags_with_prefix(fake_find_lv("vg1", "more"), "rewind-base:"), 0);
	txn_results_done(&res);
	/* Nothing left behind that commit or begin would refuse. */
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK_EQ_INT(st.n_txns, 0);
	CHECK_EQ_INT(fake_count_lvs(), 3);
	CHECK_EQ_INT(txn_commit(L, NULL), -REFUSE_NO_TXN);
	/* As the message said: a new baseline. */
	strcpy(fake_find_lv("vg1", "data")->attr, "-wi-ao----");
	strcpy(fake_find_lv("vg1", "more")->attr, "-wi-ao----");
	test_mounts((const char *const[]){"/dev/mapper/vg1-data", "/srv", "/dev/mapper/vg1-more",
					  "/more", NULL});
	CHECK_EQ_INT(begin_baseline((const char *const[]){"/srv", "/more", NULL}), 0);
	check_baseline_snapshot("vg1", "data-rewind-T1", "data", 0);
	check_baseline_snapshot("vg1", "more-rewind-T1", "more", 0);
}

/* ---- 7. auto-commit ---- */

static uint64_t boot_time;

static uint64_t fake_boot_time(void)
{
	return boot_time;
}

/* Move every snapshot's begin time back by secs. */
static void age(uint64_t secs)
{
	struct fake_lv *s[] = {fake_find_lv("vg0", "root-rewind-T1"),
			       fake_find_lv("vg1", "data-rewind-T1")};

	for (size_t i = 0; i < ELEMENTSOF(s); i++)
		for (int t = 0; s[i] && t < s[i]->n_tags; t++)
			if (startswith(s[i]->tags[t], "rewind:time="))
				snprintf(s[i]->tags[t], sizeof(s[i]->tags[t]),
					 "rewind:time=%" PRIu64, (uint64_t)time(NULL) - secs);
}

TEST(test_auto_commit_never_baseline)
{
	char *del[] = {(char *)"rewind:baseline", NULL};
	struct conf c;

	test_machine();
	CHECK_EQ_INT(begin_baseline((const char *const[]){"/", "/srv", NULL}), 0);
	/* Old enough, and a later boot reached boot-complete.target. */
	boot_time = (uint64_t)time(NULL) - 3600;
	txn_auto_boot_time = fake_boot_time;
	age(7200);
	test_boot_id(TEST_BOOT_ID_2);
	CHECK_EQ_INT(txn_auto_boot_good(L), 0);
	CHECK(lv_has_tag("vg1", "data-rewind-T1", "rewind:good=1"));
	conf_init(&c);
	c.auto_commit_after = 60;
	CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 0);
	CHECK(test_log_contains("Transaction T1 is a baseline: never committed automatically."));
	CHECK(fake_find_lv("vg0", "root-rewind-T1") && fake_find_lv("vg1", "data-rewind-T1"));
	CHECK_EQ_INT(fake_event_count("lvm lvremove"), 0);
	/* However old. */
	age(365 * 86400);
	CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 0);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") && fake_find_lv("vg1", "data-rewind-T1"));
	/* The same transaction without the baseline tag is committed: the tag alone kept it. */
	CHECK_EQ_INT(lvm_lv_change_tags(L, "vg0", "root-rewind-T1", NULL, del), 0);
	CHECK_EQ_INT(lvm_lv_change_tags(L, "vg1", "data-rewind-T1", NULL, del), 0);
	CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 1);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") == NULL);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	conf_done(&c);
}

int main(void)
{
	int n_failed = 0;

	if (lvm_new(&L) < 0)
		return 1;
	RUN(test_tags_baseline_roundtrip);
	RUN(test_rebase_roundtrip);
	RUN(test_rebase_damaged);
	RUN(test_rebase_damaged_on_origin_ignored);
	RUN(test_begin_baseline);
	RUN(test_begin_not_baseline);
	RUN(test_rollback_now_restores_baseline);
	RUN(test_rollback_now_record_fails);
	RUN(test_rollback_now_merge_fails_baseline_lost);
	RUN(test_auto_commit_never_baseline);
	lvm_free(L);
	return n_failed ? 1 : 0;
}
