/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for Boot Loader Specification entries and loader.conf (boot-entry.c): the input
 * is loader/loader.conf, "%%", and up to three entries (loader/entries/debian-6.1+3-1.conf,
 * debian-6.5.conf, rewind-T1+0.conf) separated by "%%"; then the next boot's entry is picked as
 * systemd-boot does, and described as status does.
 */
#include <assert.h>
#include <sys/stat.h>

#include "boot.h"
#include "fuzz.h"

static const char *const entry_names[] = {"debian-6.1+3-1.conf", "debian-6.5.conf",
					  "rewind-T1+0.conf"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	_cleanup_free_ char *loader = fuzz_path("esp/loader");
	_cleanup_free_ char *entries = fuzz_path("esp/loader/entries");
	_cleanup_free_ char *efivars = fuzz_path("efivars");
	_cleanup_free_ char *esp = fuzz_path("esp");

	if (mkdir(esp, 0755) < 0 || mkdir(loader, 0755) < 0 || mkdir(entries, 0755) < 0 ||
	    mkdir(efivars, 0755) < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *esp = fuzz_path("esp"), *efivars = fuzz_path("efivars");
	_cleanup_free_ char *conf = fuzz_path("esp/loader/loader.conf");
	_cleanup_(boot_freep) struct boot *b = NULL;
	_cleanup_(boot_next_freep) struct boot_next *n = NULL;
	struct boot_rollback_entry *j = NULL;
	size_t len;
	int r;

	{
		_cleanup_free_ char *s = fuzz_next_part(&data, &size, &len);
		fuzz_write(conf, s, len);
	}
	for (size_t i = 0; i < ELEMENTSOF(entry_names); i++) {
		_cleanup_free_ char *rel = strdup_printf("esp/loader/entries/%s", entry_names[i]);
		_cleanup_free_ char *path = rel ? fuzz_path(rel) : NULL;

		if (!path)
			abort();
		if (size == 0) {
			(void)unlink(path);
			continue;
		}
		_cleanup_free_ char *s = fuzz_next_part(&data, &size, &len);
		fuzz_write(path, s, len);
	}

	assert(boot_open(esp, efivars, &b) == 0);
	r = boot_next_entry(b, &n);
	if (r >= 0) {
		assert(n->id && n->how);
		for (size_t i = 0; n->initrd && n->initrd[i]; i++)
			assert(startswith(n->initrd[i], esp));
		assert(!n->linux_path || startswith(n->linux_path, esp));
	}
	if (boot_describe(b, "T1", &j) >= 0)
		boot_rollback_entry_free(j);
	return 0;
}
