/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The transaction verbs with a fake systemd-boot ESP and efivarfs (txn-esp.c), over the fake LVM.
 */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "boot.h"
#include "cli-run.h"
#include "efivar.h"
#include "esp-fixture.h"
#include "json-shape.h"
#include "test.h"
#include "txn-esp.h"
#include "txn.h"
#include "util.h"

#define NEWK "6.1.0-2-amd64"

static struct lvm *L;
static char efivars[512], state[512], history[600];

static unsigned root(void)
{
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Fresh ESP, efivars, state and run dirs (the harness points REWIND_* at them); no ESP yet. */
static void setup(void)
{
	snprintf(esp, sizeof(esp), "%s/esp", test_tmpdir);
	snprintf(efivars, sizeof(efivars), "%s/efivars", test_tmpdir);
	snprintf(state, sizeof(state), "%s/state", test_tmpdir);
	snprintf(history, sizeof(history), "%s/history.jsonl", state);
	rm_rf(esp);
	rm_rf(efivars);
	rm_rf(state);
	mkdir_p(efivars, 0755);
	fake_efivarfs(true); /* efivarfs's immutable variables; forgets the old directory's */
	mkdir_p(getenv("REWIND_RUNDIR"), 0755);
	txn_esp_set_free_space(UINT64_MAX);
	cli_geteuid = root;
	test_machine();
}

static const char entry_text[] = "title      Debian GNU/Linux 12 (bookworm)\n"
				 "version    " KVER "\n"
				 "machine-id " MID "\n"
				 "sort-key   debian\n"
				 "options    root=/dev/mapper/vg0-root ro quiet\n"
				 "linux      /" MID "/" KVER "/linux\n"
				 "initrd     /" MID "/" KVER "/initrd.img-" KVER "\n";

/* systemd-boot on the ESP, booted from the Debian entry. */
static void make_esp(void)
{
	esp_make("timeout 3\n", entry_text, "MZ kernel " KVER, "initrd of " KVER);
	CHECK_EQ_INT(efivar_set_string(efivars, "LoaderEntrySelected", EFI_LOADER_GUID,
				       MID "-" KVER ".conf"),
		     0);
}

/* What an upgrade does to the ESP: a new kernel, its entry, a new default. */
static void upgrade_esp(void)
{
	put(pathf("loader/entries/" MID "-" NEWK ".conf"), "title Debian\nversion " NEWK "\n"
							   "linux /" MID "/" NEWK "/linux\n");
	put(pathf(MID "/" NEWK "/linux"), "MZ kernel " NEWK);
	put(pathf("loader/loader.conf"), "timeout 3\ndefault " MID "-" NEWK ".conf\n");
}

static int begin(const char *txid, const char *const *targets)
{
	return test_begin(L, txid, targets, NULL, false);
}

#define ROOT_AND_DATA ((const char *const[]){"/", "/srv", NULL})

static bool pinned(const char *txid)
{
	return exists(pathf("loader/entries/rewind-%s+3.conf", txid)) &&
	       exists(pathf("rewind/%s/linux", txid)) &&
	       exists(pathf("rewind/%s/manifest.json", txid));
}

static bool nothing_pinned(const char *txid)
{
	return !exists(pathf("loader/entries/rewind-%s.conf", txid)) &&
	       !exists(pathf("loader/entries/rewind-%s+3.conf", txid)) &&
	       !exists(pathf("rewind/%s", txid));
}

static void write_outcome(const char *txid, const char *root_result, const char *data_result)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "{\n  \"txid\": \"%s\",\n  \"volumes\": [\n"
		 "    {\"volume\": \"vg0/root\", \"snapshot\": \"root-rewind-%s\", \"result\": "
		 "\"%s\", \"seconds\": 1.5},\n"
		 "    {\"volume\": \"vg1/data\", \"snapshot\": \"data-rewind-%s\", \"result\": "
		 "\"%s\", \"seconds\": 0.5}\n  ],\n  \"result\": \"partial\",\n  \"time\": "
		 "1790000000\n}\n",
		 txid, txid, root_result, txid, data_result);
	test_write("run/outcome.json", text);
}

