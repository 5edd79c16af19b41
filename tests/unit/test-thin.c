/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Thin members: a thin snapshot at begin, the pool's fill, a merge that is a metadata swap. */
#include <errno.h>

#include "efivar.h"
#include "fake.h"
#include "test.h"
#include "txn-auto.h"
#include "txn.h"
#include "util.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static struct lvm *L;

/* Root thick on vg0 (test_machine), /srv a thin volume of pool vg1/pool. */
static void thin_machine(double pool_pct)
{
	fake_add_vg("vg0", 4 * GiB, 4 * MiB);
	fake_add_vg("vg1", 1 * GiB, 4 * MiB);
	fake_add_lv("vg0", "root", 8 * GiB, "-wi-ao----");
	fake_add_thin_pool("vg1", "pool", 2 * GiB, pool_pct);
	fake_add_thin_lv("vg1", "data", "pool", 4 * GiB, true);
	test_mounts((const char *const[]){"/dev/mapper/vg0-root", "/", "/dev/mapper/vg1-data",
					  "/srv", NULL});
}

static int begin(const char *const *targets)
{
	struct volume_spec specs[4] = {};
	struct txn_begin_opts o = {.txid = "T1", .volumes = specs};
	struct conf c;
	int r;

	conf_init(&c);
	for (size_t i = 0; targets[i]; i++) {
		volume_spec_parse(targets[i], &specs[i]);
		o.n_volumes++;
	}
	r = txn_begin(L, &c, &o, NULL);
	for (size_t i = 0; i < o.n_volumes; i++)
		volume_spec_done(&specs[i]);
	conf_done(&c);
	return r;
}

static bool has_rewind_tag(const struct fake_lv *lv)
{
	for (int i = 0; i < lv->n_tags; i++)
		if (startswith(lv->tags[i], "rewind:"))
			return true;
	return false;
}

TEST(test_begin_thin_snapshot)
{
	_cleanup_(txn_status_done) struct txn_status st = {};
	struct fake_lv *s;

	thin_machine(40.0);
	CHECK_EQ_INT(begin((const char *const[]){"/", "/srv", NULL}), 0);
	/* No size: a thin snapshot, in the origin's pool; root's is thick as before. */
	CHECK(fake_event_find("lvm lvcreate -s -n data-rewind-T1 --addtag", 0) >= 0);
	CHECK(fake_event_find("lvm lvcreate -s -n data-rewind-T1 -L", 0) < 0);
	CHECK(fake_event_find("lvm lvcreate -s -n root-rewind-T1 -L", 0) >= 0);
	CHECK(test_log_contains("Created thin snapshot vg1/data-rewind-T1."));
	s = fake_find_lv("vg1", "data-rewind-T1");
	CHECK(s && streq(s->pool, "pool") && fake_lv_has_tag(s, "rewind:state=open"));
	/* Never suspended from outside: LVM would skip the pool's messages for an origin it finds
	 * suspended (no snapshot in the pool). Taken right after root. */
	CHECK_EQ_INT(fake_event_count("dm suspend"), 0);
	CHECK(fake_event_find("lvm lvcreate -s -n root-rewind-T1", 0) <
	      fake_event_find("lvm lvcreate -s -n data-rewind-T1", 0));
	CHECK_EQ_INT(fake_vg_free("vg1"), 1 * GiB);
	/* status: no size, the pool's fill. */
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK_EQ_INT(st.n_txns, 1);
	for (size_t i = 0; st.n_txns == 1 && i < st.txns[0].n_volumes; i++) {
		const struct txn_status_volume *v = &st.txns[0].volumes[i];
		if (!streq(v->vg, "vg1"))
			continue;
		CHECK_STREQ(v->pool, "vg1/pool");
		CHECK_EQ_INT(v->size, 0);
		CHECK(v->fill > 39.9 && v->fill < 40.1);
		CHECK(!v->invalid);
	}
}

