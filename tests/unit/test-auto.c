/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unattended servers: boot counting and automatic rollback, boot-good, auto-commit, monitor. */
#include <unistd.h>
#include <sys/wait.h>
#include <signal.h>
#include <fcntl.h>
#include <errno.h>
#include <inttypes.h>
#include <time.h>

#include "cli-run.h"
#include "cmdline.h"
#include "test.h"
#include "txn-auto.h"
#include "txn.h"
#include "util.h"

static struct lvm *L;
static void age(uint64_t secs);

/* The kernel command line text, parsed (a static struct: one at a time). */
static const struct cmdline *K(const char *text)
{
	static struct cmdline k;

	cmdline_parse(text, strlen(text), REWIND_LOG_DEBUG, &k);
	return &k;
}
static uint64_t boot_time;

/* The reports that asked for the VGs' free space (lvm_report(l, true, ...)); the monitor makes
 * one, with the VGs' free space on its rows: no second report to extend. */
static int vg_reports(void)
{
	int n = 0;

	for (int i = 0; i < fake_n_events(); i++)
		n += strncmp(fake_event_at(i), "lvm lvs ", 8) == 0 &&
		     strstr(fake_event_at(i), "vg_free") != NULL;
	return n;
}

static struct fake_lv *rsnap(void)
{
	return fake_find_lv("vg0", "root-rewind-T1");
}

static struct fake_lv *dsnap(void)
{
	return fake_find_lv("vg1", "data-rewind-T1");
}

static uint64_t fake_boot_time(void)
{
	return boot_time;
}

static unsigned root(void)
{
	return 0;
}

/* T1 on / and /srv, begun 2 h ago, before this boot began (boot-good counts this boot). */
static void begin_both(void)
{
	struct volume_spec specs[2] = {{.target = (char *)"/"}, {.target = (char *)"/srv"}};
	struct txn_begin_opts o = {.txid = "T1", .volumes = specs, .n_volumes = 2};
	struct conf c;

	test_machine();
	conf_init(&c);
	CHECK_EQ_INT(txn_begin(L, &c, &o, NULL), 0);
	boot_time = (uint64_t)time(NULL) - 3600;
	txn_auto_boot_time = fake_boot_time;
	age(7200);
	/* The boots the tests simulate come after the one that began. */
	test_boot_id(TEST_BOOT_ID_2);
}

/* The transaction runs under auto_rollback_boots = n, as if begun with it in rewind.conf (begin
 * records it): the tag on every snapshot, and the configuration too. */
static void set_auto_boots(unsigned n)
{
	char conf[64];

	for (struct fake_lv *lv = rsnap(); lv; lv = lv == rsnap() ? dsnap() : NULL)
		for (int t = 0; t < lv->n_tags; t++)
			if (startswith(lv->tags[t], "rewind:autoboots="))
				snprintf(lv->tags[t], sizeof(lv->tags[t]), "rewind:autoboots=%u",
					 n);
	snprintf(conf, sizeof(conf), "auto_rollback_boots = %u\n", n);
	test_write("rewind.conf", conf);
}

/* What the initramfs sees: nothing mounted; root active (dracut), data inactive. */
static void initramfs(void)
{
	strcpy(fake_find_lv("vg0", "root")->attr, "owi-a-----");
	strcpy(fake_find_lv("vg1", "data")->attr, "owi-------");
	dsnap()->attr[4] = '-';
	test_mounts((const char *const[]){NULL});
}

/* The running system again: both active and mounted. */
static void running(void)
{
	strcpy(fake_find_lv("vg0", "root")->attr, "owi-ao----");
	strcpy(fake_find_lv("vg1", "data")->attr, "owi-ao----");
	if (dsnap())
		dsnap()->attr[4] = 'a';
	test_mounts((const char *const[]){"/dev/mapper/vg0-root", "/", "/dev/mapper/vg1-data",
					  "/srv", NULL});
}

static int boot(struct txn_results *res)
{
	struct txn_merge_opts o = {.foreground = true};

	initramfs();
	fake_events_reset();
	return txn_boot(L, &o, res);
}

