/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fake ESP of test-esp.c and test-txn-esp.c: files in a directory. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esp-fixture.h"
#include "util.h"

char esp[512];
int failures;

const char *pathf(const char *fmt, ...)
{
	static char buf[4][1600];
	static int k;
	char rel[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", esp, rel);
	return buf[k];
}

void put(const char *path, const char *content)
{
	_cleanup_free_ char *dir = strdup(path);
	FILE *f;

	if (!dir)
		abort();
	*strrchr(dir, '/') = '\0';
	mkdir_p(dir, 0755);
	f = fopen(path, "we");
	if (!f)
		abort();
	fputs(content, f);
	fclose(f);
}

char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

void esp_make(const char *loader_conf, const char *entry, const char *linux_image,
	      const char *initrd)
{
	put(pathf("loader/loader.conf"), loader_conf);
	put(pathf("loader/entries/" MID "-" KVER ".conf"), entry);
	put(pathf(MID "/" KVER "/linux"), linux_image);
	put(pathf(MID "/" KVER "/initrd.img-" KVER), initrd);
	put(pathf("EFI/BOOT/BOOTX64.EFI"), "MZ systemd-boot");
}