/* Root, a thick and a thin data volume: the thick one suspended at the instant, the thin one
 * taken right after root (before the thick one, which waits suspended), never suspended by us. */
TEST(test_begin_mixed_order)
{
	int susp, croot, cthin, cthick;

	thin_machine(10.0);
	fake_add_lv("vg1", "thick", 1 * GiB, "-wi-ao----");
	test_mounts((const char *const[]){"/dev/mapper/vg0-root", "/", "/dev/mapper/vg1-data",
					  "/srv", "/dev/mapper/vg1-thick", "/thick", NULL});
	CHECK_EQ_INT(begin((const char *const[]){"/", "/srv", "/thick", NULL}), 0);
	susp = fake_event_find("dm suspend vg1-thick", 0);
	croot = fake_event_find("lvm lvcreate -s -n root-rewind-T1", 0);
	cthin = fake_event_find("lvm lvcreate -s -n data-rewind-T1", 0);
	cthick = fake_event_find("lvm lvcreate -s -n thick-rewind-T1", 0);
	CHECK(susp >= 0 && susp < croot && croot < cthin && cthin < cthick);
	CHECK_EQ_INT(fake_event_count("dm suspend"), 1);
}

TEST(test_begin_thin_pool_full_refused)
{
	thin_machine(93.0);
	CHECK_EQ_INT(begin((const char *const[]){"/", "/srv", NULL}), -REFUSE_NO_SPACE);
	CHECK(test_log_contains("Thin pool vg1/pool of vg1/data is 93% full"));
	CHECK(test_log_contains("lvextend"));
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	CHECK_EQ_INT(fake_count_lvs(), 3);
}

/* A thin snapshot of anybody else's (a clone of a base image) is a volume to begin on. */
TEST(test_begin_thin_snapshot_as_origin)
{
	struct fake_lv *clone;

	thin_machine(10.0);
	clone = fake_add_thin_lv("vg1", "clone", "pool", 4 * GiB, false);
	snprintf(clone->origin, sizeof(clone->origin), "data");
	CHECK_EQ_INT(begin((const char *const[]){"vg1/clone", NULL}), 0);
	CHECK(fake_find_lv("vg1", "clone-rewind-T1") != NULL);
	CHECK_EQ_INT(begin((const char *const[]){"vg1/clone-rewind-T1", NULL}), -REFUSE_TXN_EXISTS);
}

static void rollback_now(enum txn_action expect)
{
	struct txn_rollback_opts o = {.now = true};
	struct txn_results res = {};

	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	CHECK_EQ_INT(res.n, 1);
	if (res.n == 1)
		CHECK_EQ_INT(res.r[0].action, expect);
	txn_results_done(&res);
}

/* LVM swaps the snapshot's device in under the origin's name, UUID and tags (2.03.16:
 * _move_lv_attributes()): the origin's own tags stay, the transaction's go with the snapshot. */
TEST(test_rollback_now_thin)
{
	unsigned id;
	int u, c, m;

	thin_machine(20.0);
	fake_lv_add_tag(fake_find_lv("vg1", "data"), "keep_me");
	CHECK_EQ_INT(begin((const char *const[]){"/srv", NULL}), 0);
	id = fake_find_lv("vg1", "data-rewind-T1")->thin_id;
	fake_events_reset();
	rollback_now(TXN_MERGED);
	u = fake_event_find("mnt umount /srv", 0);
	c = fake_event_find("lvm lvconvert --mergethin vg1/data-rewind-T1", 0);
	m = fake_event_find("mnt mount /srv", 0);
	CHECK(u >= 0 && c > u && m > c);
	/* The thin snapshot is never activated: LVM's activation skip, and no need. */
	CHECK_EQ_INT(fake_event_count("lvm lvchange -ay"), 0);
	/* Nothing copied, nothing to wait for: no background merge, no merge-wait. */
	CHECK_EQ_INT(fake_event_count("lvm lvconvert --background"), 0);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	CHECK(fake_find_lv("vg1", "data") && fake_find_lv("vg1", "data")->thin_id == id);
	CHECK(fake_find_lv("vg1", "data") && fake_find_lv("vg1", "data")->attr[4] == 'a');
	CHECK(fake_lv_has_tag(fake_find_lv("vg1", "data"), "keep_me"));
	CHECK(!has_rewind_tag(fake_find_lv("vg1", "data")));
	CHECK(test_log_contains("Rolling back vg1/data from the thin snapshot data-rewind-T1."));
}

