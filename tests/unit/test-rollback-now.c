/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rollback --now (txn-rollback.c): every member unmounted and checked closed and valid, marked
 * rolling-back, merged (started, or to its end), and mounted again; a member not rolled back
 * stays unmounted and deactivated. The rest of the transaction: test-txn.c.
 */
#include <errno.h>
#include <sys/stat.h>

#include "fake.h"
#include "test.h"
#include "txn.h"
#include "util.h"

#define GiB (1ULL << 30)

static struct lvm *L;

static int begin(const char *txid, const char *const *targets, const char *size)
{
	return test_begin(L, txid, targets, size, false);
}

static int begin_data(void)
{
	return begin("T1", (const char *const[]){"/srv", NULL}, NULL);
}

TEST(test_rollback_now_unmounts_checks_merges_remounts)
{
	struct txn_rollback_opts o = {.now = true, .merge.foreground = true};
	struct txn_results res = {};
	int u, m, c;

	test_machine();
	CHECK_EQ_INT(begin_data(), 0);
	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	CHECK_EQ_INT(res.n, 1);
	CHECK_EQ_INT(res.r[0].action, TXN_MERGED);
	u = fake_event_find("mnt umount /srv", 0);
	c = fake_event_find("lvm lvconvert", 0);
	m = fake_event_find("mnt mount /srv", 0);
	CHECK(u >= 0 && c > u && m > c);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	txn_results_done(&res);
}

/* The merge ran, but the report that would show the snapshot gone failed: not "merged". */
TEST(test_rollback_now_unconfirmed_merge_not_merged)
{
	struct txn_rollback_opts o = {.now = true, .merge.foreground = true};
	struct txn_results res = {};

	test_machine();
	CHECK_EQ_INT(begin_data(), 0);
	fake_events_reset();
	/* The rollback's own report first, then the one after the merge. */
	fake_fail_command("lvs", 2, false);
	CHECK(txn_rollback(L, &o, &res) < 0);
	CHECK_EQ_INT(res.n, 1);
	CHECK(res.r[0].action != TXN_MERGED);
	txn_results_done(&res);
}

/* The default: unmount, start the merge, mount again at once; the merge goes on behind. */
TEST(test_rollback_now_background)
{
	struct txn_rollback_opts o = {.now = true};
	struct txn_merge_opts fg = {.foreground = true};
	struct txn_results res = {};
	_cleanup_free_ char *p = NULL, *flag = NULL;
	int u, m, c;

	_cleanup_free_ char *args = NULL, *sd = NULL;

	test_machine();
	/* Under systemd: rewind-merge.service is started to wait for the end. */
	sd = strdup_printf("%s/systemd-system", test_tmpdir);
	CHECK(sd && mkdir(sd, 0755) == 0);
	test_write("systemctl", "#!/bin/sh\necho \"$@\" >\"$0.args\"\n");
	CHECK(chmod(getenv("REWIND_SYSTEMCTL"), 0755) == 0);
	CHECK_EQ_INT(begin_data(), 0);
	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	CHECK_EQ_INT(res.n, 1);
	CHECK_EQ_INT(res.r[0].action, TXN_MERGING);
	free(sd);
	sd = strdup_printf("%s/systemctl.args", test_tmpdir);
	CHECK(sd && read_one_line_file(sd, &args) >= 0 &&
	      streq(args, "start --no-block rewind-merge.service"));
	u = fake_event_find("mnt umount /srv", 0);
	/* The system's lvm.conf decides on lvmpolld in the real root. */
	c = fake_event_find("lvm lvconvert --background --mergesnapshot vg1/data-rewind-T1", 0);
	m = fake_event_find("mnt mount /srv", 0);
	CHECK(u >= 0 && c > u && m > c);
	CHECK(fake_find_lv("vg1", "data-rewind-T1")->attr[0] == 'S');
	p = strdup_printf("%s/merging", getenv("REWIND_RUNDIR"));
	CHECK(p && read_one_line_file(p, &flag) >= 0 && streq(flag, "T1"));
	/* Past the point of no return until the merge ends. */
	CHECK_EQ_INT(txn_commit(L, NULL), -REFUSE_UNFINISHED);
	CHECK_EQ_INT(txn_cancel(L, NULL), -REFUSE_UNFINISHED);
	CHECK(test_log_contains("can no longer be cancelled"));
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -REFUSE_UNFINISHED);
	CHECK_EQ_INT(begin("T2", (const char *const[]){"/srv", NULL}, NULL), -REFUSE_TXN_EXISTS);
	CHECK(test_log_contains("Transaction T1 is being rolled back (its merge runs)"));
	txn_results_done(&res);
	CHECK_EQ_INT(txn_merge_finish(L, &fg, &res), 0);
	CHECK_EQ_INT(res.r[0].action, TXN_MERGED);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	CHECK(access(p, F_OK) < 0);
	txn_results_done(&res);
}

