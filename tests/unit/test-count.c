/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boot-count.c: systemd-boot boot counters at begin, and what commit and rollback make of them
 * after systemd-boot and systemd-bless-boot renamed the entries. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boot.h"
#include "efivar.h"
#include "esp-fixture.h"
#include "log.h"
#include "util.h"

static char efivars[512];
static char logged[16384];

#define E(name) "loader/entries/" name
#define CUR	MID "-" KVER
#define OLD	MID "-6.0.0-9-amd64"
#define NEW	MID "-6.2.0-1-amd64"

static void capture(void *u, int prio, const char *file, int line, const char *fn, const char *msg)
{
	size_t len = strlen(logged);

	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "  [%d] %s\n", prio, msg);
	snprintf(logged + len, sizeof(logged) - len, "%d %s\n", prio, msg);
}

static char *entry(const char *version)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 "title Debian\nversion %s\nmachine-id " MID "\nsort-key debian\nlinux /" MID
		 "/" KVER "/linux\noptions root=/dev/mapper/vg0-root ro\n",
		 version);
	return buf;
}

static void set_features(uint64_t f)
{
	check(efivar_write(efivars, "LoaderFeatures", EFI_LOADER_GUID, EFI_VARIABLE_NV_BS_RT, &f,
			   sizeof(f)) == 0);
}

/* A fresh ESP: the booted entry, an older one, and one the admin counts himself. */
static void setup(const char *loader_conf)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", esp);
	check(system(cmd) == 0);
	esp_make(loader_conf, entry(KVER), "MZ kernel", "initrd");
	put(pathf(E(OLD ".conf")), entry("6.0.0-9-amd64"));
	put(pathf(E("other+5.conf")), "title Other\nlinux /" MID "/" KVER "/linux\n");
	/* another OS's or a tool's entry: never counted */
	put(pathf(E("memtest.conf")), "title Memtest\nefi /" MID "/" KVER "/linux\n");
	check(efivar_set_string(efivars, "LoaderEntrySelected", EFI_LOADER_GUID, CUR ".conf") == 0);
	set_features(0x7f); /* systemd-boot 252: boot counting is bit 4 */
	logged[0] = '\0';
}

static void sd_rename(const char *from, const char *to)
{
	check(rename(pathf(E("%s"), from), pathf(E("%s"), to)) == 0);
}

static void test_arm_commit(struct boot *b)
{
	struct boot_rollback_entry *o = NULL;

	setup("timeout 3\n");
	check(boot_pin(b, "t1", time(NULL)) == 0);
	check(boot_count(b, "t1", 2) == 0);
	check(exists(pathf(E(CUR "+2.conf"))) && !exists(pathf(E(CUR ".conf"))));
	check(exists(pathf(E(OLD "+2.conf"))));
	check(exists(pathf(E("other+5.conf"))));
	check(exists(pathf(E("memtest.conf"))));
	check(exists(pathf(E("rewind-t1+3.conf"))));
	check(slurp(pathf("rewind/t1/counted")) &&
	      streq(slurp(pathf("rewind/t1/counted")), CUR "\n" OLD "\n"));
	check(slurp(pathf("rewind/t1/tries")) && streq(slurp(pathf("rewind/t1/tries")), "2\n"));
	check(!strstr(logged, "would still not boot"));

	/* systemd-boot tried CUR once and OLD twice; 91-rewind.install counted NEW, which then
	 * booted fine and systemd-bless-boot took its counter off */
	sd_rename(CUR "+2.conf", CUR "+1-1.conf");
	sd_rename(OLD "+2.conf", OLD "+0-2.conf");
	put(pathf(E(NEW ".conf")), entry("6.2.0-1-amd64"));
	put(pathf("rewind/t1/counted"), CUR "\n" OLD "\n" NEW "\n");

	check(boot_describe(b, "t1", &o) == 0 && o);
	check(o && o->counting && o->tries == 2 && o->n_counted == 3);
	for (size_t i = 0; o && i < o->n_counted; i++) {
		const char *f = o->counted[i].entry;
		int t = o->counted[i].tries_left;

		if (streq(f, CUR "+1-1.conf"))
			check(t == 1);
		else if (streq(f, OLD "+0-2.conf"))
			check(t == 0);
		else
			check(streq(f, NEW ".conf") && t == -1);
	}
	o = boot_rollback_entry_free(o);

	check(boot_unpin(b, "t1") == 0);
	check(exists(pathf(E(CUR ".conf"))) && !exists(pathf(E(CUR "+1-1.conf"))));
	/* bad stays bad: taking its counter off would make it the default again */
	check(exists(pathf(E(OLD "+0-2.conf"))));
	check(strstr(logged, "marked boot entry " OLD "+0-2.conf bad"));
	check(exists(pathf(E(NEW ".conf"))));
	check(exists(pathf(E("other+5.conf"))));
	check(!exists(pathf("rewind")) && !exists(pathf(E("rewind-t1+3.conf"))));
}