static int history_lines(void)
{
	const char *h = slurp(history);
	int n = 0;

	for (; h && *h; h++)
		n += *h == '\n';
	return n;
}

/* The outcome's snapshots are gone after a rollback at boot: so is the transaction. */
static void merged_at_boot(void)
{
	fake_reset();
	test_machine();
}

/* "boot" in status --json: what scripts and rewind(8) rely on. */
static void check_boot_json(const char *status)
{
	_cleanup_(json_object_putp) json_object *root = json_tokener_parse(status);
	json_object *txns = member(root, "transactions", json_type_array);
	json_object *t = txns ? json_object_array_get_idx(txns, 0) : NULL;
	json_object *boot = member(t, "boot", json_type_object);

	members(boot,
		(const char *const[]){"entry", "present", "entry_tries_left", "title",
				      "pinned_from", "version", "linux", "size", "esp", NULL},
		(const json_type[]){json_type_string, json_type_boolean, json_type_int,
				    json_type_string, json_type_string, json_type_string,
				    json_type_string, json_type_int, json_type_string});
	CHECK_STREQ(json_object_get_string(member(boot, "entry", json_type_string)),
		    "rewind-T1+3.conf");
	CHECK_EQ_INT(json_object_get_int(member(boot, "entry_tries_left", json_type_int)), 3);
}

TEST(test_begin_pins)
{
	_cleanup_(txn_status_done) struct txn_status st = {};
	const struct boot_rollback_entry *boot;
	const char *out;

	setup();
	make_esp();
	CHECK_EQ_INT(begin("T1", ROOT_AND_DATA), 0);
	CHECK(pinned("T1"));
	CHECK(strstr(slurp(pathf("loader/entries/rewind-T1+3.conf")) ?: "",
		     "rd.rewind.rollback=T1") != NULL);
	CHECK_STREQ(slurp(pathf("rewind/T1/linux")), "MZ kernel " KVER);
	/* status shows the entry */
	CHECK_EQ_INT(txn_status(L, &st), 0);
	boot = st.n_txns == 1 ? st.txns[0].boot : NULL;
	CHECK(boot != NULL);
	if (boot) {
		CHECK(boot->title && strncmp(boot->title, "Roll back T1 (", 14) == 0);
		CHECK_STREQ(boot->version, KVER);
		CHECK(boot->present);
	}
	test_stdout_begin();
	CHECK_EQ_INT(RUN_CLI("status"), 0);
	out = test_stdout_end();
	CHECK(strstr(out, "  Boot entry: \"Roll back T1 (") && strstr(out, "pinned kernel " KVER));
	test_stdout_begin();
	CHECK_EQ_INT(RUN_CLI("status", "--json"), 0);
	out = test_stdout_end();
	CHECK(strstr(out, "\"boot\":{") && strstr(out, "\"title\":\"Roll back T1 ("));
	CHECK(strstr(out, "\"version\":\"" KVER "\""));
	check_boot_json(out);
	cli_print_rollback_entry_hint("T1"); /* after an armed rollback */
}

TEST(test_commit_unpins)
{
	char *oneshot = NULL;

	setup();
	make_esp();
	CHECK_EQ_INT(begin("T1", ROOT_AND_DATA), 0);
	CHECK(pinned("T1"));
	/* rollback --reboot's one-shot, still set when the user commits instead */
	CHECK_EQ_INT(txn_esp_set_oneshot("T1"), 1);
	CHECK_EQ_INT(efivar_get_string(efivars, "LoaderEntryOneShot", EFI_LOADER_GUID, &oneshot),
		     0);
	CHECK_STREQ(oneshot, "rewind-T1[+.]*conf");
	free(oneshot);
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	CHECK_EQ_INT(fake_count_lvs(), 2);
	CHECK(nothing_pinned("T1"));
	CHECK(!exists(pathf("rewind")));
	CHECK(exists(pathf(MID "/" KVER "/linux")));
	CHECK_EQ_INT(efivar_get_string(efivars, "LoaderEntryOneShot", EFI_LOADER_GUID, &oneshot),
		     -ENOENT);
	/* the next transaction pins again */
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "T2"), 0);
	CHECK(pinned("T2"));
	CHECK_EQ_INT(RUN_CLI("commit"), 0);
	CHECK(nothing_pinned("T2"));
}

