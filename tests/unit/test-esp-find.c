/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finding the ESP (esp-find.c): bootctl first (a fake script), the scan of /efi, /boot/efi, /boot
 * only when bootctl is not installed, XBOOTLDR refused; and spawn_capture() that runs bootctl.
 * A restore when the ESP is not mounted: its partition mounted for it (fake-esp-find.c's mount).
 */
#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "efivar.h"
#include "esp-find.h"
#include "esp-fixture.h"
#include "test.h"
#include "txn-esp.h"
#include "txn.h"
#include "util.h"

static struct lvm *L;
static char efivars[512];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char entry_text[] = "title      Debian GNU/Linux 12 (bookworm)\n"
				 "version    " KVER "\n"
				 "machine-id " MID "\n"
				 "options    root=/dev/mapper/vg0-root ro quiet\n"
				 "linux      /" MID "/" KVER "/linux\n"
				 "initrd     /" MID "/" KVER "/initrd.img-" KVER "\n";

/* A systemd-boot ESP in <tmp>/<name>, booted from the Debian entry; REWIND_ESP unset. */
static void setup(const char *name)
{
	snprintf(efivars, sizeof(efivars), "%s/efivars", test_tmpdir);
	rm_rf(efivars);
	mkdir_p(efivars, 0755);
	fake_efivarfs(true);
	snprintf(esp, sizeof(esp), "%s/%s", test_tmpdir, name);
	rm_rf(esp);
	esp_make("timeout 3\n", entry_text, "MZ kernel " KVER, "initrd of " KVER);
	CHECK_EQ_INT(efivar_set_string(efivars, "LoaderEntrySelected", EFI_LOADER_GUID,
				       MID "-" KVER ".conf"),
		     0);
	txn_esp_set_free_space(UINT64_MAX);
	unsetenv("REWIND_ESP");
	test_machine();
}

/* A fake bootctl: prints esp_path for --print-esp-path and boot_path for --print-boot-path;
 * exits 1 (as bootctl does when it finds no ESP) when the path is NULL. */
static void fake_bootctl(const char *esp_path, const char *boot_path)
{
	char text[2048];
	const char *path;

	snprintf(text, sizeof(text),
		 "#!/bin/sh\n"
		 "echo \"$@\" >>'%s/bootctl.calls'\n"
		 "case \"$1\" in\n"
		 "--print-esp-path) %s%s%s ;;\n"
		 "--print-boot-path) %s%s%s ;;\n"
		 "*) exit 2 ;;\n"
		 "esac\n",
		 test_tmpdir, esp_path ? "echo '" : "echo 'Could not find ESP' >&2; exit 1",
		 esp_path ?: "", esp_path ? "'" : "",
		 boot_path ? "echo '" : "echo 'Could not find ESP' >&2; exit 1", boot_path ?: "",
		 boot_path ? "'" : "");
	path = test_write("bootctl", text);
	chmod(path, 0755);
	setenv("REWIND_BOOTCTL", path, 1);
}

static int bootctl_calls(void)
{
	char p[600];
	const char *s;
	int n = 0;

	snprintf(p, sizeof(p), "%s/bootctl.calls", test_tmpdir);
	for (s = slurp(p); s && *s; s++)
		n += *s == '\n';
	return n;
}

static void reset_calls(void)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/bootctl.calls", test_tmpdir);
	unlink(p);
}

static int begin_root(const char *txid)
{
	struct volume_spec spec = {.target = (char *)"/"};
	struct txn_begin_opts o = {.txid = txid, .volumes = &spec, .n_volumes = 1};
	struct conf c;
	int r;

	conf_init(&c);
	r = txn_begin(L, &c, &o, NULL);
	conf_done(&c);
	return r;
}

TEST(test_spawn_capture)
{
	char *argv_echo[] = {(char *)"/bin/sh", (char *)"-c", (char *)"printf 'a b\\n'; exit 3",
			     NULL};
	char *argv_missing[] = {(char *)"/nonexistent/bootctl", NULL};
	char *argv_path[] = {(char *)"rewind-no-such-program-here", NULL};
	char *argv_big[] = {(char *)"/bin/sh", (char *)"-c", (char *)"printf 0123456789", NULL};
	char *out = NULL;
	size_t len = 0;

	CHECK_EQ_INT(spawn_capture(argv_echo, 100, &out, &len), 3);
	CHECK_STREQ(out, "a b\n");
	CHECK_EQ_INT(len, 4);
	free(out);
	out = NULL;
	/* not installed: exec's errno, not an exit status */
	CHECK_EQ_INT(spawn_capture(argv_missing, 100, &out, &len), -ENOENT);
	CHECK_EQ_INT(spawn_capture(argv_path, 100, &out, &len), -ENOENT);
	CHECK(out == NULL);
	CHECK_EQ_INT(spawn_capture(argv_big, 5, &out, &len), -EFBIG);
	CHECK(out == NULL);
}

