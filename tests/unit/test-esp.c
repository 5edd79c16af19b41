/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boot.c and efivar.c against a fake ESP and a fake efivarfs directory in a temp dir. */
#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "boot.h"
#include "efivar.h"
#include "esp-fixture.h"
#include "log.h"
#include "util.h"

#define TX "20261125-101500"

static char efivars[512];

static void log_to_stderr(void *u, int prio, const char *file, int line, const char *fn,
			  const char *msg)
{
	fprintf(stderr, "  [%d] %s\n", prio, msg);
}

/* "path sha256\n" for every file under the ESP except rewind/, sorted: the ESP's fingerprint. */
static void hash_file(const char *path, char hex[65])
{
	unsigned char md[32], buf[4096];
	unsigned int len;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	FILE *f = fopen(path, "r");
	size_t n;

	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		EVP_DigestUpdate(c, buf, n);
	EVP_DigestFinal_ex(c, md, &len);
	EVP_MD_CTX_free(c);
	if (f)
		fclose(f);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *rel, char ***l, size_t *n)
{
	char abs[2100];
	DIR *d;
	struct dirent *de;

	snprintf(abs, sizeof(abs), "%s%s%s", esp, *rel ? "/" : "", rel);
	d = opendir(abs);
	while (d && (de = readdir(d))) {
		char child[1024 + 256], hex[65];
		struct stat st;

		if (de->d_name[0] == '.' || (!*rel && strcmp(de->d_name, "rewind") == 0))
			continue;
		snprintf(child, sizeof(child), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		snprintf(abs, sizeof(abs), "%s/%s", esp, child);
		lstat(abs, &st);
		if (S_ISDIR(st.st_mode)) {
			*l = realloc(*l, sizeof(char *) * (*n + 1));
			asprintf(&(*l)[(*n)++], "%s/", child);
			walk(child, l, n);
			continue;
		}
		hash_file(abs, hex);
		*l = realloc(*l, sizeof(char *) * (*n + 1));
		asprintf(&(*l)[(*n)++], "%s %s", child, hex);
	}
	if (d)
		closedir(d);
}

static char *fingerprint(void)
{
	char **l = NULL, *out = strdup("");
	size_t n = 0;

	walk("", &l, &n);
	qsort(l, n, sizeof(*l), cmpstr);
	for (size_t i = 0; i < n; i++) {
		char *o;

		asprintf(&o, "%s%s\n", out, l[i]);
		free(out);
		free(l[i]);
		out = o;
	}
	free(l);
	return out;
}

static const char entry_text[] =
    "# Boot Loader Specification type#1 entry\n"
    "# File created by /usr/lib/kernel/install.d/90-loaderentry.install (systemd 252)\n"
    "title      Debian GNU/Linux 12 (bookworm)\n"
    "version    " KVER "\n"
    "machine-id " MID "\n"
    "sort-key   debian\n"
    "options    root=/dev/mapper/vg0-root ro rd.rewind.rollback=old quiet\r\n"
    "options    rd.rewind.debug  console=ttyS0 rd.rewind=1\n"
    "linux      /" MID "/" KVER "/linux\n"
    "initrd     /" MID "/" KVER "/initrd.img-" KVER "\n";

static void make_esp(void)
{
	esp_make("timeout 3\n#console-mode keep\n", entry_text, "MZ kernel 6.1.0-1 bytes",
		 "initrd of 6.1.0-1, first build");
	put(pathf("EFI/vendor/tool.efi"), "MZ some vendor tool");
}

static void set_selected(const char *id)
{
	check(efivar_set_string(efivars, "LoaderEntrySelected", EFI_LOADER_GUID, id) == 0);
}

static void test_efivar_encoding(void)
{
	static const unsigned char want[] = {7, 0, 0, 0, 'a', 0, 0xe9, 0, '.', 0, 0, 0};
	char path[1024], *s = NULL;
	unsigned char buf[64];
	ssize_t n;
	int fd;

	check(efivar_set_string(efivars, "Test", EFI_LOADER_GUID, "a\xc3\xa9.") == 0);
	snprintf(path, sizeof(path), "%s/Test-" EFI_LOADER_GUID, efivars);
	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	check(n == sizeof(want) && memcmp(buf, want, sizeof(want)) == 0);
	/* a shorter value replaces the longer one entirely */
	check(efivar_set_string(efivars, "Test", EFI_LOADER_GUID, "b") == 0);
	check(efivar_get_string(efivars, "Test", EFI_LOADER_GUID, &s) == 0 && strcmp(s, "b") == 0);
	free(s);
	check(efivar_delete(efivars, "Test", EFI_LOADER_GUID) == 0);
	check(efivar_get_string(efivars, "Test", EFI_LOADER_GUID, &s) == -ENOENT);
	check(efivar_set_string(efivars, "../x", EFI_LOADER_GUID, "b") == -EINVAL);
}

static void test_open(void)
{
	struct boot *b = NULL;
	char p[1024];

	snprintf(p, sizeof(p), "%s/nothing", esp);
	mkdir_p(p, 0755);
	check(boot_open(p, efivars, &b) == -ENOENT && !b);
	check(boot_open(esp, efivars, &b) == 0 && b);
	boot_free(b);
}

static void test_pin(struct boot *b, const char *before)
{
	static const char want_entry[] =
	    "# Rollback entry of rewind transaction " TX "; removed by commit or rollback.\n"
	    "title Roll back " TX " (2026-11-25 10:15)\n"
	    "version " KVER "\n"
	    "machine-id " MID "\n"
	    "linux /rewind/" TX "/linux\n"
	    "initrd /rewind/" TX "/initrd-1\n"
	    "options root=/dev/mapper/vg0-root ro quiet console=ttyS0 rd.rewind.rollback=" TX "\n";
	struct tm tm = {.tm_year = 126, .tm_mon = 10, .tm_mday = 25, .tm_hour = 10, .tm_min = 15};
	struct boot_rollback_entry *o = NULL;
	json_object *m, *files;
	char *s, *after;
	bool saw_conf = false, saw_rewind = false;

	check(boot_pin(b, TX, timegm(&tm)) == 0);
	s = slurp(pathf("rewind/" TX "/linux"));
	check(s && strcmp(s, "MZ kernel 6.1.0-1 bytes") == 0);
	s = slurp(pathf("rewind/" TX "/initrd-1"));
	check(s && strcmp(s, "initrd of 6.1.0-1, first build") == 0);
	s = slurp(pathf("loader/entries/rewind-" TX "+3.conf"));
	check(s && strcmp(s, want_entry) == 0);
	if (s && strcmp(s, want_entry) != 0)
		fprintf(stderr, "entry is:\n%s", s);
	s = slurp(pathf("rewind/" TX "/backup/loader/loader.conf"));
	check(s && strcmp(s, "timeout 3\n#console-mode keep\n") == 0);
	check(exists(pathf("rewind/" TX "/backup/loader/entries/" MID "-" KVER ".conf")));

	m = json_object_from_file(pathf("rewind/" TX "/manifest.json"));
	check(m);
	files = m ? json_object_object_get(m, "files") : NULL;
	check(files && json_object_array_length(files) == 6);
	for (size_t i = 0; files && i < json_object_array_length(files); i++) {
		json_object *f = json_object_array_get_idx(files, i);
		const char *p = json_object_get_string(json_object_object_get(f, "path"));
		const char *h = json_object_get_string(json_object_object_get(f, "sha256"));
		char hex[65];

		hash_file(pathf("%s", p), hex);
		check(h && strcmp(h, hex) == 0);
		if (strcmp(p, "loader/loader.conf") == 0)
			saw_conf = json_object_object_get(f, "backup") != NULL;
		if (strncmp(p, "rewind", 6) == 0)
			saw_rewind = true;
	}
	check(saw_conf && !saw_rewind);
	json_object_put(m);

	/* the ESP itself only gained the entry */
	after = fingerprint();
	check(strstr(after, "loader/entries/rewind-" TX "+3.conf "));
	check(strlen(after) > strlen(before));

	check(boot_describe(b, TX, &o) == 0 && o);
	if (o) {
		check(strcmp(o->entry, "rewind-" TX "+3.conf") == 0);
		check(o->present);
		check(o->pinned_from && strcmp(o->pinned_from, MID "-" KVER ".conf") == 0);
		check(o->size ==
		      strlen("MZ kernel 6.1.0-1 bytes") + strlen("initrd of 6.1.0-1, first build"));
		check(o->linux_path && strcmp(o->linux_path, "rewind/" TX "/linux") == 0);
		check(o->esp && !o->counting);
		boot_rollback_entry_free(o);
	}
	free(after);
	check(boot_pin(b, TX, 0) == -EEXIST);
}

static void test_enospc(struct boot *b)
{
	char *before = fingerprint(), *after;

	boot_set_free_space(b, 100 * 1024);
	check(boot_pin(b, "tx2", time(NULL)) == -REFUSE_NO_SPACE);
	boot_set_free_space(b, UINT64_MAX);
	check(!exists(pathf("rewind/tx2")));
	check(!exists(pathf("loader/entries/rewind-tx2+3.conf")));
	after = fingerprint();
	check(strcmp(before, after) == 0);
	free(before);
	free(after);
}

static void upgrade(void)
{
	put(pathf(MID "/6.2.0-1-amd64/linux"), "MZ kernel 6.2");
	put(pathf(MID "/6.2.0-1-amd64/initrd.img-6.2.0-1-amd64"), "initrd 6.2");
	put(pathf("loader/entries/" MID "-6.2.0-1-amd64.conf"),
	    "title Debian\nversion 6.2.0-1-amd64\nsort-key debian\nlinux /" MID
	    "/6.2.0-1-amd64/linux\ninitrd /" MID "/6.2.0-1-amd64/initrd.img-6.2.0-1-amd64\n"
	    "options root=/dev/mapper/vg0-root ro rd.rewind.rollback=" TX "\n");
	put(pathf("loader/loader.conf"), "timeout 3\ndefault " MID "-6.2.0-1-amd64.conf\n");
	put(pathf(MID "/" KVER "/initrd.img-" KVER), "initrd of 6.1.0-1, REBUILT by the upgrade");
	put(pathf("EFI/vendor/tool.efi"), "MZ some vendor tool, updated");
	unlink(pathf("loader/entries/" MID "-" KVER ".conf"));
	check(efivar_set_string(efivars, "LoaderEntryDefault", EFI_LOADER_GUID,
				MID "-6.2.0-1-amd64.conf") == 0);
}

static void test_restore(struct boot *b, const char *before)
{
	char *after, *s = NULL, *want;
	const char *tool = strstr(before, "EFI/vendor/tool.efi ");

	upgrade();
	/* systemd-boot's seed, refreshed at every boot: neither an "added" file nor restored */
	put(pathf("loader/random-seed"), "a fresh seed");
	check(boot_restore(b, TX, false) == 1);
	check(slurp(pathf("loader/random-seed")) &&
	      streq(slurp(pathf("loader/random-seed")), "a fresh seed"));
	unlink(pathf("loader/random-seed"));
	after = fingerprint();
	/* everything as recorded, except the vendor tool we kept no copy of */
	want = strdup(before);
	if (tool) {
		char hex[65];

		hash_file(pathf("EFI/vendor/tool.efi"), hex);
		memcpy(want + (tool - before) + strlen("EFI/vendor/tool.efi "), hex, 64);
	}
	check(strcmp(after, want) == 0);
	if (strcmp(after, want) != 0)
		fprintf(stderr, "want:\n%s\ngot:\n%s", want, after);
	check(!exists(pathf(MID "/6.2.0-1-amd64")));
	check(!exists(pathf("rewind")));
	check(!exists(pathf("loader/entries/rewind-" TX "+3.conf")));
	check(efivar_get_string(efivars, "LoaderEntryDefault", EFI_LOADER_GUID, &s) == -ENOENT);
	/* again: nothing left to do */
	check(boot_restore(b, TX, false) == 0);
	free(after);
	free(want);
	put(pathf("EFI/vendor/tool.efi"), "MZ some vendor tool");
}

#define NEWK "6.3.0-1-amd64"

/* Files that are not rewind's: another OS, firmware capsules, shim, vendors' trees. */
static const char *const foreign_before[][2] = {
    {"EFI/other/grubx64.efi", "MZ another OS's grub"},
    {"EFI/UpdateCapsule/capsule.bin", "a firmware capsule staged before begin"},
    {"EFI/debian/BOOTX64.CSV", "shimx64.efi,debian,,This is the boot entry for debian\n"},
    {"Dell/BIOS/update.rcv", "a vendor's own top-level tree"},
    {"dtb/board.dtb", "a devicetree that was there before begin"},
};
static const char *const foreign_after[][2] = {
    {"EFI/UpdateCapsule/capsule-new.bin", "a firmware capsule staged after begin"},
    {"EFI/fedora/grubx64.efi", "MZ grub of an OS installed after begin"},
    {"EFI/debian/mmx64.efi", "MZ MOK manager, installed after begin"},
    {"HP/firmware/new.bin", "a vendor's top-level tree, created after begin"},
    {"EFI/other/grubx64.efi", "MZ another OS's grub, updated after begin"},
};

/* The ESP is shared: a restore after a rollback puts back the boot menu and the files its Linux
 * entries load, and leaves every other file as it is, there at begin or not, changed or not. */
static void test_restore_foreign(struct boot *b)
{
	_cleanup_free_ char *entry_was = NULL, *conf_was = NULL, *def = NULL;
	char entry[1024], cmd[2048];

	snprintf(entry, sizeof(entry), "%s", pathf("loader/entries/" MID "-" KVER ".conf"));
	for (size_t i = 0; i < ELEMENTSOF(foreign_before); i++)
		put(pathf("%s", foreign_before[i][0]), foreign_before[i][1]);
	check(efivar_set_string(efivars, "LoaderEntryDefault", EFI_LOADER_GUID,
				MID "-" KVER ".conf") == 0);
	entry_was = strdup(slurp(entry));
	conf_was = strdup(slurp(pathf("loader/loader.conf")));
	check(boot_pin(b, "tx6", time(NULL)) == 0);

	/* after begin, the foreign trees change and grow */
	for (size_t i = 0; i < ELEMENTSOF(foreign_after); i++)
		put(pathf("%s", foreign_after[i][0]), foreign_after[i][1]);
	check(mkdir(pathf("EFI/empty-after"), 0755) == 0);
	/* the upgrade: a new entry and kernel (with the devicetree that was there), the booted
	 * entry changed to load an initrd it added, loader.conf and LoaderEntryDefault changed */
	put(pathf("loader/entries/" MID "-" NEWK ".conf"),
	    "title Debian\nversion " NEWK "\nsort-key debian\nlinux /" MID "/" NEWK
	    "/linux\ninitrd /" MID "/" NEWK "/initrd.img-" NEWK "\ndevicetree /dtb/board.dtb\n");
	put(pathf(MID "/" NEWK "/linux"), "MZ kernel " NEWK);
	put(pathf(MID "/" NEWK "/initrd.img-" NEWK), "initrd " NEWK);
	put(entry, "title Debian\nversion " KVER "\nsort-key debian\nlinux /" MID "/" KVER
		   "/linux\ninitrd /" MID "/" KVER "/microcode.img\ninitrd /" MID "/" KVER
		   "/initrd.img-" KVER "\n");
	put(pathf(MID "/" KVER "/microcode.img"), "microcode the upgrade added");
	put(pathf("loader/loader.conf"), "timeout 0\ndefault " MID "-" NEWK ".conf\n");
	check(efivar_set_string(efivars, "LoaderEntryDefault", EFI_LOADER_GUID,
				MID "-" NEWK ".conf") == 0);

	check(boot_restore(b, "tx6", false) >= 0);
	for (size_t i = 0; i < ELEMENTSOF(foreign_before); i++) {
		const char *want = foreign_before[i][1];

		for (size_t k = 0; k < ELEMENTSOF(foreign_after); k++)
			if (streq(foreign_after[k][0], foreign_before[i][0]))
				want = foreign_after[k][1];
		check(slurp(pathf("%s", foreign_before[i][0])) &&
		      streq(slurp(pathf("%s", foreign_before[i][0])), want));
	}
	for (size_t i = 0; i < ELEMENTSOF(foreign_after); i++)
		check(slurp(pathf("%s", foreign_after[i][0])) &&
		      streq(slurp(pathf("%s", foreign_after[i][0])), foreign_after[i][1]));
	check(exists(pathf("EFI/empty-after")));
	/* the upgrade's entry, kernel, initrds and their new directory are gone */
	check(!exists(pathf("loader/entries/" MID "-" NEWK ".conf")));
	check(!exists(pathf(MID "/" NEWK)));
	check(!exists(pathf(MID "/" KVER "/microcode.img")));
	/* the changed entry, loader.conf and LoaderEntryDefault are back */
	check(slurp(entry) && entry_was && streq(slurp(entry), entry_was));
	check(slurp(pathf("loader/loader.conf")) && conf_was &&
	      streq(slurp(pathf("loader/loader.conf")), conf_was));
	check(efivar_get_string(efivars, "LoaderEntryDefault", EFI_LOADER_GUID, &def) == 0 &&
	      streq(def, MID "-" KVER ".conf"));
	check(!exists(pathf("rewind")) && !exists(pathf("loader/entries/rewind-tx6+3.conf")));

	check(efivar_delete(efivars, "LoaderEntryDefault", EFI_LOADER_GUID) == 0);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && rm -rf EFI/other EFI/UpdateCapsule EFI/debian Dell dtb "
		 "EFI/fedora HP EFI/empty-after",
		 esp);
	check(system(cmd) == 0);
}