/* auto_rollback_boots: begin gives the entries systemd-boot counters, commit takes them back;
 * not without systemd-bless-boot, which good boots need so as not to use up the tries. */
TEST(test_begin_counts_boots)
{
	struct volume_spec spec = {.target = (char *)"/"};
	struct txn_begin_opts o = {.txid = "T1", .volumes = &spec, .n_volumes = 1};
	uint64_t features = 1u << 4;
	struct conf c;

	setup();
	make_esp();
	CHECK_EQ_INT(efivar_write(efivars, "LoaderFeatures", EFI_LOADER_GUID, EFI_VARIABLE_NV_BS_RT,
				  &features, sizeof(features)),
		     0);
	conf_init(&c);
	c.auto_rollback_boots = 2;
	setenv("REWIND_BLESS_BOOT", "/nonexistent/systemd-bless-boot", 1);
	CHECK_EQ_INT(txn_begin(L, &c, &o, NULL), 0);
	CHECK(pinned("T1"));
	CHECK(exists(pathf("loader/entries/" MID "-" KVER ".conf")));
	CHECK(test_log_contains("systemd-bless-boot is missing"));
	CHECK_EQ_INT(txn_commit(L, NULL), 0);

	setenv("REWIND_BLESS_BOOT", "/bin/sh", 1);
	CHECK_EQ_INT(txn_begin(L, &c, &o, NULL), 0);
	CHECK(exists(pathf("loader/entries/" MID "-" KVER "+2.conf")));
	CHECK(!exists(pathf("loader/entries/" MID "-" KVER ".conf")));
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	CHECK(exists(pathf("loader/entries/" MID "-" KVER ".conf")));
	CHECK(!exists(pathf("loader/entries/" MID "-" KVER "+2.conf")));
	unsetenv("REWIND_BLESS_BOOT");
}

/* bootctl set-oneshot left a LoaderEntryOneShot, which efivarfs keeps immutable: rollback
 * --reboot replaces it all the same, and cancel removes it. */
TEST(test_oneshot_over_bootctl)
{
	char path[700], *oneshot = NULL;

	setup();
	make_esp();
	snprintf(path, sizeof(path), "%s/LoaderEntryOneShot-" EFI_LOADER_GUID, efivars);
	CHECK_EQ_INT(begin("T1", ROOT_AND_DATA), 0);
	CHECK_EQ_INT(
	    efivar_set_string(efivars, "LoaderEntryOneShot", EFI_LOADER_GUID, MID "-" KVER ".conf"),
	    0);
	CHECK(fake_efivar_immutable(path));
	CHECK_EQ_INT(txn_esp_set_oneshot("T1"), 1);
	CHECK_EQ_INT(efivar_get_string(efivars, "LoaderEntryOneShot", EFI_LOADER_GUID, &oneshot),
		     0);
	CHECK_STREQ(oneshot, "rewind-T1[+.]*conf");
	free(oneshot);
	CHECK(fake_efivar_immutable(path));
	CHECK_EQ_INT(txn_esp_clear_oneshot("T1"), 1);
	CHECK(!exists(path));
}

TEST(test_cancel_keeps_pin)
{
	char *oneshot = NULL;
	struct txn_rollback_opts o = {};
	struct txn_results res = {};

	setup();
	make_esp();
	CHECK_EQ_INT(begin("T1", ROOT_AND_DATA), 0);
	CHECK_EQ_INT(txn_rollback(L, &o, &res), 0);
	txn_results_done(&res);
	/* rollback --reboot set the one-shot, then the reboot did not happen and the user cancels:
	 * the one-shot entry passes rd.rewind.rollback=, so it must go too. */
	CHECK_EQ_INT(txn_esp_set_oneshot("T1"), 1);
	CHECK_EQ_INT(txn_cancel(L, NULL), 0);
	CHECK(pinned("T1"));
	CHECK_EQ_INT(fake_count_lvs(), 4);
	CHECK_EQ_INT(efivar_get_string(efivars, "LoaderEntryOneShot", EFI_LOADER_GUID, &oneshot),
		     -ENOENT);
	free(oneshot);
}

