/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the ESP manifest (rewind/TXID/manifest.json, boot-manifest.c): the ESP is
 * as boot_pin() left it for T1, then changed by an "upgrade" (a new entry and kernel, loader.conf
 * edited); the input is the manifest, and boot_restore() puts the ESP back by it. Whatever the
 * manifest says, nothing outside the ESP is touched, and a file that is not rewind's (another
 * boot loader's) stays.
 */
#include <assert.h>
#include <ftw.h>
#include <sys/stat.h>

#include "boot-internal.h"
#include "boot.h"
#include "fuzz.h"

#define OUTSIDE "outside, must stay\n"
#define FOREIGN "another OS's boot loader\n"

/* The ESP of one iteration: every file as it is after the upgrade. */
static struct {
	char *rel;
	char *contents; /* NULL: a directory */
} files[64];
static size_t n_files;
static size_t esp_len;

static void put(const char *rel, const char *contents)
{
	_cleanup_free_ char *path = strdup_printf("%s/esp/%s", fuzz_tmpdir(), rel);

	if (!path)
		abort();
	*strrchr(path, '/') = '\0';
	if (mkdir_p(path, 0755) < 0)
		abort();
	path[strlen(path)] = '/';
	fuzz_write(path, contents, strlen(contents));
}

static int record(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (strlen(path) <= esp_len || n_files >= ELEMENTSOF(files))
		return strlen(path) <= esp_len ? 0 : -1;
	files[n_files].rel = strdup(path + esp_len + 1);
	if (flag == FTW_F) {
		files[n_files].contents = fuzz_read(path);
		if (!files[n_files].contents)
			abort();
	} else if (flag != FTW_D)
		abort();
	n_files++;
	return 0;
}

static void esp_reset(void)
{
	_cleanup_free_ char *esp = fuzz_path("esp");

	if (esp_rm_rf(esp) < 0 || mkdir(esp, 0755) < 0)
		abort();
	for (size_t i = 0; i < n_files; i++) {
		_cleanup_free_ char *path = strdup_printf("%s/%s", esp, files[i].rel);

		if (!path)
			abort();
		if (!files[i].contents) {
			if (mkdir(path, 0755) < 0)
				abort();
		} else
			fuzz_write(path, files[i].contents, strlen(files[i].contents));
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	_cleanup_free_ char *esp = fuzz_path("esp"), *efivars = fuzz_path("efivars");
	_cleanup_free_ char *outside = fuzz_path("outside");
	_cleanup_(boot_freep) struct boot *b = NULL;
	const char *dump = getenv("REWIND_FUZZ_MANIFEST_OUT");

	if (mkdir(efivars, 0755) < 0)
		abort();
	fuzz_write(outside, OUTSIDE, strlen(OUTSIDE));
	/* At begin: Debian's loader.conf and entry, its kernel and initrd, another boot loader. */
	put("loader/loader.conf", "default debian-*\ntimeout 3\n");
	put("loader/entries/debian-6.1.conf",
	    "title Debian GNU/Linux 12 (bookworm)\nversion 6.1.0-47-amd64\n"
	    "machine-id 0123456789abcdef0123456789abcdef\nsort-key debian\n"
	    "options root=/dev/mapper/vg0-root ro quiet\n"
	    "linux /0123456789abcdef0123456789abcdef/6.1.0-47-amd64/linux\n"
	    "initrd /0123456789abcdef0123456789abcdef/6.1.0-47-amd64/initrd.img-6.1.0-47-amd64\n");
	put("0123456789abcdef0123456789abcdef/6.1.0-47-amd64/linux", "kernel 6.1\n");
	put("0123456789abcdef0123456789abcdef/6.1.0-47-amd64/initrd.img-6.1.0-47-amd64",
	    "initrd 6.1\n");
	put("EFI/other/grubx64.efi", FOREIGN);
	assert(boot_open(esp, efivars, &b) == 0);
	boot_set_free_space(b, UINT64_MAX - 1);
	assert(boot_pin(b, "T1", 1700000000) == 0);
	if (dump) {
		_cleanup_free_ char *m = fuzz_path("esp/rewind/T1/manifest.json");
		_cleanup_free_ char *text = fuzz_read(m);

		assert(text);
		fuzz_write(dump, text, strlen(text));
	}
	/* The upgrade: a new kernel, its entry the default. */
	put("loader/loader.conf", "default debian-6.5*\ntimeout 3\n");
	put("loader/entries/debian-6.5.conf",
	    "title Debian GNU/Linux 12 (bookworm)\nversion 6.5.0-1-amd64\n"
	    "options root=/dev/mapper/vg0-root ro quiet\n"
	    "linux /0123456789abcdef0123456789abcdef/6.5.0-1-amd64/linux\n"
	    "initrd /0123456789abcdef0123456789abcdef/6.5.0-1-amd64/initrd.img-6.5.0-1-amd64\n");
	put("0123456789abcdef0123456789abcdef/6.5.0-1-amd64/linux", "kernel 6.5\n");
	put("0123456789abcdef0123456789abcdef/6.5.0-1-amd64/initrd.img-6.5.0-1-amd64",
	    "initrd 6.5\n");
	esp_len = strlen(esp);
	if (nftw(esp, record, 16, FTW_PHYS) != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *esp = fuzz_path("esp"), *efivars = fuzz_path("efivars");
	_cleanup_free_ char *manifest = fuzz_path("esp/rewind/T1/manifest.json");
	_cleanup_free_ char *outside = fuzz_path("outside"), *foreign = NULL, *text = NULL;
	_cleanup_(boot_freep) struct boot *b = NULL;

	esp_reset();
	fuzz_write(manifest, data, size);
	assert(boot_open(esp, efivars, &b) == 0);
	(void)boot_restore(b, "T1", false);

	text = fuzz_read(outside);
	assert(text && streq(text, OUTSIDE));
	foreign = fuzz_path("esp/EFI/other/grubx64.efi");
	assert(access(foreign, F_OK) == 0);
	return 0;
}
