/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Baseline mode (begin --baseline, txn-baseline.c): a rollback merges every member to its end and
 * takes a new snapshot of the same content before anything mounts it; the next snapshot is
 * recorded on each origin (rewind-base: tags) before the first merge, so that a crash leaves the
 * old baseline or the new one.
 */
#include <errno.h>
#include <inttypes.h>
#include <time.h>
#include <unistd.h>

#include "fake.h"
#include "tags.h"
#include "test.h"
#include "txn-auto.h"
#include "txn.h"
#include "util.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* TEST_BOOT_ID_1 and _2 as the tags write them. */
#define BOOT_1 "4c0b2d6e11114a4a9b9b000000000001"
#define BOOT_2 "4c0b2d6e22224a4a9b9b000000000002"

static struct lvm *L;

/* ---- helpers ---- */

static int begin_as(const char *txid, bool baseline, const char *const *targets)
{
	return test_begin(L, txid, targets, NULL, baseline);
}

static int begin_baseline(const char *const *targets)
{
	return begin_as("T1", true, targets);
}

/* rollback --now with the default merge (background): a baseline forces the foreground. */
static int rollback_now(struct txn_results *res)
{
	struct txn_rollback_opts o = {.now = true};

	*res = (struct txn_results){};
	fake_events_reset();
	return txn_rollback(L, &o, res);
}

/* rollback without --now: root in the transaction, every member armed. */
static void arm(void)
{
	struct txn_rollback_opts o = {};
	struct txn_results res = {};

	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	for (size_t i = 0; i < res.n; i++)
		CHECK_EQ_INT(res.r[i].action, TXN_ARMED);
	txn_results_done(&res);
}

/* What the initramfs sees: nothing mounted; root active (dracut), data inactive. */
static void initramfs(void)
{
	struct fake_lv *ds = fake_find_lv("vg1", "data-rewind-T1");

	if (fake_find_lv("vg0", "root"))
		strcpy(fake_find_lv("vg0", "root")->attr, "owi-a-----");
	strcpy(fake_find_lv("vg1", "data")->attr, ds ? "owi-------" : "-wi-------");
	if (ds)
		ds->attr[4] = '-';
	test_mounts((const char *const[]){NULL});
}

/* The initramfs stage with the default merge (background, LVM's poller ours). */
static int boot(struct txn_results *res)
{
	struct txn_merge_opts o = {.own_poller = true};

	*res = (struct txn_results){};
	fake_events_reset();
	return txn_boot(L, &o, res);
}

/* Events that contain s anywhere (fake_event_count() matches a prefix). */
static int events_containing(const char *s)
{
	int n = 0;

	for (int i = 0; i < fake_n_events(); i++)
		n += strstr(fake_event_at(i), s) != NULL;
	return n;
}

/* NULL-safe: a test that fails goes on to its next check. */
static bool lv_has_tag(const char *vg, const char *name, const char *tag)
{
	struct fake_lv *lv = fake_find_lv(vg, name);

	return lv && fake_lv_has_tag(lv, tag);
}

static uint64_t lv_size(const char *vg, const char *name)
{
	struct fake_lv *lv = fake_find_lv(vg, name);

	CHECK(lv != NULL);
	return lv ? lv->size : 0;
}

static int tags_with_prefix(const struct fake_lv *lv, const char *prefix)
{
	int n = 0;

	for (int i = 0; lv && i < lv->n_tags; i++)
		n += startswith(lv->tags[i], prefix);
	return n;
}

/* A snapshot of the baseline: open, in baseline mode, restored n times. */
static void check_baseline_snapshot(const char *vg, const char *name, const char *origin,
				    unsigned restores)
{
	struct fake_lv *s = fake_find_lv(vg, name);
	char tag[64];

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_STREQ(s->origin, origin);
	CHECK(fake_lv_has_tag(s, "rewind:txn=T1"));
	CHECK(fake_lv_has_tag(s, "rewind:state=open"));
	CHECK_EQ_INT(tags_with_prefix(s, "rewind:state="), 1);
	CHECK(fake_lv_has_tag(s, "rewind:baseline"));
	CHECK_EQ_INT(tags_with_prefix(s, "rewind:restores="), restores ? 1 : 0);
	snprintf(tag, sizeof(tag), "rewind:restores=%u", restores);
	CHECK(restores == 0 || fake_lv_has_tag(s, tag));
	CHECK_EQ_INT(tags_with_prefix(s, "rewind-base:"), 0);
}

/* The record of the next baseline snapshot (restore n of T1) on vg/origin, as
 * txn_rebase_mark() writes it. */
static void add_record(const char *vg, const char *origin, char **members, const char *mnt,
		       unsigned restores, uint64_t size, uint32_t chunk_kib)
{
	struct txn_tags t = {
	    .state = TXN_STATE_OPEN,
	    .time = 1795644544,
	    .members = members,
	    .auto_boots = 0,
	    .baseline = true,
	    .restores = restores,
	    .chunk_kib = chunk_kib,
	};
	_cleanup_strv_ char **tags = NULL;
	struct fake_lv *lv = fake_find_lv(vg, origin);

	strcpy(t.txid, "T1");
	strcpy(t.boot_id, BOOT_1);
	t.mnt = (char *)mnt;
	CHECK(lv != NULL);
	CHECK_EQ_INT(txn_rebase_encode(&t, size, &tags), 0);
	for (size_t i = 0; lv && tags && tags[i]; i++)
		fake_lv_add_tag(lv, tags[i]);
}

static char *outcome(void)
{
	_cleanup_free_ char *p = strdup_printf("%s/outcome.json", getenv("REWIND_RUNDIR"));
	char *s = NULL;
	FILE *f = p ? fopen(p, "re") : NULL;
	size_t n = 0;

	if (!f)
		return NULL;
	if (getdelim(&s, &n, '\0', f) < 0) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

static bool merging_flag(void)
{
	_cleanup_free_ char *p = strdup_printf("%s/merging", getenv("REWIND_RUNDIR"));

	return p && access(p, F_OK) == 0;
}

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
	CHECK(!merging_flag());
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
	CHECK(!merging_flag());
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
	out = outcome();
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
	RUN(test_tags_baseline_roundtrip);
	RUN(test_rebase_roundtrip);
	RUN(test_rebase_damaged);
	RUN(test_rebase_damaged_on_origin_ignored);
	RUN(test_damaged_record_replaced_at_restore);
	RUN(test_boot_finish_records);
	RUN(test_commit_refuses_unreadable_member);
	RUN(test_begin_baseline);
	RUN(test_begin_not_baseline);
	RUN(test_rollback_now_restores_baseline);
	RUN(test_rollback_now_record_fails);
	RUN(test_rollback_now_merge_fails_baseline_lost);
	RUN(test_boot_restores_baseline);
	RUN(test_crash_after_merge_takes_new_baseline);
	RUN(test_crash_between_merges);
	RUN(test_record_beside_open_snapshot_dropped);
	RUN(test_unmerged_at_finish_baseline_lost);
	RUN(test_commit_drops_records);
	RUN(test_commit_records_only);
	RUN(test_auto_commit_never_baseline);
	RUN(test_thin_baseline_restore);
	RUN(test_thin_crash_after_merge);
	lvm_free(L);
	return n_failed ? 1 : 0;
}