TEST(test_begin_esp_full)
{
	setup();
	make_esp();
	txn_esp_set_free_space(100 * 1024);
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "T1", "/", "/srv"), EXIT_NO_SPACE);
	txn_esp_set_free_space(UINT64_MAX);
	/* nothing left behind: no snapshot, no pin */
	CHECK_EQ_INT(fake_count_lvs(), 2);
	CHECK(fake_event_find("lvm lvremove -f vg0/root-rewind-T1", 0) >= 0);
	CHECK(fake_event_find("lvm lvremove -f vg1/data-rewind-T1", 0) >= 0);
	CHECK(nothing_pinned("T1"));
	CHECK(!fake_find_lv("vg1", "data")->suspended);
}

TEST(test_begin_esp_refuses_txid)
{
	setup();
	make_esp();
	/* a valid TXID that systemd-boot would read as a boot counter in rewind-fix+1.conf */
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "fix+1"), EXIT_USAGE);
	CHECK_EQ_INT(fake_count_lvs(), 2);
	CHECK(nothing_pinned("fix+1"));
}

TEST(test_begin_esp_broken_fails)
{
	setup();
	make_esp();
	unlink(pathf(MID "/" KVER "/linux")); /* the booted entry's kernel is missing */
	CHECK(begin("T1", ROOT_AND_DATA) < 0);
	CHECK_EQ_INT(fake_count_lvs(), 2);
	CHECK(nothing_pinned("T1"));
	CHECK(test_log_contains("Removed snapshot vg0/root-rewind-T1 again"));
	/* ENOENT from lstat(2): the begin failed (1), not "wrong state" (3). */
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "T1"), EXIT_FAILED);
	CHECK_EQ_INT(fake_count_lvs(), 2);
}

TEST(test_begin_uki_not_pinned)
{
	setup();
	make_esp();
	CHECK_EQ_INT(efivar_set_string(efivars, "LoaderEntrySelected", EFI_LOADER_GUID,
				       "debian-" KVER ".efi"),
		     0);
	CHECK_EQ_INT(begin("T1", ROOT_AND_DATA), 0);
	CHECK_EQ_INT(fake_count_lvs(), 4);
	CHECK(nothing_pinned("T1"));
	CHECK(test_log_contains("cannot be pinned"));
	CHECK_EQ_INT(txn_esp_set_oneshot("T1"), 0);
}

TEST(test_begin_data_only_not_pinned)
{
	setup();
	make_esp();
	CHECK_EQ_INT(begin("T1", (const char *const[]){"/srv", NULL}), 0);
	CHECK_EQ_INT(fake_count_lvs(), 3);
	CHECK(nothing_pinned("T1"));
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
}

/* Without root, begin does not even look for the ESP (that costs as much as an LVM command):
 * bootctl, which finds it when REWIND_ESP does not say where it is, never runs. */
TEST(test_begin_data_only_esp_unread)
{
	char bootctl[600], ran[600], script[1400];

	setup();
	snprintf(bootctl, sizeof(bootctl), "%s/bootctl", test_tmpdir);
	snprintf(ran, sizeof(ran), "%s/bootctl-ran", test_tmpdir);
	snprintf(script, sizeof(script), "#!/bin/sh\necho >>'%s'\nexit 1\n", ran);
	put(bootctl, script);
	CHECK_EQ_INT(chmod(bootctl, 0755), 0);
	setenv("REWIND_BOOTCTL", bootctl, 1);
	unsetenv("REWIND_ESP");
	CHECK_EQ_INT(begin("T1", (const char *const[]){"/srv", NULL}), 0);
	CHECK_EQ_INT(fake_count_lvs(), 3);
	CHECK(!exists(ran));
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	/* With root it looks (bootctl finds nothing: no rollback entry). */
	CHECK_EQ_INT(begin("T2", ROOT_AND_DATA), 0);
	CHECK(exists(ran));
	CHECK_EQ_INT(fake_count_lvs(), 4);
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	setenv("REWIND_BOOTCTL", "/nonexistent/bootctl", 1);
}