/* One boot that fails before boot-complete.target: nothing rolled back. */
static void failed_boot(void)
{
	struct txn_results res = {};

	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(res.n, 0);
	txn_results_done(&res);
}

static void good_boot(void)
{
	running();
	CHECK_EQ_INT(txn_auto_boot_good(L), 0);
}

/* Move the transaction's begin time back by secs. */
static void age(uint64_t secs)
{
	struct fake_lv *s[] = {rsnap(), dsnap()};

	for (size_t i = 0; i < ELEMENTSOF(s); i++)
		for (int t = 0; s[i] && t < s[i]->n_tags; t++)
			if (startswith(s[i]->tags[t], "rewind:time="))
				snprintf(s[i]->tags[t], sizeof(s[i]->tags[t]),
					 "rewind:time=%" PRIu64, (uint64_t)time(NULL) - secs);
}

static void armed(void)
{
	struct txn_rollback_opts o = {};
	struct txn_results res = {};

	running();
	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	txn_results_done(&res);
}

TEST(test_no_transaction_costs_one_report)
{
	struct txn_results res = {};

	test_machine();
	test_write("rewind.conf", "auto_rollback_boots = 2\n");
	fake_events_reset();
	CHECK_EQ_INT(txn_boot(L, &(struct txn_merge_opts){.foreground = true}, &res), 0);
	CHECK_EQ_INT(fake_n_events(), 1);
	CHECK(fake_event_find("lvm lvs --reportformat json", 0) == 0);
	txn_results_done(&res);
}

TEST(test_off_costs_one_report)
{
	begin_both();
	set_auto_boots(0);
	failed_boot();
	CHECK_EQ_INT(fake_n_events(), 1);
	CHECK(!fake_lv_has_tag(rsnap(), "rewind:pending=1"));
}

TEST(test_boot_counts)
{
	begin_both();
	set_auto_boots(3);
	failed_boot();
	CHECK_EQ_INT(fake_n_events(), 3); /* the report, one lvchange per snapshot */
	CHECK(fake_event_find("lvm lvchange --addtag rewind:pending=1 vg0/root-rewind-T1", 0) > 0);
	CHECK(fake_event_find("lvm lvchange --addtag rewind:pending=1 vg1/data-rewind-T1", 0) > 0);
	failed_boot();
	CHECK(fake_event_find("lvm lvchange --deltag rewind:pending=1 --addtag rewind:pending=2 "
			      "vg0/root-rewind-T1",
			      0) > 0);
	CHECK(fake_lv_has_tag(rsnap(), "rewind:pending=2"));
	CHECK(fake_lv_has_tag(dsnap(), "rewind:pending=2"));
	CHECK(!fake_lv_has_tag(rsnap(), "rewind:pending=1"));
	CHECK(fake_lv_has_tag(rsnap(), "rewind:state=open"));
}

TEST(test_nth_failed_boot_rolls_back)
{
	struct txn_results res = {};

	begin_both();
	set_auto_boots(2);
	failed_boot();
	failed_boot(); /* pending=2: the 2nd failed boot; this one is still counted */
	CHECK(rsnap() && dsnap());
	CHECK_EQ_INT(boot(&res), 0);
	CHECK(test_log_contains("2 boots in a row failed"));
	CHECK(test_log_contains("ROLLING BACK"));
	CHECK_EQ_INT(res.n, 2);
	for (size_t i = 0; i < res.n; i++)
		CHECK_EQ_INT(res.r[i].action, TXN_MERGED);
	CHECK_STREQ(res.txid, "T1");
	CHECK(rsnap() == NULL);
	CHECK(dsnap() == NULL);
	CHECK_EQ_INT(fake_event_count("lvm lvchange --deltag rewind:pending"), 0);
	txn_results_done(&res);
}

