/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rewind check and the rollback's initramfs check look at the initrd(s) of the entry the next boot
 * uses (boot_next_entry()), not at /boot/initrd.img-RELEASE. A fake ESP with two entries, fake EFI
 * variables, and a fake lsinitrd on PATH (a shell script): an image whose content says
 * "has-rewind" lists the module and carries the file initrd-rewind as usr/sbin/rewind.
 */
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "cli-run.h"
#include "efivar.h"
#include "esp-fixture.h"
#include "test.h"
#include "util.h"

#define NEW	 "6.2.0-1-amd64"
#define ENTRY_A	 MID "-" KVER ".conf" /* the older kernel */
#define ENTRY_B	 MID "-" NEW ".conf"  /* the newer one: first in systemd-boot's order */
#define INITRD_A MID "/" KVER "/initrd.img-" KVER
#define INITRD_B MID "/" NEW "/initrd.img-" NEW

static char efivars[600], bindir[600], calls[600], inside[600], installed[700], out[16384];
static char *orig_path;

static const char lsinitrd_script[] =
    "#!/bin/sh\n"
    "# fake lsinitrd: lsinitrd IMAGE, lsinitrd -f FILE IMAGE\n"
    "printf '%%s\\n' \"$*\" >>'%s'\n"
    "if [ \"$1\" = -f ]; then\n"
    "\t[ \"$2\" = usr/sbin/rewind ] && grep -q has-rewind \"$3\" || exit 0\n"
    "\texec cat '%s'\n"
    "fi\n"
    "[ -r \"$1\" ] || exit 1\n"
    "echo \"Image: $1: 12M\"\n"
    "echo 'dracut modules:'\n"
    "echo systemd\n"
    "grep -q has-rewind \"$1\" && echo rewind\n"
    "echo lvm\n"
    "echo '========================================================================'\n"
    "grep -q has-rewind \"$1\" && echo '-rwxr-xr-x   1 root root  1234 Jan  1  1970 "
    "usr/sbin/rewind'\n"
    "echo '-rwxr-xr-x   1 root root  5678 Jan  1  1970 usr/bin/systemctl'\n"
    "exit 0\n";

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
}

static void write_str(const char *path, const char *s)
{
	write_file(path, s, strlen(s), 0644);
}

static void set_var(const char *name, const char *value)
{
	if (value)
		CHECK_EQ_INT(efivar_set_string(efivars, name, EFI_LOADER_GUID, value), 0);
	else
		(void)efivar_delete(efivars, name, EFI_LOADER_GUID);
}

static const char *entry_text(const char *kver, const char *initrd)
{
	static char buf[2][1024];
	static int k;

	k = !k;
	snprintf(buf[k], sizeof(buf[k]),
		 "title      Debian GNU/Linux 12 (bookworm)\n"
		 "version    %s\n"
		 "machine-id " MID "\n"
		 "sort-key   debian\n"
		 "options    root=/dev/mapper/vg0-root ro quiet\n"
		 "linux      /" MID "/%s/linux\n"
		 "%s",
		 kver, kver, initrd);
	return buf[k];
}

/*
 * The ESP of the user report: entries A (KVER) and B (NEW) load initrd.img-KVER; B's lacks the
 * module, A's has it. `dracut -f` wrote NEW/initrd with the module, which no entry loads, and
 * the running kernel's /boot/initrd.img (REWIND_INITRD) has it too.
 */