TEST(test_no_esp)
{
	_cleanup_(txn_status_done) struct txn_status st = {};
	_cleanup_free_ char *json = NULL;

	setup();
	CHECK_EQ_INT(begin("T1", ROOT_AND_DATA), 0);
	CHECK_EQ_INT(fake_count_lvs(), 4);
	CHECK(!exists(esp));
	CHECK(test_log_contains("No systemd-boot ESP"));
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK(st.n_txns == 1 && st.txns[0].boot == NULL);
	CHECK_EQ_INT(txn_status_to_json(&st, false, &json), 0);
	CHECK(json && strstr(json, "\"boot\":null")); /* present, and null */
	CHECK_EQ_INT(txn_esp_set_oneshot("T1"), 0);
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	CHECK_EQ_INT(fake_count_lvs(), 2);
	write_outcome("T1", "rolled-back", "rolled-back");
	CHECK_EQ_INT(RUN_CLI("boot-finish"), 0);
	CHECK_EQ_INT(history_lines(), 1);
}

TEST(test_boot_finish_restores)
{
	_cleanup_free_ char *conf = NULL;
	const char *h;

	setup();
	make_esp();
	conf = strdup(slurp(pathf("loader/loader.conf")));
	CHECK_EQ_INT(begin("T1", ROOT_AND_DATA), 0);
	CHECK(pinned("T1"));
	upgrade_esp();
	/* the firmware staged a capsule meanwhile: not the upgrade's, and never rewind's to remove
	 */
	put(pathf("EFI/UpdateCapsule/capsule.bin"), "a firmware capsule");
	merged_at_boot();
	write_outcome("T1", "rolled-back", "rolled-back");
	CHECK_EQ_INT(RUN_CLI("boot-finish"), 0);
	CHECK_STREQ(slurp(pathf("EFI/UpdateCapsule/capsule.bin")), "a firmware capsule");
	/* the upgrade's entry and kernel are gone, loader.conf is as it was, the pin is removed */
	CHECK(!exists(pathf("loader/entries/" MID "-" NEWK ".conf")));
	CHECK(!exists(pathf(MID "/" NEWK "/linux")));
	CHECK_STREQ(slurp(pathf("loader/loader.conf")), conf);
	CHECK(exists(pathf("loader/entries/" MID "-" KVER ".conf")));
	CHECK_STREQ(slurp(pathf(MID "/" KVER "/linux")), "MZ kernel " KVER);
	CHECK(nothing_pinned("T1"));
	/* one compact line in the history */
	CHECK_EQ_INT(history_lines(), 1);
	h = slurp(history);
	CHECK(h && startswith(h, "{\"txid\":\"T1\",\"result\":\"partial\",\"volumes\":[{\"volume\":"
				 "\"vg0/root\""));

	/* twice: harmless */
	CHECK_EQ_INT(RUN_CLI("boot-finish"), 0);
	CHECK_EQ_INT(history_lines(), 1);
	CHECK(exists(pathf("loader/entries/" MID "-" KVER ".conf")));
	CHECK(!exists(pathf("loader/entries/" MID "-" NEWK ".conf")));
}

/* The restore meets a system error: boot-finish failed (1), and every boot retries. ENOENT from
 * mkdir(2) was exit 3, "wrong state". */
