/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "efivar.h"
#include "test.h"
#include "txn.h"
#include "util.h"

static struct lvm *L;

static void begin_both(void)
{
	struct volume_spec specs[2] = {{.target = (char *)"/"}, {.target = (char *)"/srv"}};
	struct txn_begin_opts o = {.txid = "T1", .volumes = specs, .n_volumes = 2};
	struct conf c;

	conf_init(&c);
	CHECK_EQ_INT(txn_begin(L, &c, &o, NULL), 0);
}

/* What the initramfs sees: nothing mounted; root active (dracut), data inactive. */
static void initramfs(void)
{
	strcpy(fake_find_lv("vg0", "root")->attr, "owi-a-----");
	strcpy(fake_find_lv("vg1", "data")->attr, "owi-------");
	fake_find_lv("vg1", "data-rewind-T1")->attr[4] = '-';
	test_mounts((const char *const[]){NULL});
}

static void arm_all(void)
{
	struct txn_rollback_opts o = {};
	struct txn_results res = {};

	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	txn_results_done(&res);
}

static int boot(struct txn_results *res)
{
	struct txn_merge_opts o = {.foreground = true};

	fake_events_reset();
	return txn_boot(L, &o, res);
}

TEST(test_nothing_armed_costs_one_report)
{
	struct txn_results res = {};

	test_machine();
	begin_both();
	initramfs();
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(fake_n_events(), 1);
	CHECK(fake_event_find("lvm lvs --reportformat json", 0) == 0);
	CHECK_EQ_INT(res.n, 0);
	CHECK(!test_rundir_has("outcome.json"));
	/* The stage looked and found nothing: boot-finish need not run. */
	CHECK(test_rundir_has("stage"));
	CHECK(!test_rundir_has("finish"));
	txn_results_done(&res);
}

TEST(test_disabled)
{
	struct txn_results res = {};

	test_machine();
	begin_both();
	arm_all();
	test_write("cmdline", "root=/dev/vg0/root rd.rewind=0 quiet\n");
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(fake_n_events(), 0);
	/* boot-finish runs in the real root instead (rewind-outcome.service's condition). */
	CHECK(!test_rundir_has("stage"));
	txn_results_done(&res);
}

TEST(test_armed_root_is_merged)
{
	struct txn_results res = {};
	_cleanup_free_ char *out = NULL;

	test_machine();
	begin_both();
	arm_all(); /* data is open: armed too */
	initramfs();
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(res.n, 2);
	for (size_t i = 0; i < res.n; i++)
		CHECK_EQ_INT(res.r[i].action, TXN_MERGED);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") == NULL);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	/* data is activated by us, the initramfs way; root was active already */
	CHECK(fake_event_find("lvm lvchange -ay --sysinit vg1/data", 0) >= 0);
	CHECK(fake_event_find("lvm lvchange -ay --sysinit vg0/root", 0) < 0);
	/* Foreground: the background start (its deferred-merge retry), then polled to the end. */
	CHECK(fake_event_find("lvm lvconvert --background --mergesnapshot vg0/root-rewind-T1", 0) >
	      0);
	CHECK(
	    fake_event_find("lvm lvpoll --config global/use_lvmpolld=0 -i 1 --polloperation merge "
			    "vg0/root",
			    0) > 0);
	out = test_rundir_read("outcome.json");
	CHECK(out && strstr(out, "\"txid\":\"T1\""));
	CHECK(out && strstr(out, "\"result\":\"rolled-back\""));
	CHECK(out && strstr(out, "\"volume\":\"vg1/data\""));
	txn_results_done(&res);
}

static char *merging_flag(void)
{
	_cleanup_free_ char *p = strdup_printf("%s/merging", getenv("REWIND_RUNDIR"));
	char *s = NULL;

	return p && read_one_line_file(p, &s) >= 0 ? s : NULL;
}

/* The default: every merge started, each origin checked to show the merging view, and the boot
 * goes on; a power cut during the merge resumes it; rewind-merge.service waits for the end. */