/* LVM said it merged, but the origin's device is not the snapshot's: never reported merged. */
TEST(test_thin_merge_checked)
{
	struct txn_rollback_opts o = {.now = true};
	struct txn_results res = {};

	thin_machine(20.0);
	CHECK_EQ_INT(begin((const char *const[]){"/srv", NULL}), 0);
	fake_fail_command("lvconvert", 1, false);
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -EIO);
	CHECK(res.n == 1 && res.r[0].action == TXN_FAILED);
	CHECK(test_log_contains("LVM did not merge vg1/data-rewind-T1 into vg1/data."));
	/* Still rolling back: the next boot merges it. */
	CHECK(fake_lv_has_tag(fake_find_lv("vg1", "data-rewind-T1"), "rewind:state=rolling-back"));
	txn_results_done(&res);
}

/* Deferred by LVM (something opened the origin after our check): said loudly, not "merged". */
TEST(test_thin_merge_deferred)
{
	struct txn_merge_opts m = {};
	struct txn_results res = {};
	struct txn_set s = {};

	thin_machine(20.0);
	CHECK_EQ_INT(begin((const char *const[]){"/srv", NULL}), 0);
	fake_find_lv("vg1", "data")->attr[5] = '-';
	fake_find_lv("vg1", "data")->holders = 1;
	CHECK_EQ_INT(txn_set_load(L, false, &s), 0);
	CHECK_EQ_INT(s.n_txns, 1);
	if (s.n_txns == 1)
		CHECK_EQ_INT(txn_merge_one(L, &s.txns[0].snaps[0], &m, &res), 0);
	CHECK(res.n == 1 && res.r[0].action == TXN_FAILED);
	CHECK(test_log_contains("LVM deferred the merge of vg1/data-rewind-T1"));
	/* It tried to finish it through the poll first. */
	CHECK(fake_event_find("lvm lvpoll", 0) >= 0 &&
	      strstr(fake_event_at(fake_event_find("lvm lvpoll", 0)), "merge_thin vg1/data"));
	txn_set_done(&s);
	txn_results_done(&res);
}

/* Deferred at an earlier boot, found in the initramfs with its origin inactive: LVM's poll does
 * nothing for an inactive origin, so the origin is activated first; then it is merged. */
TEST(test_boot_thin_deferred_earlier_inactive)
{
	struct txn_merge_opts m = {.foreground = true};
	struct txn_rollback_opts o = {};
	struct txn_results res = {};
	struct fake_lv *d;

	thin_machine(20.0);
	CHECK_EQ_INT(begin((const char *const[]){"/srv", NULL}), 0);
	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0); /* /srv is in use: armed */
	txn_results_done(&res);
	fake_find_lv("vg1", "data-rewind-T1")->thin_merging = true;
	strcpy(fake_find_lv("vg1", "data")->attr, "Vwi---tz--");
	test_mounts((const char *const[]){NULL});
	fake_events_reset();
	CHECK_EQ_INT(txn_boot(L, &m, &res), 0);
	CHECK_EQ_INT(res.n, 1);
	CHECK_EQ_INT(res.r[0].action, TXN_MERGED);
	CHECK(fake_event_find("lvm lvchange -ay --sysinit vg1/data", 0) <
	      fake_event_find("lvm lvpoll",
			      fake_event_find("lvm lvchange -ay --sysinit vg1/data", 0)));
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	d = fake_find_lv("vg1", "data");
	CHECK(d && !has_rewind_tag(d));
	txn_results_done(&res);
}