static void machine(void)
{
	char cmd[1400], script[4096];

	setenv("PATH", orig_path, 1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/esp' '%s/efivars' '%s/bin' '%s/empty'", test_tmpdir,
		 test_tmpdir, test_tmpdir, test_tmpdir);
	if (system(cmd) != 0)
		abort();
	snprintf(esp, sizeof(esp), "%s/esp", test_tmpdir);
	snprintf(efivars, sizeof(efivars), "%s/efivars", test_tmpdir);
	snprintf(bindir, sizeof(bindir), "%s/bin", test_tmpdir);
	snprintf(calls, sizeof(calls), "%s/lsinitrd.calls", test_tmpdir);
	snprintf(inside, sizeof(inside), "%s/initrd-rewind", test_tmpdir);
	snprintf(installed, sizeof(installed), "%s/rewind", bindir);
	mkdir_p(efivars, 0755);
	mkdir_p(bindir, 0755);
	unlink(calls);

	esp_make("timeout 3\n", entry_text(KVER, "initrd     /" INITRD_A "\n"), "MZ kernel A",
		 "has-rewind A");
	put(pathf("loader/entries/" ENTRY_B), entry_text(NEW, "initrd     /" INITRD_B "\n"));
	put(pathf(MID "/" NEW "/linux"), "MZ kernel B");
	put(pathf(INITRD_B), "no-rewind B");
	put(pathf(MID "/" NEW "/initrd"), "has-rewind, what dracut -f wrote");
	setenv("REWIND_INITRD", test_write("boot-initrd.img", "has-rewind /boot"), 1);

	snprintf(script, sizeof(script), lsinitrd_script, calls, inside);
	snprintf(cmd, sizeof(cmd), "%s/lsinitrd", bindir);
	write_file(cmd, script, strlen(script), 0755);
	write_file(installed, "rewind 2.0", strlen("rewind 2.0"), 0755);
	write_str(inside, "rewind 2.0");
	snprintf(cmd, sizeof(cmd), "%s:%s", bindir, orig_path);
	setenv("PATH", cmd, 1);
}

/* check_initramfs_module() with its standard output in out[]. */
static int run_check(bool verbose, const char *const *argv)
{
	int r;

	test_stdout_begin();
	r = argv ? run_cli(argv) : check_initramfs_module(verbose);
	snprintf(out, sizeof(out), "%s", test_stdout_end());
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "    check printed:\n%s", out);
	return r;
}

static bool out_has(const char *s)
{
	if (strstr(out, s))
		return true;
	fprintf(stderr, "  not in the output: \"%s\"\n  output:\n%s", s, out);
	return false;
}

/* Whether the fake lsinitrd was asked about path (the listing or the binary). */
static bool listed(const char *path)
{
	FILE *f = fopen(calls, "re");
	char line[2048];
	bool found = false;

	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (streq(line, path) || (startswith(line, "-f ") && strstr(line, path)))
			found = true;
	}
	if (f)
		fclose(f);
	return found;
}

static struct boot_next *next_entry(int *ret)
{
	struct boot *b = NULL;
	struct boot_next *nx = NULL;

	*ret = boot_open(esp, efivars, &b);
	if (*ret == 0)
		*ret = boot_next_entry(b, &nx);
	boot_free(b);
	return nx;
}

static void expect_next(const char *id, const char *how)
{
	int r;
	struct boot_next *nx = next_entry(&r);

	CHECK_EQ_INT(r, 0);
	if (!nx)
		return;
	CHECK_STREQ(nx->id, id);
	CHECK_STREQ(nx->how, how);
	boot_next_free(nx);
}