TEST(test_background_merge)
{
	struct txn_merge_opts bg = {.own_poller = true}, fg = {.foreground = true};
	struct txn_results res = {};
	_cleanup_free_ char *out = NULL, *flag = NULL;

	test_machine();
	begin_both();
	arm_all();
	initramfs();
	fake_events_reset();
	CHECK_EQ_INT(txn_boot(L, &bg, &res), 0);
	CHECK_EQ_INT(res.n, 2);
	for (size_t i = 0; i < res.n; i++)
		CHECK_EQ_INT(res.r[i].action, TXN_MERGING);
	/* The initramfs has no lvmpolld: LVM's own poller, never lvmpolld. */
	CHECK(fake_event_find("lvm lvconvert --config global/use_lvmpolld=0 -i 1 --background "
			      "--mergesnapshot vg0/root-rewind-T1",
			      0) > 0);
	/* Merging, not merged: the snapshots are there until the poll removes them. */
	CHECK(fake_find_lv("vg0", "root-rewind-T1")->attr[0] == 'S');
	CHECK(streq(fake_find_lv("vg1", "data")->dm_target, "snapshot-merge"));
	out = test_rundir_read("outcome.json");
	CHECK(out && strstr(out, "\"result\":\"rolled-back\""));
	CHECK(out && strstr(out, "\"merging\":true"));
	flag = merging_flag();
	CHECK(flag && streq(flag, "T1"));
	CHECK_EQ_INT(txn_commit(L, NULL), -REFUSE_UNFINISHED);
	txn_results_done(&res);

	/* A power cut: the next activation resumed the kernel's merge; nothing is started
	 * again, the boot goes on again. */
	initramfs();
	fake_find_lv("vg1", "data")->attr[4] = '-';
	fake_events_reset();
	CHECK_EQ_INT(txn_boot(L, &bg, &res), 0);
	CHECK_EQ_INT(res.n, 2);
	for (size_t i = 0; i < res.n; i++)
		CHECK_EQ_INT(res.r[i].action, TXN_MERGING);
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	txn_results_done(&res);

	/* rewind-merge.service in the real root. */
	fake_events_reset();
	CHECK_EQ_INT(txn_merge_finish(L, &fg, &res), 0);
	CHECK_EQ_INT(res.n, 2);
	for (size_t i = 0; i < res.n; i++)
		CHECK_EQ_INT(res.r[i].action, TXN_MERGED);
	CHECK_EQ_INT(fake_event_count("lvm lvpoll"), 2);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") == NULL);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	CHECK(test_log_contains("Transaction T1 is rolled back: every merge finished"));
	free(flag);
	flag = merging_flag();
	CHECK(flag == NULL);
	txn_results_done(&res);
}

/* LVM only scheduled the merge (an origin held open): not rolled back, and said so. */
TEST(test_background_merge_not_started)
{
	struct txn_merge_opts bg = {};
	struct txn_results res = {};

	test_machine();
	begin_both();
	arm_all();
	initramfs();
	fake_find_lv("vg0", "root")->attr[5] = 'o';
	CHECK_EQ_INT(txn_boot(L, &bg, &res), 0);
	CHECK_EQ_INT(res.r[0].action, TXN_FAILED);
	CHECK(test_log_contains("The merge of vg0/root-rewind-T1 did not start"));
	txn_results_done(&res);
}

/* LVM deferred the merge (the snapshot was open): the activation that starts it, now. */
TEST(test_background_merge_deferred_then_started)
{
	struct txn_merge_opts bg = {.own_poller = true};
	struct txn_results res = {};
	int off, on;

	test_machine();
	begin_both();
	arm_all();
	initramfs();
	fake_find_lv("vg0", "root-rewind-T1")->attr[5] = 'o';
	fake_events_reset();
	CHECK_EQ_INT(txn_boot(L, &bg, &res), 0);
	CHECK_EQ_INT(res.r[0].action, TXN_MERGING);
	off = fake_event_find("lvm lvchange -an vg0/root", 0);
	on = fake_event_find("lvm lvchange -ay --sysinit vg0/root", 0);
	CHECK(off > 0 && on > off);
	txn_results_done(&res);
}

TEST(test_cmdline_arms_for_this_boot)
{
	struct txn_results res = {};

	test_machine();
	begin_both(); /* open, not armed */
	initramfs();
	test_write("cmdline", "BOOT_IMAGE=/vmlinuz rd.rewind.rollback=T1 ro\n");
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(res.n, 2);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") == NULL);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	/* Before the first merge, every member is marked rolling-back (the point of no return). */
	CHECK(fake_event_find("lvm lvchange --deltag rewind:state=open --addtag "
			      "rewind:state=rolling-back vg1/data-rewind-T1",
			      0) < fake_event_find("lvm lvconvert", 0));
	CHECK_EQ_INT(fake_event_count("lvm lvchange --deltag rewind:state=open"), 2);
	txn_results_done(&res);
}