/* Index of the event that is exactly e; -1 when none. */
static int event_exact(const char *e)
{
	for (int i = 0; i < fake_n_events(); i++)
		if (streq(fake_event_at(i), e))
			return i;
	return -1;
}

TEST(test_rollback_now_nested_mounts)
{
	struct txn_rollback_opts o = {.now = true};
	struct txn_results res = {};

	test_machine();
	fake_add_lv("vg1", "more", GiB, "-wi-ao----");
	test_mounts((const char *const[]){"/dev/mapper/vg0-root", "/", "/dev/mapper/vg1-data",
					  "/srv", "/dev/mapper/vg1-more", "/srv/more",
					  "/dev/mapper/vg1-data", "/mnt/bind", NULL});
	CHECK_EQ_INT(begin("T1", (const char *const[]){"vg1/more", "vg1/data", NULL}, NULL), 0);
	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	/* The last mounted first, whatever the members' order; mounted again in mount order. */
	CHECK(event_exact("mnt umount /mnt/bind") < event_exact("mnt umount /srv/more"));
	CHECK(event_exact("mnt umount /srv/more") < event_exact("mnt umount /srv"));
	CHECK(event_exact("mnt umount /srv") < fake_event_find("lvm lvconvert", 0));
	CHECK(event_exact("mnt mount /srv") < event_exact("mnt mount /srv/more"));
	CHECK(event_exact("mnt mount /srv/more") < event_exact("mnt mount /mnt/bind"));
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 2);
	txn_results_done(&res);
}

TEST(test_rollback_now_refuses_origin_held_elsewhere)
{
	struct txn_rollback_opts o = {.now = true};
	struct txn_results res = {};

	test_machine();
	CHECK_EQ_INT(begin_data(), 0);
	/* Mounted in another mount namespace too (unshare -m, a container): still open after
	 * our unmount. LVM would only defer the merge: refuse, mount again, change nothing. */
	fake_find_lv("vg1", "data")->holders = 1;
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -EBUSY);
	CHECK(test_log_contains("vg1/data is still open after unmounting it here"));
	CHECK(test_log_contains("Nothing was rolled back"));
	CHECK(fake_event_find("mnt mount /srv", fake_event_find("mnt umount /srv", 0)) > 0);
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	CHECK(fake_lv_has_tag(fake_find_lv("vg1", "data-rewind-T1"), "rewind:state=open"));
	txn_results_done(&res);
	/* Busy, no --now: armed for the next boot, nothing merged. */
	o.now = false;
	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	CHECK_EQ_INT(res.r[0].action, TXN_ARMED);
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	txn_results_done(&res);
}