/* systemd-boot's pick: one-shot, LoaderEntryDefault, loader.conf, the first entry in its order. */
TEST(test_next_entry)
{
	struct boot_next *nx;
	int r;

	machine();
	nx = next_entry(&r);
	CHECK_EQ_INT(r, 0);
	if (nx) {
		CHECK_STREQ(nx->id, ENTRY_B);
		CHECK_STREQ(nx->how, "first entry");
		CHECK_STREQ(nx->version, NEW);
		CHECK_STREQ(nx->linux_path, pathf(MID "/" NEW "/linux"));
		CHECK(nx->initrd && strv_length(nx->initrd) == 1);
		if (nx->initrd)
			CHECK_STREQ(nx->initrd[0], pathf(INITRD_B));
		boot_next_free(nx);
	}
	set_var("LoaderEntryDefault", ENTRY_A);
	expect_next(ENTRY_A, "LoaderEntryDefault");
	set_var("LoaderEntryDefault", NULL);
	put(pathf("loader/loader.conf"), "timeout 3\ndefault *-" KVER ".conf\n");
	expect_next(ENTRY_A, "loader.conf default");
	/* the EFI variable wins over loader.conf */
	set_var("LoaderEntryDefault", ENTRY_B);
	expect_next(ENTRY_B, "LoaderEntryDefault");
	/* the one-shot wins over both; one that names no entry is ignored, as systemd-boot does */
	set_var("LoaderEntryOneShot", ENTRY_A);
	expect_next(ENTRY_A, "LoaderEntryOneShot");
	set_var("LoaderEntryOneShot", "gone.conf");
	expect_next(ENTRY_B, "LoaderEntryDefault");
	/* a one-shot of a unified kernel image: its initrd is inside it */
	put(pathf("EFI/Linux/debian-" NEW ".efi"), "MZ uki");
	set_var("LoaderEntryOneShot", "debian-" NEW ".efi");
	nx = next_entry(&r);
	CHECK_EQ_INT(r, -EOPNOTSUPP);
	CHECK(!nx);
	set_var("LoaderEntryOneShot", NULL);

	/* two initrds, in the order loaded; a path that leaves the ESP is refused */
	put(pathf("loader/entries/" ENTRY_B),
	    entry_text(NEW,
		       "initrd /intel-ucode.img\ninitrd \\" MID "\\" NEW "\\initrd.img-" NEW "\n"));
	nx = next_entry(&r);
	CHECK_EQ_INT(r, 0);
	if (nx) {
		CHECK(nx->initrd && strv_length(nx->initrd) == 2);
		if (nx->initrd && nx->initrd[0] && nx->initrd[1]) {
			CHECK_STREQ(nx->initrd[0], pathf("intel-ucode.img"));
			CHECK_STREQ(nx->initrd[1], pathf(INITRD_B));
		}
		boot_next_free(nx);
	}
	put(pathf("loader/entries/" ENTRY_B), entry_text(NEW, "initrd /../../etc/shadow\n"));
	nx = next_entry(&r);
	CHECK_EQ_INT(r, -EINVAL);
	CHECK(!nx);
}

/* The user report: `dracut -f` wrote NEW/initrd and /boot's has the module, but the default entry
 * loads initrd.img-NEW, which lacks it. */
TEST(test_check_default_entry_lacks_module)
{
	machine();
	test_machine();
	CHECK_EQ_INT(run_check(true, NULL), -REFUSE_NO_MODULE);
	CHECK(out_has("FAIL  initramfs: entry " ENTRY_B " (first entry) loads "));
	CHECK(out_has(pathf(INITRD_B)));
	CHECK(out_has(", which lacks the rewind module\n"));
	CHECK(out_has("      rebuild it: dracut -f "));
	CHECK(out_has("initrd.img-" NEW " " NEW "\n"));
	CHECK(out_has("dracut -f /boot/initrd.img-" NEW " " NEW));
	CHECK(listed(pathf(INITRD_B)));
	CHECK(!listed(pathf(MID "/" NEW "/initrd")));
	CHECK(!listed(getenv("REWIND_INITRD")));
	CHECK(!listed(pathf(INITRD_A)));

	/* rollback's callback: quiet, same answer */
	CHECK_EQ_INT(run_check(false, NULL), -REFUSE_NO_MODULE);
	CHECK_STREQ(out, "");
	/* the verb: exit 7 */
	CHECK_EQ_INT(run_check(false, (const char *const[]){"rewind", "check", NULL}),
		     EXIT_NO_MODULE);
	CHECK(out_has("FAIL  initramfs: entry " ENTRY_B));
}