/* A power cut after root's merge completed, before data's started: the next boot rolls data
 * forward, and counts root as merged; never root at T0 with data at T1. */
TEST(test_rolling_back_is_rolled_forward)
{
	struct txn_results res = {};
	char *add[] = {(char *)"rewind:state=rolling-back", NULL};
	char *del[] = {(char *)"rewind:state=armed", NULL};
	_cleanup_free_ char *out = NULL;

	test_machine();
	begin_both();
	arm_all();
	initramfs();
	CHECK_EQ_INT(lvm_lv_change_tags(L, "vg1", "data-rewind-T1", add, del), 0);
	CHECK_EQ_INT(lvm_lv_remove(L, "vg0", "root-rewind-T1"), 0); /* merged */
	CHECK_EQ_INT(boot(&res), 0);
	CHECK(fake_find_lv("vg1", "data-rewind-T1") == NULL);
	CHECK(!test_log_contains("waiting up to")); /* a merged member is not waited for */
	CHECK_EQ_INT(res.n, 2);
	for (size_t i = 0; i < res.n; i++)
		CHECK_EQ_INT(res.r[i].action, TXN_MERGED);
	out = test_rundir_read("outcome.json");
	CHECK(out && strstr(out, "\"result\":\"rolled-back\""));
	CHECK(out && strstr(out, "merged at an earlier boot"));
	txn_results_done(&res);
}

/* With a pinned ESP, root's origin records that the ESP is to be put back before any merge. */
TEST(test_restore_esp_recorded_before_merge)
{
	_cleanup_(txn_status_done) struct txn_status st = {};
	_cleanup_free_ char *oneshot = NULL;
	struct txn_results res = {};
	int tag;

	test_machine();
	mkdir_p(getenv("REWIND_EFIVARS"), 0755);
	begin_both();
	fake_lv_add_tag(fake_find_lv("vg0", "root-rewind-T1"), "rewind:pinned");
	arm_all();
	initramfs();
	CHECK_EQ_INT(boot(&res), 0);
	tag = fake_event_find("lvm lvchange --addtag rewind:restore-esp=T1 vg0/root", 0);
	CHECK(tag >= 0 && tag < fake_event_find("lvm lvconvert", 0));
	CHECK(fake_lv_has_tag(fake_find_lv("vg0", "root"), "rewind:restore-esp=T1"));
	/* And until the ESP is back, the next boot takes the rollback entry. */
	CHECK(efivar_get_string(getenv("REWIND_EFIVARS"), "LoaderEntryOneShot", EFI_LOADER_GUID,
				&oneshot) == 0);
	CHECK(oneshot && streq(oneshot, "rewind-T1[+.]*conf"));
	txn_results_done(&res);
	/* No ESP, mounted or not, here: the restore stays pending, every boot tries again. */
	CHECK(txn_finish_restore(L) < 0);
	CHECK(test_log_contains("No systemd-boot ESP found, mounted or not"));
	CHECK(fake_lv_has_tag(fake_find_lv("vg0", "root"), "rewind:restore-esp=T1"));
	/* status says so */
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK(strv_length(st.esp_restore_pending) == 1 && streq(st.esp_restore_pending[0], "T1"));
}

/* Root rolled back at an earlier boot, the ESP not yet back: later boots are pointed at the
 * rollback entry again, three times at most (a pinned kernel that dies before its initramfs must
 * not take every other boot for ever); the entry's own boot does not warn "no such transaction". */