TEST(test_boot_good_resets)
{
	begin_both();
	set_auto_boots(2);
	failed_boot();
	failed_boot();
	fake_events_reset();
	good_boot();
	CHECK(
	    fake_event_find(
		"lvm lvchange --deltag rewind:pending=2 --addtag rewind:good=1 vg0/root-rewind-T1",
		0) > 0);
	CHECK(!fake_lv_has_tag(rsnap(), "rewind:pending=2"));
	CHECK(fake_lv_has_tag(rsnap(), "rewind:good=1"));
	CHECK(fake_lv_has_tag(dsnap(), "rewind:good=1"));
	failed_boot(); /* counting starts again: no rollback */
	CHECK(rsnap() && fake_lv_has_tag(rsnap(), "rewind:pending=1"));
	good_boot();
	CHECK(fake_lv_has_tag(rsnap(), "rewind:good=2"));
	CHECK(!fake_lv_has_tag(rsnap(), "rewind:good=1"));
	CHECK(!fake_lv_has_tag(rsnap(), "rewind:pending=1"));
}

TEST(test_boot_good_not_the_boot_that_began)
{
	begin_both();
	test_boot_id(TEST_BOOT_ID_1);
	age(0);
	boot_time = (uint64_t)time(NULL) - 60; /* began now, the boot a minute ago */
	fake_events_reset();
	CHECK_EQ_INT(txn_auto_boot_good(L), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvchange"), 0);
	CHECK(!fake_lv_has_tag(rsnap(), "rewind:good=1"));
	CHECK(test_log_contains("began during this boot"));
}

/* An RTC behind (dead CMOS battery, no RTC before NTP): the transaction seems to begin after
 * this boot. The boot ID says otherwise: the boot is confirmed. */
TEST(test_boot_good_clock_behind)
{
	begin_both();
	set_auto_boots(2);
	failed_boot();
	boot_time = (uint64_t)time(NULL) - 7200 - 3600; /* the clock an hour behind */
	good_boot();
	CHECK(fake_lv_has_tag(rsnap(), "rewind:good=1"));
	CHECK(!fake_lv_has_tag(rsnap(), "rewind:pending=1"));
}

/* The policy is the one recorded at begin: rewind.conf changed since (and the initramfs' copy of
 * it) does not matter; a transaction that recorded none reads the configuration. */
TEST(test_policy_recorded_at_begin)
{
	struct txn_results res = {};
	struct conf c;

	test_machine();
	test_write("rewind.conf", "auto_rollback_boots = 1\n");
	conf_init(&c);
	CHECK_EQ_INT(conf_load(getenv("REWIND_CONF"), &c, NULL), 0);
	CHECK_EQ_INT(txn_begin(L, &c,
			       &(struct txn_begin_opts){
				   .txid = "T1",
				   .volumes = (struct volume_spec[]){{.target = (char *)"/"},
								     {.target = (char *)"/srv"}},
				   .n_volumes = 2},
			       NULL),
		     0);
	conf_done(&c);
	CHECK(fake_lv_has_tag(rsnap(), "rewind:autoboots=1"));
	test_boot_id(TEST_BOOT_ID_2);
	test_write("rewind.conf", "auto_rollback_boots = 0\n"); /* changed, nothing rebuilt */
	CHECK_EQ_INT(boot(&res), 0);
	CHECK(fake_lv_has_tag(rsnap(), "rewind:pending=1"));
	txn_results_done(&res);
	CHECK_EQ_INT(boot(&res), 0); /* the 1st failed boot: rolled back */
	CHECK_EQ_INT(res.n, 2);
	CHECK(rsnap() == NULL);
	txn_results_done(&res);
}

TEST(test_armed_or_invalid_not_counted_or_armed)
{
	struct txn_results res = {};

	begin_both();
	set_auto_boots(1);
	failed_boot();
	rsnap()->snapshot_invalid = 1;
	CHECK_EQ_INT(boot(&res), 0);
	CHECK_EQ_INT(res.n, 0); /* not armed: an invalid snapshot cannot be merged */
	CHECK(test_log_contains("is invalid (overflowed)"));
	txn_results_done(&res);
	CHECK(fake_lv_has_tag(dsnap(), "rewind:pending=2"));
}

TEST(test_auto_commit)
{
	struct conf c;

	begin_both();
	conf_init(&c);
	CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 0); /* off */
	CHECK(test_log_contains("auto_commit_after is 0"));
	c.auto_commit_after = 3600;
	age(60);
	CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 0); /* too young */
	CHECK(test_log_contains("changed 1min ago (begin, or its last apt run): committing once "
				"that is 1h 0min (in 59min)"));
	age(7200);
	CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 0); /* no good boot */
	CHECK(test_log_contains("no boot since it began"));
	set_auto_boots(3);
	failed_boot();
	good_boot();
	failed_boot(); /* the latest boot is not confirmed (yet) */
	running();
	CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 0);
	CHECK(test_log_contains("the last boot has not reached"));
	CHECK(rsnap() && dsnap());
	good_boot();
	/* Not while apt or dpkg runs (another process holds dpkg's frontend lock). */
	{
		const char *lock = test_write("lock-frontend", "");
		int fds[2];
		pid_t pid;
		char x;

		setenv("REWIND_DPKG_LOCK", lock, 1);
		if (pipe(fds) < 0 || (pid = fork()) < 0)
			abort();
		if (pid == 0) {
			int fd = open(lock, O_RDWR | O_CLOEXEC);
			struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
			if (fd < 0 || fcntl(fd, F_SETLK, &fl) < 0 || write(fds[1], "x", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
		CHECK(read(fds[0], &x, 1) == 1);
		CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 0);
		CHECK(test_log_contains("apt or dpkg is running"));
		CHECK(rsnap() && dsnap());
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(fds[0]);
		close(fds[1]);
	}
	CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 1);
	unsetenv("REWIND_DPKG_LOCK");
	CHECK(rsnap() == NULL && dsnap() == NULL);
	CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 0); /* nothing open */
}