/* LoaderEntryDefault, then a one-shot, then loader.conf: always the entry systemd-boot picks. */
TEST(test_check_picks_default_and_oneshot)
{
	machine();
	test_machine();
	set_var("LoaderEntryDefault", ENTRY_A);
	CHECK_EQ_INT(run_check(true, NULL), 1);
	CHECK(out_has("ok    initramfs: entry " ENTRY_A " (LoaderEntryDefault) loads "));
	CHECK(out_has(pathf(INITRD_A)));
	CHECK(out_has(", which has the rewind module\n"));
	CHECK(out_has("ok    initramfs: the rewind in "));
	CHECK(!listed(pathf(INITRD_B)));
	CHECK_EQ_INT(run_check(false, (const char *const[]){"rewind", "check", NULL}), 0);

	/* the default lacks it, the one-shot has it: the next boot is the one-shot */
	set_var("LoaderEntryDefault", ENTRY_B);
	CHECK_EQ_INT(run_check(true, NULL), -REFUSE_NO_MODULE);
	set_var("LoaderEntryOneShot", ENTRY_A);
	CHECK_EQ_INT(run_check(true, NULL), 1);
	CHECK(out_has("entry " ENTRY_A " (LoaderEntryOneShot) loads "));
	/* and the other way round */
	set_var("LoaderEntryDefault", ENTRY_A);
	set_var("LoaderEntryOneShot", ENTRY_B);
	CHECK_EQ_INT(run_check(true, NULL), -REFUSE_NO_MODULE);
	CHECK(out_has("FAIL  initramfs: entry " ENTRY_B " (LoaderEntryOneShot) loads "));

	/* no variables: loader.conf's pattern */
	set_var("LoaderEntryDefault", NULL);
	set_var("LoaderEntryOneShot", NULL);
	put(pathf("loader/loader.conf"), "timeout 3\ndefault " MID "-6.1*\n");
	CHECK_EQ_INT(run_check(true, NULL), 1);
	CHECK(out_has("entry " ENTRY_A " (loader.conf default) loads "));
}

/* The initramfs has the module, but its rewind is not the installed one. */
TEST(test_check_older_binary)
{
	machine();
	test_machine();
	set_var("LoaderEntryDefault", ENTRY_A);
	write_str(inside, "rewind 1.0");
	CHECK_EQ_INT(run_check(true, NULL), 1);
	CHECK(out_has("ok    initramfs: entry " ENTRY_A));
	CHECK(out_has("WARN  initramfs: the rewind in "));
	CHECK(out_has(" differs from the installed "));
	CHECK(out_has(installed));
	CHECK(out_has("may not understand transactions begun by this one"));
	CHECK(out_has("      rebuild it: dracut -f "));
	CHECK(out_has(pathf("%s " KVER "\n", INITRD_A)));
	CHECK(listed(pathf(INITRD_A)));
	/* rollback's callback: present, with a warning in the log */
	test_log_reset();
	CHECK_EQ_INT(run_check(false, NULL), 1);
	CHECK_STREQ(out, "");
	CHECK(test_log_contains("differs from the installed"));
	/* a warning does not change the exit code */
	CHECK_EQ_INT(run_check(false, (const char *const[]){"rewind", "check", NULL}), 0);

	/* the module without the binary */
	write_str(inside, "");
	CHECK_EQ_INT(run_check(true, NULL), 1);
	CHECK(out_has("has the rewind module but no /usr/sbin/rewind"));
}