TEST(test_restore_rearm_bounded)
{
	const char *efivars = getenv("REWIND_EFIVARS");
	struct txn_results res = {};
	char *oneshot = NULL;

	test_machine();
	mkdir_p(efivars, 0755);
	fake_lv_add_tag(fake_find_lv("vg0", "root"), "rewind:restore-esp=T1");
	test_write("cmdline", "root=/dev/vg0/root rd.rewind.rollback=T1\n");
	for (int i = 1; i <= 4; i++) {
		char tag[64];

		(void)efivar_delete(efivars, "LoaderEntryOneShot", EFI_LOADER_GUID);
		CHECK_EQ_INT(boot(&res), 0);
		txn_results_done(&res);
		res = (struct txn_results){};
		snprintf(tag, sizeof(tag), "rewind:rearmed=%d", i <= 3 ? i : 3);
		CHECK(fake_lv_has_tag(fake_find_lv("vg0", "root"), tag));
		oneshot = NULL;
		(void)efivar_get_string(efivars, "LoaderEntryOneShot", EFI_LOADER_GUID, &oneshot);
		CHECK(i <= 3 ? oneshot && streq(oneshot, "rewind-T1[+.]*conf") : !oneshot);
		free(oneshot);
	}
	CHECK(test_log_contains("still not put back after 3 boots"));
	CHECK(!test_log_contains("no such transaction"));
}

TEST(test_cmdline_unknown_or_bad_txid)
{
	struct txn_results res = {};

	test_machine();
	begin_both();
	initramfs();
	test_write("cmdline", "rd.rewind.rollback=T9\n");
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(res.n, 0);
	CHECK(test_log_contains("rd.rewind.rollback=T9: no such transaction"));
	test_write("cmdline", "rd.rewind.rollback=$(reboot)\n");
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(res.n, 0);
	CHECK(test_log_contains("Ignoring invalid rd.rewind.rollback="));
	CHECK(fake_find_lv("vg0", "root-rewind-T1") != NULL);
	txn_results_done(&res);
}

TEST(test_invalid_snapshot_not_merged_and_disarmed)
{
	struct txn_results res = {};
	struct fake_lv *rs;
	_cleanup_free_ char *out = NULL;

	test_machine();
	begin_both();
	arm_all();
	initramfs();
	rs = fake_find_lv("vg1", "data-rewind-T1");
	rs->snapshot_invalid = 1; /* overflowed after it was armed */
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(res.n, 2);
	/* Whole or nothing: root is not merged either (root at T0 with data at T1 is a state
	 * nobody chose). */
	for (size_t i = 0; i < res.n; i++)
		CHECK_EQ_INT(res.r[i].action, TXN_FAILED);
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") != NULL);
	/* Never valid again: both disarmed, so later boots do not try again. */
	CHECK(fake_lv_has_tag(rs, "rewind:state=open"));
	CHECK(fake_lv_has_tag(fake_find_lv("vg0", "root-rewind-T1"), "rewind:state=open"));
	CHECK(test_log_contains("NOT ROLLING BACK transaction T1: vg1/data has an invalid"));
	out = test_rundir_read("outcome.json");
	CHECK(out && strstr(out, "\"result\":\"failed\""));
	CHECK(out && strstr(out, "snapshot invalid (overflowed)"));
	CHECK(out && strstr(out, "not rolled back: another volume cannot be"));
	txn_results_done(&res);
	/* the next boot does not try again */
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(res.n, 0);
	txn_results_done(&res);
}

TEST(test_missing_member_waited_for_then_nothing_merged)
{
	struct txn_results res = {};
	_cleanup_free_ char *out = NULL;

	test_machine();
	begin_both();
	arm_all();
	initramfs();
	/* vg1's disk is not there at this boot: neither the snapshot nor its origin. */
	fake_find_lv("vg1", "data-rewind-T1")->used = false;
	fake_find_lv("vg1", "data")->used = false;
	test_write("cmdline", "root=/dev/vg0/root rd.rewind.wait=1\n");
	CHECK_EQ_INT(boot(&res), 0);
	CHECK(test_log_contains("vg1/data has no snapshot yet; waiting up to 1 s"));
	CHECK(fake_event_count("lvm lvs") >= 2); /* looked again */
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") != NULL);
	/* May come back: stays armed, the outcome says which and what to do. */
	CHECK(fake_lv_has_tag(fake_find_lv("vg0", "root-rewind-T1"), "rewind:state=armed"));
	out = test_rundir_read("outcome.json");
	CHECK(out && strstr(out, "\"result\":\"failed\""));
	CHECK(out && strstr(out, "missing: its volume group is not visible"));
	txn_results_done(&res);
}