/* bootctl names the ESP: that is the one, wherever it is. */
TEST(test_bootctl_names_esp)
{
	_cleanup_free_ char *found = NULL;
	struct boot *b = NULL;

	setup("somewhere/esp");
	fake_bootctl(esp, esp);
	CHECK_EQ_INT(esp_find(&found), 0);
	CHECK_STREQ(found, esp);
	CHECK_EQ_INT(bootctl_calls(), 2);
	CHECK_EQ_INT(esp_find_open(&b), 0);
	CHECK(b && streq(boot_esp_root(b), esp));
	boot_free(b);
	/* begin pins on it */
	CHECK_EQ_INT(begin_root("T1"), 0);
	CHECK(exists(pathf("rewind/T1/manifest.json")));
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	CHECK(!exists(pathf("rewind/T1")));
}

/* bootctl finds no ESP (exit 1): no ESP, and no guessing, though /efi would have one. */
TEST(test_bootctl_finds_none)
{
	char *found = NULL;
	char scan[1200];
	struct boot *b = NULL;

	setup("efi");
	snprintf(scan, sizeof(scan), "%s/none:%s", test_tmpdir, esp);
	setenv("REWIND_ESP_SCAN", scan, 1);
	fake_bootctl(NULL, NULL);
	CHECK_EQ_INT(esp_find(&found), -ENOENT);
	CHECK(found == NULL);
	CHECK_EQ_INT(esp_find_open(&b), -ENOENT);
	CHECK(b == NULL);
	CHECK_EQ_INT(begin_root("T1"), 0);
	CHECK(!exists(pathf("rewind/T1")));
	CHECK(test_log_contains("No systemd-boot ESP found"));
	CHECK(!test_log_contains("booted this system, but"));
	CHECK_EQ_INT(txn_commit(L, NULL), 0);
	/* ... although systemd-boot booted this system: a warning, not a debug line */
	mkdir_p(getenv("REWIND_EFIVARS"), 0755);
	CHECK_EQ_INT(efivar_set_string(getenv("REWIND_EFIVARS"), "LoaderInfo", EFI_LOADER_GUID,
				       "systemd-boot 252.39-1~deb12u1"),
		     0);
	CHECK_EQ_INT(esp_find(&found), -ENOENT);
	CHECK(test_log_contains("systemd-boot (systemd-boot 252.39-1~deb12u1) booted this system, "
				"but"));
}

/* bootctl names an ESP without systemd-boot on it: no systemd-boot ESP. */
TEST(test_bootctl_esp_without_loader)
{
	char other[600];
	struct boot *b = NULL;

	setup("esp");
	snprintf(other, sizeof(other), "%s/grub-esp", test_tmpdir);
	mkdir_p(other, 0755);
	fake_bootctl(other, other);
	CHECK_EQ_INT(esp_find_open(&b), -ENOENT);
	CHECK(b == NULL);
}

/* bootctl is not installed: the first of the candidates with loader/. */
TEST(test_no_bootctl_scans)
{
	_cleanup_free_ char *found = NULL;
	char scan[1200];
	struct boot *b = NULL;

	setup("boot-efi");
	snprintf(scan, sizeof(scan), "%s/scan-efi:%s:%s/scan-boot", test_tmpdir, esp, test_tmpdir);
	setenv("REWIND_ESP_SCAN", scan, 1);
	mkdir_p(pathf("../scan-boot/loader"), 0755); /* a later candidate: not taken */
	setenv("REWIND_BOOTCTL", "/nonexistent/bootctl", 1);
	CHECK_EQ_INT(esp_find(&found), 0);
	CHECK_STREQ(found, esp);
	CHECK_EQ_INT(esp_find_open(&b), 0);
	CHECK(b && streq(boot_esp_root(b), esp));
	boot_free(b);
	/* nothing there: no ESP */
	snprintf(scan, sizeof(scan), "%s/scan-efi:%s/nothing", test_tmpdir, test_tmpdir);
	setenv("REWIND_ESP_SCAN", scan, 1);
	CHECK_EQ_INT(esp_find_open(&b), -ENOENT);
}