TEST(test_auto_commit_not_armed)
{
	struct conf c;

	begin_both();
	conf_init(&c);
	c.auto_commit_after = 60;
	age(7200);
	good_boot();
	armed();
	CHECK_EQ_INT(txn_auto_commit(L, &c, NULL), 0);
	CHECK(test_log_contains("armed for rollback"));
	CHECK(rsnap() && dsnap());
}

static void fill(struct fake_lv *lv, const char *params)
{
	strcpy(lv->dm_target, "snapshot");
	strcpy(lv->dm_params, params);
}

TEST(test_monitor_quiet_and_warn)
{
	struct conf c;

	begin_both();
	conf_init(&c);
	fill(rsnap(), "1000/2000 16"); /* 50% */
	fake_events_reset();
	CHECK_EQ_INT(txn_monitor(L, &c), 0);
	CHECK(!test_log_contains("of transaction T1 is"));
	fill(rsnap(), "1500/2000 16"); /* 75% */
	CHECK_EQ_INT(txn_monitor(L, &c), 0);
	CHECK(test_log_contains("root-rewind-T1 of transaction T1 is 75.0% full"));
	CHECK_EQ_INT(fake_event_count("lvm lvextend"), 0);
	/* One LVM command per run: its report, with the VGs' free space. */
	CHECK_EQ_INT(fake_event_count("lvm "), 2);
	CHECK_EQ_INT(vg_reports(), 2);
}

TEST(test_monitor_extends)
{
	struct conf c;
	uint64_t size, add, free0;
	char cmd[128];

	begin_both();
	free0 = fake_vg_free("vg0");
	size = rsnap()->size;
	add = (size / 2 + (4ULL << 20) - 1) / (4ULL << 20) * (4ULL << 20);
	conf_init(&c);
	fill(rsnap(), "1700/2000 16"); /* 85% */
	CHECK_EQ_INT(txn_monitor(L, &c), 0);
	snprintf(cmd, sizeof(cmd), "lvm lvextend -L +%" PRIu64 "b vg0/root-rewind-T1", add);
	CHECK(fake_event_find(cmd, 0) >= 0);
	CHECK_EQ_INT(rsnap()->size, size + add);
	CHECK_EQ_INT(fake_vg_free("vg0"), free0 - add);
	CHECK(test_log_contains("was 85.0% full: extended it by"));
	CHECK_EQ_INT(fake_event_count("lvm lvextend"), 1); /* not data, at 3.2% */
}