TEST(test_boot_finish_restore_fails)
{
	char target[600];

	setup();
	make_esp();
	CHECK_EQ_INT(begin("T1", ROOT_AND_DATA), 0);
	upgrade_esp();
	/* The upgrade left the old kernel's directory a dangling link. */
	snprintf(target, sizeof(target), "%s/nowhere", esp);
	rm_rf(pathf(MID));
	CHECK_EQ_INT(symlink(target, pathf(MID)), 0);
	merged_at_boot();
	write_outcome("T1", "rolled-back", "rolled-back");
	CHECK_EQ_INT(RUN_CLI("boot-finish"), EXIT_FAILED);
	CHECK(exists(pathf("rewind/T1/manifest.json"))); /* kept: the next boot-finish retries */
}

TEST(test_boot_finish_root_not_rolled_back)
{
	setup();
	make_esp();
	CHECK_EQ_INT(begin("T1", ROOT_AND_DATA), 0);
	upgrade_esp();
	/* only data merged: the ESP must keep the new kernel that the root still needs */
	write_outcome("T1", "failed", "rolled-back");
	CHECK_EQ_INT(RUN_CLI("boot-finish"), 0);
	CHECK(exists(pathf("loader/entries/" MID "-" NEWK ".conf")));
	CHECK(pinned("T1"));
	CHECK_EQ_INT(history_lines(), 1);
}

TEST(test_boot_finish_nothing_to_do)
{
	setup();
	make_esp();
	CHECK_EQ_INT(RUN_CLI("boot-finish"), 0);
	CHECK(!exists(history));
	CHECK_EQ_INT(RUN_CLI("boot-finish", "extra"), EXIT_USAGE);
	test_write("run/outcome.json", "{ not json");
	CHECK_EQ_INT(RUN_CLI("boot-finish"), EXIT_FAILED);
}

/* This boot rolled root back (the stage's outcome says so): the kernel check's input. */
static void write_root_outcome(bool pinned)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "{\"txid\": \"T1\", \"pinned\": %s, \"volumes\": [{\"volume\": \"vg0/root\", "
		 "\"snapshot\": \"root-rewind-T1\", \"result\": \"rolled-back\", \"root\": true, "
		 "\"seconds\": 1.5}], \"result\": \"rolled-back\", \"time\": 1790000000}\n",
		 pinned ? "true" : "false");
	test_write("run/outcome.json", text);
}

static char *oneshot_now(void)
{
	char *v = NULL;

	return efivar_get_string(efivars, "LoaderEntryOneShot", EFI_LOADER_GUID, &v) < 0 ? NULL : v;
}