/* XBOOTLDR: the entries are apart from the ESP. Refused with a warning: no rollback entry. */
TEST(test_xbootldr_refused)
{
	_cleanup_free_ char *found = NULL;
	char xbootldr[600], link[600];
	struct boot_rollback_entry *d = NULL;

	setup("efi");
	snprintf(xbootldr, sizeof(xbootldr), "%s/xbootldr", test_tmpdir);
	mkdir_p(xbootldr, 0755);
	fake_bootctl(esp, xbootldr);
	CHECK_EQ_INT(esp_find(&found), -EXDEV);
	CHECK(test_log_contains("XBOOTLDR partition (") && test_log_contains(xbootldr));
	CHECK_EQ_INT(begin_root("T1"), 0);
	CHECK(!exists(pathf("rewind/T1")));
	CHECK_EQ_INT(txn_esp_describe("T1", &d), 0);
	CHECK(d == NULL);
	CHECK_EQ_INT(txn_commit(L, NULL), 0);

	/* the same directory under another name is no XBOOTLDR */
	snprintf(link, sizeof(link), "%s/efi-link", test_tmpdir);
	unlink(link);
	CHECK_EQ_INT(symlink(esp, link), 0);
	fake_bootctl(esp, link);
	reset_calls();
	CHECK_EQ_INT(esp_find(&found), 0);
	CHECK_STREQ(found, esp);
}

#define PARTUUID "5F3D2A10-6C4E-4B8A-9E21-0A1B2C3D4E5F"

/* The partition <tmp>/dev/NAME, its filesystem <tmp>/dev/NAME.fs (the fake mount moves it). */
static const char *dev_path(const char *name)
{
	static char p[700];

	snprintf(p, sizeof(p), "%s/dev/%s", test_tmpdir, name);
	return p;
}

/* An ESP in <tmp>/dev/vda1.fs with T1 pinned on it, found by bootctl for the begin; then bootctl
 * finds none (the ESP is not mounted) and the upgrade's entry is on it. */
static void pinned_unmounted_esp(void)
{
	char dev[600], link[800];

	rm_rf(dev_path(""));
	fake_reset();
	setup("dev/vda1.fs");
	snprintf(dev, sizeof(dev), "%s", dev_path(""));
	setenv("REWIND_DEV", dev, 1);
	put(dev_path("vda1"), "");
	put(dev_path("vdb2"), "");
	fake_bootctl(esp, esp);
	CHECK_EQ_INT(begin_root("T1"), 0);
	CHECK(exists(pathf("rewind/T1/manifest.json")));
	CHECK_EQ_INT(txn_esp_set_oneshot("T1"), 1);
	put(pathf("loader/entries/" MID "-6.1.0-2-amd64.conf"), "title new\nlinux /new\n");
	fake_bootctl(NULL, NULL);
	snprintf(link, sizeof(link), "%s/disk/by-partuuid", dev);
	mkdir_p(link, 0755);
	fake_events_reset();
}

static void loader_partuuid(const char *uuid)
{
	char link[800];

	CHECK_EQ_INT(efivar_set_string(efivars, "LoaderDevicePartUUID", EFI_LOADER_GUID, uuid), 0);
	snprintf(link, sizeof(link), "%s/disk/by-partuuid/5f3d2a10-6c4e-4b8a-9e21-0a1b2c3d4e5f",
		 dev_path(""));
	unlink(link);
	CHECK_EQ_INT(symlink("../../vda1", link), 0);
}

/* A fake lsblk listing these partitions ("PATH TYPE" pairs, NULL-terminated). */
static void fake_lsblk(const char *const *parts)
{
	char text[4096];
	size_t n;
	const char *path;

	n = snprintf(text, sizeof(text),
		     "#!/bin/sh\ncat <<'EOF'\n{\n   \"blockdevices\": [\n"
		     "      {\"path\": \"/dev/vda\", \"parttype\": null}");
	for (size_t i = 0; parts[i]; i += 2)
		n += snprintf(text + n, sizeof(text) - n,
			      ",\n      {\"path\": \"%s\", \"parttype\": \"%s\"}",
			      dev_path(parts[i]), parts[i + 1]);
	snprintf(text + n, sizeof(text) - n, "\n   ]\n}\nEOF\n");
	path = test_write("lsblk", text);
	chmod(path, 0755);
	setenv("REWIND_LSBLK", path, 1);
}

static bool restored(void)
{
	char run_esp[700];

	snprintf(run_esp, sizeof(run_esp), "%s/run/esp", test_tmpdir);
	return exists(dev_path("vda1.fs/loader/loader.conf")) &&
	       !exists(dev_path("vda1.fs/rewind/T1")) &&
	       !exists(dev_path("vda1.fs/loader/entries/" MID "-6.1.0-2-amd64.conf")) &&
	       exists(dev_path("vda1.fs/loader/entries/" MID "-" KVER ".conf")) && !exists(run_esp);
}