TEST(test_rollback_now_refuses_open_snapshot)
{
	struct txn_rollback_opts o = {.now = true};
	struct txn_results res = {};

	test_machine();
	CHECK_EQ_INT(begin_data(), 0);
	/* The snapshot mounted to look at the old files: LVM would defer the merge. */
	fake_find_lv("vg1", "data-rewind-T1")->holders = 1;
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -EBUSY);
	CHECK(test_log_contains("Its snapshot vg1/data-rewind-T1 is still open"));
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	txn_results_done(&res);
}

TEST(test_rollback_now_refuses_subdir_bind_mount)
{
	struct txn_rollback_opts o = {.now = true};
	struct txn_results res = {};

	test_machine();
	CHECK_EQ_INT(begin_data(), 0);
	/* mount --bind /srv/www /var/www: unmounting and mounting vg1-data again would show all
	 * of /srv at /var/www. */
	setenv("REWIND_MOUNTINFO",
	       test_write("mountinfo",
			  "20 1 253:0 / / rw - ext4 /dev/mapper/vg0-root rw\n"
			  "21 1 253:1 / /srv rw - ext4 /dev/mapper/vg1-data rw\n"
			  "22 1 253:1 /www /var/www rw - ext4 /dev/mapper/vg1-data rw\n"),
	       1);
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -EBUSY);
	CHECK(test_log_contains("/var/www is a bind mount of a directory"));
	CHECK_EQ_INT(fake_event_count("mnt umount"), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	txn_results_done(&res);
}

/* data at /srv, more at /mnt/more, below at /mnt/more/below (a member mounted in another). */
static void nested_machine(void)
{
	test_machine();
	fake_add_lv("vg1", "more", GiB, "-wi-ao----");
	fake_add_lv("vg1", "below", GiB, "-wi-ao----");
	test_mounts((const char *const[]){"/dev/mapper/vg0-root", "/", "/dev/mapper/vg1-data",
					  "/srv", "/dev/mapper/vg1-more", "/mnt/more",
					  "/dev/mapper/vg1-below", "/mnt/more/below", NULL});
}

/* A member whose merge did not start stays unmounted (with what is below it): it is marked
 * rolling-back, and the next boot would undo what is written to it meanwhile. */
TEST(test_rollback_now_failed_member_stays_unmounted)
{
	struct txn_rollback_opts o = {.now = true};
	struct txn_results res = {};

	nested_machine();
	CHECK_EQ_INT(
	    begin("T1", (const char *const[]){"/srv", "/mnt/more", "/mnt/more/below", NULL}, NULL),
	    0);
	/* The members merge in their order: data, more (fails), below (not tried). */
	fake_fail_command("lvconvert", 2, true);
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -EIO);
	CHECK_EQ_INT(res.n, 3);
	CHECK_EQ_INT(res.r[0].action, TXN_MERGING);
	CHECK_EQ_INT(res.r[1].action, TXN_FAILED);
	CHECK_EQ_INT(res.r[2].action, TXN_ARMED);
	CHECK(event_exact("mnt mount /srv") >= 0);
	CHECK(event_exact("mnt mount /mnt/more") < 0);
	CHECK(event_exact("mnt mount /mnt/more/below") < 0);
	CHECK(test_log_contains("/mnt/more stays unmounted: its volume is not rolled back yet"));
	CHECK(test_log_contains("/mnt/more/below stays unmounted"));
	/* Nothing can mount them until the next boot has rolled them back. */
	CHECK(event_exact("lvm lvchange -an vg1/more") > fake_event_find("lvm lvconvert", 0));
	CHECK(event_exact("lvm lvchange -an vg1/below") >= 0);
	CHECK_EQ_INT(fake_event_count("lvm lvchange -an vg1/data"), 0);
	txn_results_done(&res);
}

/* A member rolled back, mounted below one that is not: it stays unmounted too (mounted again, it
 * would be reached through a directory of a volume that is not rolled back yet). */