static void test_oneshot_unpin(struct boot *b, const char *before)
{
	static const char name[] = "rewind-tx3[+.]*conf";
	unsigned char buf[128], want[128] = {7, 0, 0, 0};
	char path[1024], *after;
	size_t wn = 4;
	ssize_t n;
	int fd;

	check(boot_set_oneshot(b, "tx3") == -ENOENT);
	check(boot_pin(b, "tx3", time(NULL)) == 0);
	check(boot_set_oneshot(b, "tx3") == 0);
	for (const char *c = name; *c; c++) {
		want[wn++] = *c;
		want[wn++] = 0;
	}
	want[wn++] = 0;
	want[wn++] = 0;
	snprintf(path, sizeof(path), "%s/LoaderEntryOneShot-" EFI_LOADER_GUID, efivars);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (fd >= 0)
		close(fd);
	check(n == (ssize_t)wn && memcmp(buf, want, wn) == 0);

	check(boot_unpin(b, "tx3") == 0);
	check(!exists(pathf("rewind")));
	check(!exists(path));
	after = fingerprint();
	check(strcmp(before, after) == 0);
	free(after);
	check(boot_unpin(b, "tx3") == 0);
}

static void test_fallback_default(struct boot *b)
{
	struct boot_rollback_entry *o = NULL;

	/* no LoaderEntrySelected: the entry systemd-boot picks by default (newest version) */
	check(efivar_delete(efivars, "LoaderEntrySelected", EFI_LOADER_GUID) == 0);
	put(pathf("loader/entries/" MID "-6.0.0-9-amd64.conf"),
	    "title Old\nversion 6.0.0-9-amd64\nmachine-id " MID "\nsort-key debian\nlinux /" MID
	    "/" KVER "/linux\n");
	check(boot_pin(b, "tx4", time(NULL)) == 0);
	check(boot_describe(b, "tx4", &o) == 0);
	check(o && o->pinned_from && strcmp(o->pinned_from, MID "-" KVER ".conf") == 0);
	boot_rollback_entry_free(o);
	check(boot_unpin(b, "tx4") == 0);
	unlink(pathf("loader/entries/" MID "-6.0.0-9-amd64.conf"));
	set_selected(MID "-" KVER ".conf");
}