TEST(test_monitor_extend_fails)
{
	struct conf c;

	begin_both();
	fake_fail_command("lvextend", 1, false);
	conf_init(&c);
	fill(rsnap(), "1900/2000 16");
	CHECK_EQ_INT(txn_monitor(L, &c), 1);
	CHECK(test_log_contains("Failed to extend snapshot vg0/root-rewind-T1 (95.0% full)"));
	CHECK(test_log_contains("can no longer be rolled back"));
}

TEST(test_monitor_vg_full)
{
	struct conf c;

	begin_both();
	/* Someone else takes the VG's free space, all but less than one extent. */
	CHECK_EQ_INT(lvm_lv_extend(L, "vg0", "root", fake_vg_free("vg0") - (1 << 20)), 0);
	conf_init(&c);
	fill(rsnap(), "1900/2000 16");
	fake_events_reset();
	CHECK_EQ_INT(txn_monitor(L, &c), 1);
	CHECK(test_log_contains("IS 95.0% FULL AND VOLUME GROUP vg0 HAS NO FREE SPACE"));
	CHECK(test_log_contains("can no longer be rolled back"));
	CHECK_EQ_INT(vg_reports(), 1);
	CHECK_EQ_INT(fake_event_count("lvm lvextend"), 0);
}

TEST(test_monitor_partial_extend)
{
	struct conf c;
	char cmd[128];

	begin_both();
	/* Two extents left: extended by those, with a warning. */
	CHECK_EQ_INT(lvm_lv_extend(L, "vg0", "root", fake_vg_free("vg0") - (8ULL << 20)), 0);
	conf_init(&c);
	fill(rsnap(), "1900/2000 16");
	CHECK_EQ_INT(txn_monitor(L, &c), 0);
	snprintf(cmd, sizeof(cmd), "lvm lvextend -L +%llub vg0/root-rewind-T1", 8ULL << 20);
	CHECK(fake_event_find(cmd, 0) >= 0);
	CHECK(test_log_contains("Volume group vg0 is now full"));
}

TEST(test_monitor_invalid)
{
	struct conf c;

	begin_both();
	rsnap()->snapshot_invalid = 1;
	conf_init(&c);
	CHECK_EQ_INT(txn_monitor(L, &c), 1);
	CHECK(test_log_contains("transaction T1 can no longer be rolled back"));
	CHECK(test_log_contains("rewind commit"));
	CHECK_EQ_INT(fake_event_count("lvm lvextend"), 0);
}

TEST(test_monitor_off)
{
	struct conf c;

	begin_both();
	conf_init(&c);
	c.monitor_warn_percent = c.monitor_extend_percent = 0;
	fill(rsnap(), "1900/2000 16");
	CHECK_EQ_INT(txn_monitor(L, &c), 0);
	CHECK_EQ_INT(fake_event_count("lvm lvextend"), 0);
	CHECK(!test_log_contains("of transaction T1 is"));
}

TEST(test_cli_verbs)
{
	begin_both();
	cli_geteuid = root;
	CHECK_EQ_INT(RUN_CLI("monitor"), 0);
	CHECK_EQ_INT(RUN_CLI("auto-commit"), 0);
	CHECK_EQ_INT(RUN_CLI("boot-good"), 0);
	CHECK(fake_lv_has_tag(rsnap(), "rewind:good=1"));
	rsnap()->snapshot_invalid = 1;
	CHECK_EQ_INT(RUN_CLI("monitor"), EXIT_FAILED);
	CHECK_EQ_INT(RUN_CLI("monitor", "extra"), EXIT_USAGE);
	test_write("rewind.conf", "auto_commit_after = 1min\n");
	age(120);
	rsnap()->snapshot_invalid = 0;
	CHECK_EQ_INT(RUN_CLI("auto-commit"), 0);
	CHECK(rsnap() == NULL);
}