/* systemd-boot 252 reports the id it booted with the counter it had: CUR+2.conf, now +1-1. */
static void test_selected_with_counter(struct boot *b)
{
	struct boot_rollback_entry *o = NULL;

	setup("timeout 3\n");
	sd_rename(CUR ".conf", CUR "+1-1.conf");
	check(efivar_set_string(efivars, "LoaderEntrySelected", EFI_LOADER_GUID, CUR "+2.conf") ==
	      0);
	check(boot_pin(b, "t2", time(NULL)) == 0);
	check(boot_describe(b, "t2", &o) == 0 && o);
	check(o && o->pinned_from && streq(o->pinned_from, CUR ".conf"));
	o = boot_rollback_entry_free(o);
	/* counted by someone else already: left alone, and so not taken back by commit */
	check(boot_count(b, "t2", 3) == 0);
	check(exists(pathf(E(CUR "+1-1.conf"))));
	check(boot_unpin(b, "t2") == 0);
	check(exists(pathf(E(CUR "+1-1.conf"))));
}

/* A default pattern that only matches Debian's entries keeps systemd-boot on a bad one. */
static void test_fallback_warning(struct boot *b)
{
	setup("timeout 3\ndefault " MID "-*\n");
	check(boot_pin(b, "t3", time(NULL)) == 0);
	check(boot_count(b, "t3", 2) == 0);
	check(strstr(logged, "would still not boot the rollback entry rewind-t3+3.conf"));
	check(boot_unpin(b, "t3") == 0);

	/* a pattern the rollback entry matches is fine */
	setup("timeout 3\ndefault *\n");
	check(boot_pin(b, "t4", time(NULL)) == 0);
	check(boot_count(b, "t4", 2) == 0);
	check(!strstr(logged, "would still not boot"));
	check(!strstr(logged, "now has a boot counter"));
	check(boot_unpin(b, "t4") == 0);

	/* systemd-boot 252 matches the file name, counter included: an exact default stops
	 * matching, which falls back fine but changes the default until commit */
	setup("timeout 3\ndefault " OLD ".conf\n");
	check(boot_pin(b, "t7", time(NULL)) == 0);
	check(boot_count(b, "t7", 2) == 0);
	check(!strstr(logged, "would still not boot"));
	check(strstr(logged, "named " OLD ".conf by its file name, which now has a boot counter"));
	check(boot_unpin(b, "t7") == 0);

	/* a boot loader that does not count: nothing renamed */
	setup("timeout 3\n");
	set_features(0x0f);
	check(boot_pin(b, "t8", time(NULL)) == 0);
	check(boot_count(b, "t8", 2) == -EOPNOTSUPP);
	check(exists(pathf(E(CUR ".conf"))) && !exists(pathf("rewind/t8/counted")));
	check(efivar_delete(efivars, "LoaderFeatures", EFI_LOADER_GUID) == 0);
	check(boot_count(b, "t8", 2) == -EOPNOTSUPP);
	check(boot_unpin(b, "t8") == 0);
}

/* After a rollback the manifest puts the names back as they were before begin. */
static char *oneshot(void)
{
	char *v = NULL;

	return efivar_get_string(efivars, "LoaderEntryOneShot", EFI_LOADER_GUID, &v) < 0 ? NULL : v;
}

/* The rollback entry has tries of its own. systemd-boot 252 keeps the counter in the id, so
 * everything that names it finds it under whatever name systemd-boot or systemd-bless-boot gave
 * it, and the initramfs, which cannot read the ESP, sets a pattern that matches all of them. */