TEST(test_rollback_now_rolled_back_below_failed_member)
{
	struct txn_rollback_opts o = {.now = true};
	struct txn_results res = {};

	nested_machine();
	CHECK_EQ_INT(
	    begin("T1", (const char *const[]){"/mnt/more/below", "/srv", "/mnt/more", NULL}, NULL),
	    0);
	/* below and data merge; more, the last, fails. */
	fake_fail_command("lvconvert", 3, true);
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -EIO);
	CHECK_EQ_INT(res.n, 3);
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 3);
	CHECK(event_exact("mnt mount /srv") >= 0);
	CHECK(event_exact("mnt mount /mnt/more") < 0);
	CHECK(event_exact("mnt mount /mnt/more/below") < 0);
	CHECK(
	    test_log_contains("/mnt/more/below stays unmounted: it is at or below a mount point"));
	CHECK(event_exact("lvm lvchange -an vg1/more") >= 0);
	CHECK_EQ_INT(fake_event_count("lvm lvchange -an vg1/below"), 0);
	txn_results_done(&res);
}

/* Rolled back, but a mount failed: not a success. */
TEST(test_rollback_now_remount_fails)
{
	struct txn_rollback_opts o = {.now = true};
	struct txn_results res = {};

	test_machine();
	CHECK_EQ_INT(begin_data(), 0);
	fake_mnt_fail_mount("/srv");
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -EIO);
	CHECK_EQ_INT(res.r[0].action, TXN_MERGING);
	CHECK(test_log_contains("Failed to mount /srv again: run 'mount /srv'"));
	CHECK(test_log_contains("rolled back, but not every one is mounted again"));
	txn_results_done(&res);
}

TEST(test_rollback_now_unmount_busy)
{
	struct txn_rollback_opts o = {.now = true};
	struct txn_results res = {};

	test_machine();
	CHECK_EQ_INT(begin_data(), 0);
	fake_mnt_busy("/srv");
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -EBUSY);
	CHECK(test_log_contains("Cannot unmount /srv"));
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	txn_results_done(&res);
}

static void overflow_data(void)
{
	fake_find_lv("vg1", "data-rewind-T1")->snapshot_invalid = 1;
}

/* Valid in LVM's report, overflowed by the time it is unmounted: nothing is marked or merged. */
TEST(test_rollback_now_overflow_during_unmount)
{
	struct txn_rollback_opts o = {.now = true};
	struct txn_results res = {};

	test_machine();
	CHECK_EQ_INT(begin_data(), 0);
	fake_mnt_on_unmount("/srv", overflow_data);
	CHECK_EQ_INT(txn_rollback(L, &o, &res), -REFUSE_SNAPSHOT);
	CHECK_EQ_INT(fake_event_count("lvm lvchange"), 1); /* begin's */
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	CHECK(event_exact("mnt mount /srv") > event_exact("mnt umount /srv"));
	CHECK(test_log_contains("The snapshot of vg1/data overflowed"));
	CHECK(fake_lv_has_tag(fake_find_lv("vg1", "data-rewind-T1"), "rewind:state=open"));
	txn_results_done(&res);
}

int main(void)
{
	int n_failed = 0;

	if (lvm_new(&L) < 0)
		return 1;
	RUN(test_rollback_now_unmounts_checks_merges_remounts);
	RUN(test_rollback_now_unconfirmed_merge_not_merged);
	RUN(test_rollback_now_background);
	RUN(test_rollback_now_nested_mounts);
	RUN(test_rollback_now_refuses_origin_held_elsewhere);
	RUN(test_rollback_now_refuses_open_snapshot);
	RUN(test_rollback_now_refuses_subdir_bind_mount);
	RUN(test_rollback_now_failed_member_stays_unmounted);
	RUN(test_rollback_now_rolled_back_below_failed_member);
	RUN(test_rollback_now_remount_fails);
	RUN(test_rollback_now_unmount_busy);
	RUN(test_rollback_now_overflow_during_unmount);
	lvm_free(L);
	return n_failed ? 1 : 0;
}