/* A root rolled back under a kernel it has no modules for reboots into the rollback entry, once. */
TEST(test_kernel_check)
{
	_cleanup_free_ char *sysroot = strdup_printf("%s/sysroot", test_tmpdir), *os = NULL;
	char mods[512], path[1024];
	struct utsname u;

	setup();
	make_esp();
	CHECK(uname(&u) == 0);
	snprintf(mods, sizeof(mods), "sysroot/usr/lib/modules/%s/modules.dep", u.release);
	CHECK(mkdir_p(sysroot, 0755) >= 0);
	/* nothing rolled back at this boot */
	CHECK_EQ_INT(RUN_CLI("boot-kernel-check", sysroot), 0);
	/* root rolled back, and no module tree at all (a separate /usr, mounted later): cannot tell
	 */
	write_root_outcome(true);
	CHECK_EQ_INT(RUN_CLI("boot-kernel-check", sysroot), 0);
	CHECK(!oneshot_now());
	/* root rolled back, its modules are there */
	test_write(mods, "");
	CHECK_EQ_INT(RUN_CLI("boot-kernel-check", sysroot), 0);
	CHECK(!oneshot_now());
	/* ... under a kernel it has no modules for */
	snprintf(path, sizeof(path), "%s/%s", test_tmpdir, mods);
	CHECK(unlink(path) == 0);
	CHECK_EQ_INT(RUN_CLI("boot-kernel-check", sysroot), EXIT_REBOOT);
	CHECK_STREQ(os = oneshot_now(), "rewind-T1[+.]*conf");
	CHECK_EQ_INT(txn_boot_kernel_check(sysroot), 1);
	CHECK(test_log_contains("rebooting into the rollback entry"));
	/* the upgrade's entry used up its tries and a default still names it: the rollback
	 * entry has tries of its own, so the next boot is pointed at it */
	CHECK_EQ_INT(efivar_delete(efivars, "LoaderEntryOneShot", EFI_LOADER_GUID), 0);
	CHECK_EQ_INT(efivar_set_string(efivars, "LoaderEntrySelected", EFI_LOADER_GUID,
				       MID "-6.2.0-1-amd64+0-3.conf"),
		     0);
	CHECK_EQ_INT(RUN_CLI("boot-kernel-check", sysroot), EXIT_REBOOT);
	free(os);
	CHECK_STREQ(os = oneshot_now(), "rewind-T1[+.]*conf");
	/* systemd-boot booted the rollback entry itself with no tries left (LoaderEntrySelected):
	 * no one-shot, no reboot; this boot goes on */
	CHECK_EQ_INT(efivar_delete(efivars, "LoaderEntryOneShot", EFI_LOADER_GUID), 0);
	CHECK_EQ_INT(efivar_set_string(efivars, "LoaderEntrySelected", EFI_LOADER_GUID,
				       "rewind-t1+0-3.conf"),
		     0);
	CHECK_EQ_INT(RUN_CLI("boot-kernel-check", sysroot), 0);
	CHECK(!oneshot_now());
	CHECK_EQ_INT(txn_boot_kernel_check(sysroot), 0);
	CHECK(!oneshot_now());
	CHECK(test_log_contains("with no tries left: the kernel pinned at begin failed too"));
	CHECK_EQ_INT(efivar_delete(efivars, "LoaderEntrySelected", EFI_LOADER_GUID), 0);
	/* the rollback entry's own boot never reboots again */
	test_write("cmdline", "root=/dev/vg0/root rd.rewind.rollback=T1\n");
	CHECK_EQ_INT(RUN_CLI("boot-kernel-check", sysroot), 0);
	CHECK_EQ_INT(txn_boot_kernel_check(sysroot), 0);
	CHECK(test_log_contains("that the rollback entry booted: booting on"));
	/* no rollback entry: nothing to reboot into */
	test_write("cmdline", "root=/dev/vg0/root\n");
	write_root_outcome(false);
	CHECK_EQ_INT(RUN_CLI("boot-kernel-check", sysroot), 0);
	CHECK_EQ_INT(txn_boot_kernel_check(sysroot), 0);
	CHECK(test_log_contains("has no rollback entry"));
	/* root not rolled back (only data merged) */
	write_outcome("T1", "failed", "rolled-back");
	CHECK_EQ_INT(RUN_CLI("boot-kernel-check", sysroot), 0);
	/* a non-systemd /lib: a directory of its own */
	write_root_outcome(true);
	snprintf(mods, sizeof(mods), "sysroot/lib/modules/%s/modules.dep", u.release);
	test_write(mods, "");
	CHECK_EQ_INT(RUN_CLI("boot-kernel-check", sysroot), 0);
	CHECK_EQ_INT(RUN_CLI("boot-kernel-check", sysroot, "extra"), EXIT_USAGE);
}

/* check's view: a restore pending (root rolled back, the ESP not yet), a pin nothing needs. */
TEST(test_audit_esp)
{
	_cleanup_strv_ char **pending = NULL, **leftover = NULL;

	setup();
	make_esp();
	CHECK_EQ_INT(begin("T1", ROOT_AND_DATA), 0);
	CHECK_EQ_INT(txn_audit_esp(L, &pending, &leftover), 0);
	CHECK(!pending && !leftover);
	/* merged at boot, the restore recorded on root's origin and not done yet */
	merged_at_boot();
	fake_lv_add_tag(fake_find_lv("vg0", "root"), "rewind:restore-esp=T1");
	CHECK_EQ_INT(txn_audit_esp(L, &pending, &leftover), 0);
	CHECK(pending && streq(pending[0], "T1") && !pending[1] && !leftover);
	strv_free(pending);
	pending = NULL;
	CHECK_EQ_INT(RUN_CLI("boot-finish"), 0);
	CHECK(nothing_pinned("T1"));
	CHECK_EQ_INT(txn_audit_esp(L, &pending, &leftover), 0);
	CHECK(!pending && !leftover);
	/* a pin whose transaction and restore are both gone (its tag removed by hand) */
	CHECK_EQ_INT(begin("T2", ROOT_AND_DATA), 0);
	merged_at_boot();
	CHECK_EQ_INT(txn_audit_esp(L, &pending, &leftover), 0);
	CHECK(!pending && leftover && streq(leftover[0], "T2") && !leftover[1]);
}