static void test_rollback_entry_tries(struct boot *b)
{
	static const char *const names[] = {"rewind-t9.conf", "rewind-t9+3.conf",
					    "rewind-t9+2-1.conf", "rewind-t9+0-3.conf"};
	static const char *const others[] = {"rewind-t90.conf", "rewind-t9x+3.conf",
					     "rewind-t8+3.conf"};
	struct boot_rollback_entry *o = NULL;
	char *v = NULL, *sel = NULL;

	setup("timeout 3\n");
	check(boot_pin(b, "t9", time(NULL)) == 0);
	check(exists(pathf(E("rewind-t9+3.conf"))) && !exists(pathf(E("rewind-t9.conf"))));

	/* systemd-boot booted it once: the one-shot is the pattern of every name it may have */
	sd_rename("rewind-t9+3.conf", "rewind-t9+2-1.conf");
	check(boot_set_oneshot(b, "t9") == 0);
	check((v = oneshot()) && streq(v, "rewind-t9[+.]*conf"));
	free(v);
	check(boot_describe(b, "t9", &o) == 0 && o);
	check(o && streq(o->entry, "rewind-t9+2-1.conf"));
	check(o && o->present);
	check(o && o->entry_tries_left == 2);
	o = boot_rollback_entry_free(o);
	check(boot_clear_oneshot(b, "t9") == 1 && !oneshot());

	/* the initramfs: a pattern for every name, and only those */
	check(boot_set_oneshot_early(efivars, "t9") == 0);
	check((v = oneshot()) && streq(v, "rewind-t9[+.]*conf"));
	for (size_t i = 0; v && i < ELEMENTSOF(names); i++)
		check(fnmatch(v, names[i], 0) == 0);
	for (size_t i = 0; v && i < ELEMENTSOF(others); i++)
		check(fnmatch(v, others[i], 0) != 0);
	free(v);
	check(boot_clear_oneshot(b, "t9") == 1 && !oneshot());

	/* used up: systemd-boot booted it (or the last resort) with no tries left; the next boot
	 * is not pointed at it again */
	sd_rename("rewind-t9+2-1.conf", "rewind-t9+0-3.conf");
	check(efivar_set_string(efivars, "LoaderEntrySelected", EFI_LOADER_GUID,
				"rewind-t9+0-2.conf") == 0);
	check(boot_selected_exhausted(efivars, &sel) == 1 && sel &&
	      streq(sel, "rewind-t9+0-2.conf"));
	free(sel);
	check(boot_set_oneshot_early(efivars, "t9") == -ESTALE && !oneshot());
	check(strstr(logged, "with no tries left: the kernel pinned at begin failed too"));
	/* another entry with none left (a default names it) does not stop it: ours has tries */
	check(efivar_set_string(efivars, "LoaderEntrySelected", EFI_LOADER_GUID, CUR "+0-2.conf") ==
	      0);
	check(boot_set_oneshot_early(efivars, "t9") == 0 && (v = oneshot()) &&
	      streq(v, "rewind-t9[+.]*conf"));
	free(v);
	check(efivar_delete(efivars, "LoaderEntryOneShot", EFI_LOADER_GUID) == 0);
	/* systemd-boot 258 and later: no counter in the ids, LoaderBootCountPath tells. A third
	 * boot (+1-2 renamed to +0-3) still had a try; a fourth (+0-4) had none. */
	check(efivar_delete(efivars, "LoaderEntrySelected", EFI_LOADER_GUID) == 0);
	check(efivar_set_string(efivars, "LoaderBootCountPath", EFI_LOADER_GUID,
				"\\loader\\entries\\rewind-t9+0-3.conf") == 0);
	check(boot_set_oneshot_early(efivars, "t9") == 0);
	check(efivar_set_string(efivars, "LoaderBootCountPath", EFI_LOADER_GUID,
				"\\loader\\entries\\rewind-t9+0-4.conf") == 0);
	check(boot_set_oneshot_early(efivars, "t9") == -ESTALE);
	check(efivar_delete(efivars, "LoaderBootCountPath", EFI_LOADER_GUID) == 0);
	check(efivar_delete(efivars, "LoaderEntryOneShot", EFI_LOADER_GUID) == 0);
	check(boot_describe(b, "t9", &o) == 0 && o);
	check(o && o->entry_tries_left == 0);
	o = boot_rollback_entry_free(o);
	/* an entry with tries left, or without a counter, is not used up */
	check(efivar_set_string(efivars, "LoaderEntrySelected", EFI_LOADER_GUID, CUR "+1-2.conf") ==
	      0);
	check(boot_selected_exhausted(efivars, NULL) == 0);
	check(efivar_set_string(efivars, "LoaderEntrySelected", EFI_LOADER_GUID, CUR ".conf") == 0);
	check(boot_selected_exhausted(efivars, NULL) == 0);
	check(efivar_set_string(efivars, "LoaderEntrySelected", EFI_LOADER_GUID, CUR "+0.conf") ==
	      0);
	check(boot_selected_exhausted(efivars, NULL) == 1);
	check(efivar_delete(efivars, "LoaderEntrySelected", EFI_LOADER_GUID) == 0);
	check(boot_selected_exhausted(efivars, NULL) == 0);

	/* systemd-bless-boot took the counter off (a good boot); a leftover of the other name */
	sd_rename("rewind-t9+0-3.conf", "rewind-t9.conf");
	check(boot_set_oneshot(b, "t9") == 0);
	check((v = oneshot()) && streq(v, "rewind-t9[+.]*conf"));
	free(v);
	put(pathf(E("rewind-t9+1-2.conf")), "title leftover\n");
	check(boot_unpin(b, "t9") == 0 && !oneshot());
	check(!exists(pathf(E("rewind-t9.conf"))) && !exists(pathf(E("rewind-t9+1-2.conf"))));
	check(!exists(pathf("rewind")));
}