/* Emergency mode: reboot only for an open transaction with auto_rollback_boots, and not when a
 * person asked for the shell on the kernel command line. */
TEST(test_boot_failed)
{
	struct conf c;
	char *txid = NULL;

	cli_geteuid = root;
	test_machine();
	conf_init(&c);
	c.auto_rollback_boots = 2;
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro quiet"), &txid), 0);
	CHECK(test_log_contains("No transaction is open"));
	begin_both();
	/* the boot that began it was never counted: it has not failed */
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro quiet"), &txid), 0);
	set_auto_boots(2);
	failed_boot();
	running();
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("root=/dev/vg0/root ro quiet"), &txid), 1);
	CHECK(txid && streq(txid, "T1"));
	CHECK(test_log_contains("REBOOTING"));
	free(txid);
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro systemd.unit=emergency.target"), NULL), 0);
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro single"), NULL), 0);
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro rd.rewind.stay"), NULL), 0);
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro rd.rewind=0"), NULL), 0);
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro rd.rewind.rollback=T1"), NULL), 0);
	/* a rollback ran at this boot and failed: rebooting would only repeat it */
	test_write("run/outcome.json", "{\"txid\":\"T1\",\"result\":\"failed\"}\n");
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro"), NULL), 0);
	CHECK(test_log_contains("did not complete"));
	test_unlink("run/outcome.json");
	/* an overflowed snapshot cannot be rolled back: no reboot loop */
	rsnap()->snapshot_invalid = 1;
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro"), NULL), 0);
	CHECK(test_log_contains("invalid (overflowed) or merging"));
	rsnap()->snapshot_invalid = 0;
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, NULL, NULL), 1);
	/* a word that merely contains one does not count */
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro xemergency rescue=0"), NULL), 1);
	/* nor one inside another's quoted value (the kernel's words) */
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro foo=\"a emergency\" x=\"1"), NULL), 1);
	/* quoted, it is the word all the same; rd.rewind=no turns rewind off as rd.rewind=0 does,
	 * and any rd.rewind.rollback= is the rollback entry's boot (valid or not) */
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro \"emergency\""), NULL), 0);
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro rd.rewind=no"), NULL), 0);
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro\trd.rewind.rollback=$(x)"), NULL), 0);
	/* The value recorded at begin counts, not the configuration's now. */
	c.auto_rollback_boots = 0;
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro"), NULL), 1);
	/* Only a boot this boot's initramfs counted (not one whose initramfs lacks rewind). */
	test_unlink("run/counted");
	CHECK_EQ_INT(txn_auto_boot_failed(L, &c, K("ro"), NULL), 0);
	CHECK(test_log_contains("not counted as unconfirmed by its initramfs"));
	test_write("run/counted", "T1\n");

	/* the verb: 0 reboots, 3 does not */
	test_write("cmdline", "root=/dev/vg0/root ro\n");
	CHECK_EQ_INT(RUN_CLI("boot-failed"), 0);
	test_write("cmdline", "root=/dev/vg0/root ro emergency\n");
	CHECK_EQ_INT(RUN_CLI("boot-failed"), EXIT_STATE);
	CHECK_EQ_INT(RUN_CLI("boot-failed", "x"), EXIT_USAGE);
	test_write("cmdline", "root=/dev/vg0/root ro\n");
	set_auto_boots(0);
	CHECK_EQ_INT(RUN_CLI("boot-failed"), EXIT_STATE);
	CHECK(test_log_contains("runs with auto_rollback_boots off"));
	/* a boot that reached boot-complete.target is not failed */
	set_auto_boots(2);
	good_boot();
	CHECK_EQ_INT(RUN_CLI("boot-failed"), EXIT_STATE);
}