/* Thick root and thin data armed, as the initramfs sees them: data inactive, its thin snapshot
 * never activated (activation skip). The thin one is merged without activating anything, and the
 * transaction is not taken for invalid. */
TEST(test_boot_thin_data_inactive)
{
	struct txn_merge_opts m = {.foreground = true};
	struct txn_rollback_opts o = {};
	struct txn_results res = {};
	struct fake_lv *d;

	thin_machine(20.0);
	CHECK_EQ_INT(begin((const char *const[]){"/", "/srv", NULL}), 0);
	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	txn_results_done(&res);
	strcpy(fake_find_lv("vg0", "root")->attr, "owi-a-----");
	strcpy(fake_find_lv("vg1", "data")->attr, "Vwi---tz--");
	test_mounts((const char *const[]){NULL});
	fake_events_reset();
	CHECK_EQ_INT(txn_boot(L, &m, &res), 0);
	CHECK_EQ_INT(res.n, 2);
	for (size_t i = 0; i < res.n; i++)
		CHECK_EQ_INT(res.r[i].action, TXN_MERGED);
	txn_results_done(&res);
	CHECK(!test_log_contains("NOT ROLLING BACK"));
	/* Merged inactive (metadata alone), then activated as dracut would not: the real root
	 * finds the device at once. */
	CHECK_EQ_INT(fake_event_count("lvm lvchange -ay --sysinit vg1/data"), 1);
	CHECK(fake_event_find("lvm lvconvert --mergethin vg1/data-rewind-T1", 0) >= 0);
	CHECK(fake_event_find("lvm lvconvert --mergethin vg1/data-rewind-T1", 0) <
	      fake_event_find("lvm lvchange -ay --sysinit vg1/data", 0));
	d = fake_find_lv("vg1", "data");
	CHECK(d && d->attr[4] == 'a' && !has_rewind_tag(d));
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
}

/* A pool whose metadata went read-only: nothing merged, the transaction stays armed (a repair
 * brings the pool back), and begin refuses such a pool. */
TEST(test_thin_pool_read_only)
{
	struct txn_merge_opts m = {.foreground = true};
	struct txn_rollback_opts o = {};
	struct txn_results res = {};

	thin_machine(20.0);
	CHECK_EQ_INT(begin((const char *const[]){"/", "/srv", NULL}), 0);
	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	txn_results_done(&res);
	fake_find_lv("vg1", "pool")->attr[8] = 'M';
	test_mounts((const char *const[]){NULL});
	CHECK_EQ_INT(txn_boot(L, &m, &res), 0);
	txn_results_done(&res);
	CHECK(test_log_contains("NOT ROLLING BACK transaction T1: vg1/data is in a thin pool that "
				"failed or whose metadata is read-only"));
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	CHECK(fake_lv_has_tag(fake_find_lv("vg1", "data-rewind-T1"), "rewind:state=armed"));
	/* begin */
	fake_reset();
	thin_machine(20.0);
	fake_find_lv("vg1", "pool")->attr[8] = 'M';
	CHECK_EQ_INT(begin((const char *const[]){"/srv", NULL}), -REFUSE_NO_SPACE);
	CHECK(test_log_contains("Thin pool vg1/pool of vg1/data is read-only (metadata)"));
}

/* Thin root armed: the boot merges it (root is active, not open, in the initramfs); root keeps
 * rewind:restore-esp, which LVM moves with the origin's tags. */