/* An ELF image with a GNU build-id note after an ABI tag note, then filler ("debug info"). */
static void write_elf(const char *path, unsigned char id_byte, const char *filler)
{
	unsigned char buf[1024] = {};
	Elf64_Ehdr eh = {.e_type = ET_DYN,
			 .e_machine = EM_X86_64,
			 .e_version = EV_CURRENT,
			 .e_phoff = sizeof(Elf64_Ehdr),
			 .e_ehsize = sizeof(Elf64_Ehdr),
			 .e_phentsize = sizeof(Elf64_Phdr),
			 .e_phnum = 1};
	Elf64_Phdr ph = {.p_type = PT_NOTE,
			 .p_offset = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr),
			 .p_filesz = 2 * sizeof(Elf64_Nhdr) + 4 + 16 + 4 + 20,
			 .p_align = 4};
	Elf64_Nhdr abi = {.n_namesz = 4, .n_descsz = 16, .n_type = NT_GNU_ABI_TAG};
	Elf64_Nhdr bid = {.n_namesz = 4, .n_descsz = 20, .n_type = NT_GNU_BUILD_ID};
	size_t n = 0;

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = __BYTE_ORDER == __LITTLE_ENDIAN ? ELFDATA2LSB : ELFDATA2MSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(buf + n, &eh, sizeof(eh));
	n += sizeof(eh);
	memcpy(buf + n, &ph, sizeof(ph));
	n += sizeof(ph);
	memcpy(buf + n, &abi, sizeof(abi));
	n += sizeof(abi);
	memcpy(buf + n, "GNU", 4);
	n += 4 + 16;
	memcpy(buf + n, &bid, sizeof(bid));
	n += sizeof(bid);
	memcpy(buf + n, "GNU", 4);
	n += 4;
	memset(buf + n, id_byte, 20);
	n += 20;
	memcpy(buf + n, filler, strlen(filler));
	n += strlen(filler);
	write_file(path, buf, n, 0755);
}

/* dracut strips what it installs (strip -g): other bytes, the same build-id. */
TEST(test_check_stripped_binary)
{
	machine();
	set_var("LoaderEntryDefault", ENTRY_A);
	write_elf(installed, 0xab, "....debug info....");
	write_elf(inside, 0xab, "");
	CHECK_EQ_INT(run_check(true, NULL), 1);
	CHECK(out_has("ok    initramfs: the rewind in "));
	CHECK(!strstr(out, "WARN"));
	/* another build */
	write_elf(inside, 0xcd, "");
	CHECK_EQ_INT(run_check(true, NULL), 1);
	CHECK(out_has("WARN  initramfs: the rewind in "));
}

/* No systemd-boot ESP: the running kernel's /boot/initrd.img (REWIND_INITRD). */
TEST(test_check_no_esp)
{
	char cmd[700];

	machine();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pathf("loader"));
	CHECK_EQ_INT(system(cmd), 0);
	CHECK_EQ_INT(run_check(true, NULL), 1);
	CHECK(out_has("ok    initramfs: "));
	CHECK(out_has("(no systemd-boot ESP: the running kernel's) has the rewind module"));
	CHECK(listed(getenv("REWIND_INITRD")));
	setenv("REWIND_INITRD", test_write("boot-initrd.img", "no-rewind /boot"), 1);
	CHECK_EQ_INT(run_check(true, NULL), -REFUSE_NO_MODULE);
	CHECK(out_has("FAIL  initramfs: "));
}

/* Without lsinitrd, or with a UKI as the next boot: a warning, "cannot tell" (0). */
TEST(test_check_cannot_tell)
{
	char dir[700];

	machine();
	snprintf(dir, sizeof(dir), "%s/empty", test_tmpdir);
	mkdir_p(dir, 0755);
	setenv("PATH", dir, 1);
	CHECK_EQ_INT(run_check(true, NULL), 0);
	CHECK(out_has("WARN  initramfs: could not list "));
	CHECK(out_has(pathf(INITRD_B)));

	machine();
	put(pathf("EFI/Linux/debian-" NEW ".efi"), "MZ uki");
	set_var("LoaderEntryDefault", "debian-" NEW ".efi");
	CHECK_EQ_INT(run_check(true, NULL), 0);
	CHECK(out_has("WARN  initramfs: the next boot is a unified kernel image"));
}

static unsigned root(void)
{
	return 0;
}

int main(void)
{
	int n_failed = 0;

	orig_path = strdup(getenv("PATH") ?: "/usr/bin:/bin");
	cli_geteuid = root;
	RUN(test_next_entry);
	RUN(test_check_default_entry_lacks_module);
	RUN(test_check_picks_default_and_oneshot);
	RUN(test_check_older_binary);
	RUN(test_check_stripped_binary);
	RUN(test_check_no_esp);
	RUN(test_check_cannot_tell);
	free(orig_path);
	return n_failed ? 1 : 0;
}