/* A member that cannot be activated has a snapshot of unknown validity: nothing is merged. */
TEST(test_member_not_activated_nothing_merged)
{
	struct txn_results res = {};
	_cleanup_free_ char *out = NULL;

	test_machine();
	begin_both();
	arm_all();
	initramfs();
	fake_fail_command("lvchange -ay", 1, false);
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") != NULL);
	CHECK(test_log_contains("vg1/data could not be activated"));
	out = test_rundir_read("outcome.json");
	CHECK(out && strstr(out, "\"result\":\"failed\""));
	/* A late or missing PV can come back: still armed, and the operator is told so. */
	CHECK(test_log_contains("Make it available and boot again"));
	CHECK(fake_lv_has_tag(fake_find_lv("vg0", "root-rewind-T1"), "rewind:state=armed"));
	CHECK(fake_lv_has_tag(fake_find_lv("vg1", "data-rewind-T1"), "rewind:state=armed"));
	txn_results_done(&res);
}

TEST(test_committing_or_creating_never_rolled_back)
{
	struct txn_results res = {};
	char *add[] = {(char *)"rewind:state=committing", NULL};
	char *del[] = {(char *)"rewind:state=open", NULL};
	_cleanup_free_ char *flag = strdup_printf("%s/finish", getenv("REWIND_RUNDIR"));

	test_machine();
	begin_both();
	initramfs();
	/* An interrupted commit: one snapshot removed, the other marked committing. */
	CHECK_EQ_INT(lvm_lv_remove(L, "vg0", "root-rewind-T1"), 0);
	CHECK_EQ_INT(lvm_lv_change_tags(L, "vg1", "data-rewind-T1", add, del), 0);
	test_write("cmdline", "root=/dev/vg0/root rd.rewind.rollback=T1\n");
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(res.n, 0);
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	CHECK(test_log_contains("Transaction T1 is being committed"));
	/* The real root's rewind-outcome.service finishes it. */
	CHECK(access(flag, F_OK) == 0);
	txn_results_done(&res);
}

TEST(test_interrupted_merge_is_resumed)
{
	struct txn_results res = {};

	test_machine();
	begin_both();
	arm_all();
	initramfs();
	/* a power cut during the merge: LVM shows the snapshot merging */
	fake_find_lv("vg0", "root-rewind-T1")->attr[0] = 'S';
	CHECK_EQ_INT(boot(&res), 0);
	CHECK(
	    fake_event_find("lvm lvpoll --config global/use_lvmpolld=0 -i 1 --polloperation merge "
			    "vg0/root",
			    0) >= 0);
	CHECK(fake_event_find("lvm lvconvert --config global/use_lvmpolld=0 -i 1 --mergesnapshot "
			      "vg0/",
			      0) < 0);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") == NULL);
	/* LVM reported it as [root-rewind-T1]; the outcome names the LV itself */
	CHECK(res.n >= 1 && streq(res.r[0].snapshot, "root-rewind-T1"));
	txn_results_done(&res);
}

TEST(test_merge_failure_recorded)
{
	struct txn_results res = {};
	_cleanup_free_ char *out = NULL;

	test_machine();
	begin_both();
	arm_all();
	initramfs();
	fake_fail_command("lvconvert", 1, false);
	CHECK_EQ_INT(boot(&res), 0);
	out = test_rundir_read("outcome.json");
	CHECK(out && strstr(out, "\"result\":\"partial\""));
	CHECK(out && strstr(out, "merge failed"));
	txn_results_done(&res);
}

int main(void)
{
	int n_failed = 0;

	if (lvm_new(&L) < 0)
		return 1;
	RUN(test_nothing_armed_costs_one_report);
	RUN(test_disabled);
	RUN(test_armed_root_is_merged);
	RUN(test_background_merge);
	RUN(test_background_merge_not_started);
	RUN(test_background_merge_deferred_then_started);
	RUN(test_cmdline_arms_for_this_boot);
	RUN(test_restore_rearm_bounded);
	RUN(test_cmdline_unknown_or_bad_txid);
	RUN(test_invalid_snapshot_not_merged_and_disarmed);
	RUN(test_missing_member_waited_for_then_nothing_merged);
	RUN(test_rolling_back_is_rolled_forward);
	RUN(test_restore_esp_recorded_before_merge);
	RUN(test_member_not_activated_nothing_merged);
	RUN(test_committing_or_creating_never_rolled_back);
	RUN(test_interrupted_merge_is_resumed);
	RUN(test_merge_failure_recorded);
	lvm_free(L);
	return n_failed ? 1 : 0;
}