TEST(test_boot_thin_root)
{
	struct txn_merge_opts m = {.foreground = false};
	struct txn_rollback_opts o = {};
	struct txn_results res = {};
	struct fake_lv *root;

	fake_add_vg("vg0", 1 * GiB, 4 * MiB);
	fake_add_thin_pool("vg0", "pool", 8 * GiB, 30.0);
	fake_add_thin_lv("vg0", "root", "pool", 8 * GiB, true);
	test_mounts((const char *const[]){"/dev/mapper/vg0-root", "/", NULL});
	mkdir_p(getenv("REWIND_EFIVARS"), 0755);
	CHECK_EQ_INT(begin((const char *const[]){"/", NULL}), 0);
	fake_lv_add_tag(fake_find_lv("vg0", "root-rewind-T1"), "rewind:pinned");
	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	txn_results_done(&res);
	/* The initramfs: root active, not open. */
	strcpy(fake_find_lv("vg0", "root")->attr, "Vwi-a-tz--");
	test_mounts((const char *const[]){NULL});
	fake_events_reset();
	CHECK_EQ_INT(txn_boot(L, &m, &res), 0);
	CHECK(res.n == 1 && res.r[0].action == TXN_MERGED);
	txn_results_done(&res);
	root = fake_find_lv("vg0", "root");
	CHECK(root && fake_lv_has_tag(root, "rewind:restore-esp=T1"));
	CHECK(root && !fake_lv_has_tag(root, "rewind:txn=T1"));
	CHECK(root && root->attr[4] == 'a');
	CHECK(fake_find_lv("vg0", "root-rewind-T1") == NULL);
}

/* The monitor watches and extends the pool, once however many thin snapshots it holds. */
TEST(test_monitor_extends_pool)
{
	struct conf c;

	conf_init(&c);
	thin_machine(85.0);
	fake_add_thin_lv("vg1", "data2", "pool", 1 * GiB, false);
	test_mounts((const char *const[]){"/dev/mapper/vg1-data", "/srv", NULL});
	/* Begin below the refusal, and the pool fills. */
	CHECK_EQ_INT(begin((const char *const[]){"vg1/data", "vg1/data2", NULL}), 0);
	fake_events_reset();
	CHECK_EQ_INT(txn_monitor(L, &c), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvextend"), 1);
	CHECK(fake_event_find("lvm lvextend -L +", 0) >= 0);
	CHECK_EQ_INT(fake_event_count("lvm lvextend --poolmetadatasize"), 0);
	CHECK(test_log_contains("Thin pool vg1/pool was 85.0% full: extended it"));
	conf_done(&c);
}

/* Metadata fuller than data: the metadata is extended (lvextend -L would not grow it enough). */
TEST(test_monitor_extends_metadata)
{
	struct conf c;

	conf_init(&c);
	thin_machine(40.0);
	fake_find_lv("vg1", "pool")->meta_pct = 88.0;
	CHECK_EQ_INT(begin((const char *const[]){"vg1/data", NULL}), 0);
	fake_events_reset();
	CHECK_EQ_INT(txn_monitor(L, &c), 0);
	CHECK(fake_event_find("lvm lvextend --poolmetadatasize +", 0) >= 0);
	CHECK_EQ_INT(fake_event_count("lvm lvextend -L"), 0);
	CHECK(test_log_contains("Thin pool vg1/pool's metadata was 88.0% full: extended it by"));
	conf_done(&c);
}

int main(void)
{
	int n_failed = 0;

	if (lvm_new(&L) < 0)
		return 1;
	RUN(test_begin_thin_snapshot);
	RUN(test_begin_mixed_order);
	RUN(test_begin_thin_pool_full_refused);
	RUN(test_begin_thin_snapshot_as_origin);
	RUN(test_rollback_now_thin);
	RUN(test_thin_merge_checked);
	RUN(test_thin_merge_deferred);
	RUN(test_boot_thin_deferred_earlier_inactive);
	RUN(test_boot_thin_data_inactive);
	RUN(test_thin_pool_read_only);
	RUN(test_boot_thin_root);
	RUN(test_monitor_extends_metadata);
	RUN(test_monitor_extends_pool);
	lvm_free(L);
	return n_failed ? 1 : 0;
}
