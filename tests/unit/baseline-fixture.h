/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What test-baseline.c and test-baseline-boot.c share: the machine, begin, rollback, the
 * initramfs stage, and checks of the fake LVM's snapshots and records. */
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

static inline int begin_as(const char *txid, bool baseline, const char *const *targets)
{
	return test_begin(L, txid, targets, NULL, baseline);
}

static inline int begin_baseline(const char *const *targets)
{
	return begin_as("T1", true, targets);
}

/* rollback --now with the default merge (background): a baseline forces the foreground. */
static inline int rollback_now(struct txn_results *res)
{
	struct txn_rollback_opts o = {.now = true};

	*res = (struct txn_results){};
	fake_events_reset();
	return txn_rollback(L, &o, res);
}

/* rollback without --now: root in the transaction, every member armed. */
static inline void arm(void)
{
	struct txn_rollback_opts o = {};
	struct txn_results res = {};

	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	for (size_t i = 0; i < res.n; i++)
		CHECK_EQ_INT(res.r[i].action, TXN_ARMED);
	txn_results_done(&res);
}

/* What the initramfs sees: nothing mounted; root active (dracut), data inactive. */
static inline void initramfs(void)
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
static inline int boot(struct txn_results *res)
{
	struct txn_merge_opts o = {.own_poller = true};

	*res = (struct txn_results){};
	fake_events_reset();
	return txn_boot(L, &o, res);
}

/* Events that contain s anywhere (fake_event_count() matches a prefix). */
static inline int events_containing(const char *s)
{
	int n = 0;

	for (int i = 0; i < fake_n_events(); i++)
		n += strstr(fake_event_at(i), s) != NULL;
	return n;
}

/* NULL-safe: a test that fails goes on to its next check. */
static inline bool lv_has_tag(const char *vg, const char *name, const char *tag)
{
	struct fake_lv *lv = fake_find_lv(vg, name);

	return lv && fake_lv_has_tag(lv, tag);
}

static inline uint64_t lv_size(const char *vg, const char *name)
{
	struct fake_lv *lv = fake_find_lv(vg, name);

	CHECK(lv != NULL);
	return lv ? lv->size : 0;
}

static inline int tags_with_prefix(const struct fake_lv *lv, const char *prefix)
{
	int n = 0;

	for (int i = 0; lv && i < lv->n_tags; i++)
		n += startswith(lv->tags[i], prefix);
	return n;
}

/* A snapshot of the baseline: open, in baseline mode, restored n times. */
static inline void check_baseline_snapshot(const char *vg, const char *name, const char *origin,
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
static inline void add_record(const char *vg, const char *origin, char **members, const char *mnt,
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