static void test_bad_input(struct boot *b, const char *before)
{
	char *after;

	check(boot_pin(b, "../x", 0) == -EINVAL);
	check(boot_pin(b, "a+3", 0) == -EINVAL);
	check(boot_pin(b, "", 0) == -EINVAL);
	check(boot_restore(b, "a/b", false) == -EINVAL);
	/* an entry that points outside the ESP is refused and leaves nothing */
	put(pathf("loader/entries/evil.conf"), "title x\nlinux /../../etc/passwd\n");
	set_selected("EVIL.conf");
	check(boot_pin(b, "tx5", 0) == -EINVAL);
	check(!exists(pathf("rewind")));
	/* a selected entry that is not a type #1 entry (a UKI) */
	set_selected("debian-6.1.0-1-amd64.efi");
	check(boot_pin(b, "tx5", 0) == -EOPNOTSUPP);
	unlink(pathf("loader/entries/evil.conf"));
	set_selected(MID "-" KVER ".conf");
	after = fingerprint();
	check(strcmp(before, after) == 0);
	free(after);
}

int main(void)
{
	char tmpl[] = "/tmp/test-esp.XXXXXX", *root = mkdtemp(tmpl), *before;
	struct boot *b = NULL;
	char cmd[600];

	setenv("TZ", "UTC", 1);
	tzset();
	if (getenv("TEST_VERBOSE")) {
		rewind_log_set_fn(log_to_stderr, NULL);
		rewind_log_set_priority(REWIND_LOG_DEBUG);
	}
	snprintf(esp, sizeof(esp), "%s/esp", root);
	snprintf(efivars, sizeof(efivars), "%s/efivars", root);
	mkdir_p(efivars, 0755);
	fake_efivarfs(true); /* efivarfs's immutable variables */
	make_esp();
	set_selected(MID "-" KVER ".conf");

	RUN_ESP(test_efivar_encoding(), "efivar_encoding");
	RUN_ESP(test_open(), "open");
	if (boot_open(esp, efivars, &b) < 0) {
		fprintf(stderr, "FAIL: boot_open\n");
		return 1;
	}
	rmdir(pathf("nothing"));
	before = fingerprint();
	RUN_ESP(test_bad_input(b, before), "bad_input");
	RUN_ESP(test_enospc(b), "enospc");
	RUN_ESP(test_pin(b, before), "pin");
	RUN_ESP(test_restore(b, before), "restore");
	RUN_ESP(test_restore_foreign(b), "restore_foreign");
	RUN_ESP(test_oneshot_unpin(b, before), "oneshot_unpin");
	RUN_ESP(test_fallback_default(b), "fallback_default");
	boot_free(b);
	free(before);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", root);
	if (failures)
		fprintf(stderr, "test-esp: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