/* The rollback entry booted this boot (systemd-boot renamed it, LoaderBootCountPath names it):
 * the restore keeps it for systemd-bless-boot, and boot-good removes it once the boot is counted.
 */
TEST(test_restore_awaits_bless)
{
	_cleanup_free_ char *counted = NULL, *blessed = NULL;

	setup();
	make_esp();
	CHECK_EQ_INT(begin("T1", ROOT_AND_DATA), 0);
	CHECK(exists(pathf("loader/entries/rewind-T1+3.conf")));
	upgrade_esp();
	counted = strdup(pathf("loader/entries/rewind-T1+2-1.conf"));
	blessed = strdup(pathf("loader/entries/rewind-T1.conf"));
	CHECK(rename(pathf("loader/entries/rewind-T1+3.conf"), counted) == 0);
	CHECK_EQ_INT(efivar_set_string(efivars, "LoaderBootCountPath", EFI_LOADER_GUID,
				       "\\loader\\entries\\rewind-T1+2-1.conf"),
		     0);
	merged_at_boot();
	write_outcome("T1", "rolled-back", "rolled-back");
	CHECK_EQ_INT(RUN_CLI("boot-finish"), 0);
	/* the ESP is back; the booted entry and its kernel stay, its record is gone */
	CHECK(!exists(pathf("loader/entries/" MID "-" NEWK ".conf")));
	CHECK(exists(counted));
	CHECK(exists(pathf("rewind/T1/linux")));
	CHECK(!exists(pathf("rewind/T1/manifest.json")));
	/* nothing restores from it again: a kernel installed after the rollback stays */
	put(pathf("loader/entries/" MID "-" NEWK ".conf"), "title installed after\n");
	CHECK_EQ_INT(RUN_CLI("boot-finish"), 0);
	CHECK(exists(pathf("loader/entries/" MID "-" NEWK ".conf")));
	/* boot-good before systemd-bless-boot renamed it: it stays */
	CHECK_EQ_INT(RUN_CLI("boot-good"), 0);
	CHECK(exists(counted));
	/* systemd-bless-boot marked the boot good: boot-good removes the entry and the kernel */
	CHECK(rename(counted, blessed) == 0);
	CHECK_EQ_INT(RUN_CLI("boot-good"), 0);
	CHECK(!exists(blessed));
	CHECK(nothing_pinned("T1"));
	CHECK(exists(pathf("loader/entries/" MID "-" NEWK ".conf")));
}

int main(void)
{
	int n_failed = 0;

	if (lvm_new(&L) < 0)
		return 1;
	RUN(test_begin_pins);
	RUN(test_kernel_check);
	RUN(test_audit_esp);
	RUN(test_restore_awaits_bless);
	RUN(test_commit_unpins);
	RUN(test_begin_counts_boots);
	RUN(test_oneshot_over_bootctl);
	RUN(test_cancel_keeps_pin);
	RUN(test_begin_esp_full);
	RUN(test_begin_esp_refuses_txid);
	RUN(test_begin_esp_broken_fails);
	RUN(test_begin_uki_not_pinned);
	RUN(test_begin_data_only_not_pinned);
	RUN(test_begin_data_only_esp_unread);
	RUN(test_no_esp);
	RUN(test_boot_finish_restores);
	RUN(test_boot_finish_restore_fails);
	RUN(test_boot_finish_root_not_rolled_back);
	RUN(test_boot_finish_nothing_to_do);
	lvm_free(L);
	return n_failed ? 1 : 0;
}