/* Not mounted at the restore: the booted loader's partition is mounted for it, and unmounted. */
TEST(test_restore_mounts_loader_partition)
{
	char want[1600], *oneshot = NULL;

	pinned_unmounted_esp();
	loader_partuuid(PARTUUID);
	fake_lsblk((const char *const[]){"vdb2", "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", NULL});
	CHECK_EQ_INT(txn_esp_restore("T1", false), 0);
	snprintf(want, sizeof(want), "esp mount %s %s/run/esp", dev_path("vda1"), test_tmpdir);
	CHECK(fake_event_find(want, 0) == 0);
	CHECK(fake_event_find("esp umount ", 0) == 1);
	CHECK_EQ_INT(fake_event_count("esp mount"), 1);
	CHECK(restored());
	CHECK(test_log_contains("The ESP was not mounted: mounted"));
	/* the one-shot at the rollback entry is gone with it */
	CHECK_EQ_INT(efivar_get_string(efivars, "LoaderEntryOneShot", EFI_LOADER_GUID, &oneshot),
		     -ENOENT);
	free(oneshot);
	/* again: mounted, nothing left to do, unmounted */
	CHECK_EQ_INT(txn_esp_restore("T1", false), 0);
	CHECK_EQ_INT(fake_event_count("esp umount"), 2);
	CHECK(restored());
}

/* No LoaderDevicePartUUID: the one partition of the ESP type; two: refused, nothing mounted. */
TEST(test_restore_mounts_typed_partition)
{
	pinned_unmounted_esp();
	fake_lsblk((const char *const[]){"vdb2", "0fc63daf-8483-4772-8e79-3d69d8477de4", "vda1",
					 "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", NULL});
	CHECK_EQ_INT(txn_esp_restore("T1", false), 0);
	CHECK_EQ_INT(fake_event_count("esp mount"), 1);
	CHECK(restored());

	pinned_unmounted_esp();
	fake_lsblk((const char *const[]){"vdb2", "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "vda1",
					 "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", NULL});
	CHECK(txn_esp_restore("T1", false) < 0);
	CHECK(test_log_contains("Several ESP partitions"));
	CHECK_EQ_INT(fake_event_count("esp mount"), 0);
	CHECK(exists(dev_path("vda1.fs/rewind/T1/manifest.json")));
	/* a loader partition settles it */
	loader_partuuid(PARTUUID);
	CHECK_EQ_INT(txn_esp_restore("T1", false), 0);
	CHECK(restored());
}

/* No partition to mount: the restore stays pending (an error), nothing mounted. */
TEST(test_restore_no_partition)
{
	pinned_unmounted_esp();
	fake_lsblk((const char *const[]){"vdb2", "0fc63daf-8483-4772-8e79-3d69d8477de4", NULL});
	CHECK_EQ_INT(txn_esp_restore("T1", false), -ENOENT);
	CHECK(test_log_contains("No systemd-boot ESP found, mounted or not"));
	CHECK_EQ_INT(fake_event_count("esp "), 0);
	CHECK(exists(dev_path("vda1.fs/rewind/T1/manifest.json")));
	/* lsblk not installed either */
	setenv("REWIND_LSBLK", "/nonexistent/lsblk", 1);
	CHECK_EQ_INT(txn_esp_restore("T1", false), -ENOENT);
}

/* boot-finish after the rollback boot: the same for a pinned transaction's outcome. */
TEST(test_boot_finish_mounts)
{
	char *line = NULL;

	pinned_unmounted_esp();
	loader_partuuid(PARTUUID);
	test_write(
	    "run/outcome.json",
	    "{\"txid\": \"T1\", \"volumes\": [{\"volume\": \"vg0/root\", \"root\": true, "
	    "\"result\": \"rolled-back\"}], \"pinned\": true, \"result\": \"rolled-back\"}\n");
	CHECK_EQ_INT(txn_esp_boot_finish(&line), 0);
	CHECK(line != NULL);
	free(line);
	CHECK_EQ_INT(fake_event_count("esp mount"), 1);
	CHECK_EQ_INT(fake_event_count("esp umount"), 1);
	CHECK(restored());
}

int main(void)
{
	int n_failed = 0;

	if (lvm_new(&L) < 0)
		return 1;
	RUN(test_spawn_capture);
	RUN(test_bootctl_names_esp);
	RUN(test_bootctl_finds_none);
	RUN(test_bootctl_esp_without_loader);
	RUN(test_no_bootctl_scans);
	RUN(test_xbootldr_refused);
	RUN(test_restore_mounts_loader_partition);
	RUN(test_restore_mounts_typed_partition);
	RUN(test_restore_no_partition);
	RUN(test_boot_finish_mounts);
	lvm_free(L);
	return n_failed ? 1 : 0;
}