static void test_restore(struct boot *b)
{
	setup("timeout 3\n");
	check(boot_pin(b, "t5", time(NULL)) == 0);
	check(boot_count(b, "t5", 1) == 0);
	sd_rename(CUR "+1.conf", CUR "+0-1.conf");
	sd_rename(OLD "+1.conf", OLD "+0-1.conf");
	put(pathf(E(NEW "+1.conf")), entry("6.2.0-1-amd64"));
	check(boot_restore(b, "t5", false) >= 0);
	check(exists(pathf(E(CUR ".conf"))) && exists(pathf(E(OLD ".conf"))));
	check(!exists(pathf(E(CUR "+0-1.conf"))) && !exists(pathf(E(OLD "+0-1.conf"))));
	check(!exists(pathf(E(NEW "+1.conf"))));
	check(exists(pathf(E("other+5.conf"))));
}

/* The list is read back from the ESP: a name that is not one harmless file name is skipped. */
static void test_bad_list(struct boot *b)
{
	setup("timeout 3\n");
	check(boot_count(b, "t6", 2) == -ENOENT); /* no rollback entry to fall back to */
	check(boot_count(b, "../x", 2) == -EINVAL);
	check(boot_pin(b, "t6", time(NULL)) == 0);
	check(boot_count(b, "t6", 0) == 0 && !exists(pathf("rewind/t6/counted")));
	put(pathf(E("x.conf")), "title X\nlinux /" MID "/" KVER "/linux\n");
	put(pathf(E("x+1-1.conf")), "title X\nlinux /" MID "/" KVER "/linux\n");
	put(pathf("rewind/t6/counted"), "../../" CUR "\n.hidden\nx\n" CUR "+1\n\n");
	sd_rename(CUR ".conf", CUR "+1-1.conf");
	check(boot_unpin(b, "t6") == 0);
	check(strstr(logged, "Ignoring a bad name"));
	check(exists(pathf(E(CUR "+1-1.conf"))));
	/* never over an existing file */
	check(exists(pathf(E("x.conf"))) && exists(pathf(E("x+1-1.conf"))));
}

int main(void)
{
	char tmpl[] = "/tmp/test-count.XXXXXX", *root = mkdtemp(tmpl);
	struct boot *b = NULL;
	char cmd[600];

	rewind_log_set_fn(capture, NULL);
	rewind_log_set_priority(REWIND_LOG_DEBUG);
	snprintf(esp, sizeof(esp), "%s/esp", root);
	snprintf(efivars, sizeof(efivars), "%s/efivars", root);
	mkdir_p(efivars, 0755);
	fake_efivarfs(true); /* efivarfs's immutable variables */
	setup("timeout 3\n");
	if (boot_open(esp, efivars, &b) < 0) {
		fprintf(stderr, "FAIL: boot_open\n");
		return 1;
	}
	RUN_ESP(test_arm_commit(b), "arm_commit");
	RUN_ESP(test_selected_with_counter(b), "selected_with_counter");
	RUN_ESP(test_fallback_warning(b), "fallback_warning");
	RUN_ESP(test_rollback_entry_tries(b), "rollback_entry_tries");
	RUN_ESP(test_restore(b), "restore");
	RUN_ESP(test_bad_list(b), "bad_list");
	boot_free(b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		return 1;
	return failures ? 1 : 0;
}