/* With automatic rollback, begin warns when a kernel panic would halt the machine for good. */
TEST(test_begin_warns_panic_halts)
{
	struct volume_spec spec = {.target = (char *)"/"};
	struct txn_begin_opts o = {.txid = "P1", .volumes = &spec, .n_volumes = 1};
	struct conf c;

	test_write("cmdline", "root=/dev/vg0/root ro quiet\n");
	test_machine();
	conf_init(&c);
	CHECK_EQ_INT(txn_begin(L, &c, &o, NULL), 0);
	CHECK(!test_log_contains("no panic=N")); /* automatic rollback is off */
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	c.auto_rollback_boots = 2;
	CHECK_EQ_INT(txn_begin(L, &c, &o, NULL), 0);
	CHECK(test_log_contains("no panic=N"));
	CHECK(test_log_contains("panic=10"));
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	test_write("cmdline", "root=/dev/vg0/root ro panic=0\n");
	test_log_reset();
	CHECK_EQ_INT(txn_begin(L, &c, &o, NULL), 0);
	CHECK(test_log_contains("no panic=N"));
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	test_write("cmdline", "root=/dev/vg0/root panic=0 ro panic=10\n");
	test_log_reset();
	CHECK_EQ_INT(txn_begin(L, &c, &o, NULL), 0);
	CHECK(!test_log_contains("no panic=N"));
	/* As the kernel reads panic= (an int, base 0): one it cannot read changes nothing. */
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	test_write("cmdline", "root=/dev/vg0/root panic=-1 panic=x panic=\n");
	test_log_reset();
	CHECK_EQ_INT(txn_begin(L, &c, &o, NULL), 0);
	CHECK(!test_log_contains("no panic=N"));
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	test_write("cmdline", "root=/dev/vg0/root panic=0x0 panic=\"10 ro\"\n");
	test_log_reset();
	CHECK_EQ_INT(txn_begin(L, &c, &o, NULL), 0);
	CHECK(test_log_contains("no panic=N"));
}

TEST(test_status_json)
{
	_cleanup_(txn_status_done) struct txn_status st = {};
	_cleanup_free_ char *s = NULL;

	begin_both();
	set_auto_boots(3);
	test_write("rewind.conf", "auto_rollback_boots = 1\nauto_commit_after = 2d\n");
	failed_boot();
	running();
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK_EQ_INT(txn_status_to_json(&st, false, &s), 0);
	if (!s)
		return;
	CHECK(strstr(s, "\"pending_boots\":1"));
	CHECK(strstr(s, "\"good_boots\":0"));
	CHECK(strstr(s, "\"auto_rollback_boots\":3")); /* recorded, not rewind.conf's 1 */
	CHECK(strstr(s, "\"auto_rollback_boots_recorded\":true"));
	CHECK(strstr(s, "\"auto_commit_after\":172800"));
	CHECK(strstr(s, "\"auto_commit_not_before\":"));
}

int main(void)
{
	int n_failed = 0;

	if (lvm_new(&L) < 0)
		return 1;
	RUN(test_no_transaction_costs_one_report);
	RUN(test_off_costs_one_report);
	RUN(test_boot_counts);
	RUN(test_nth_failed_boot_rolls_back);
	RUN(test_boot_good_resets);
	RUN(test_boot_good_not_the_boot_that_began);
	RUN(test_boot_good_clock_behind);
	RUN(test_policy_recorded_at_begin);
	RUN(test_armed_or_invalid_not_counted_or_armed);
	RUN(test_auto_commit);
	RUN(test_auto_commit_not_armed);
	RUN(test_monitor_quiet_and_warn);
	RUN(test_monitor_extends);
	RUN(test_monitor_vg_full);
	RUN(test_monitor_extend_fails);
	RUN(test_monitor_partial_extend);
	RUN(test_monitor_invalid);
	RUN(test_monitor_off);
	RUN(test_cli_verbs);
	RUN(test_boot_failed);
	RUN(test_begin_warns_panic_halts);
	RUN(test_status_json);
	lvm_free(L);
	return n_failed ? 1 : 0;
}
