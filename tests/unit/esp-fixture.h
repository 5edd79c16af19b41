/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A fake systemd-boot ESP in a directory (fake-esp.c), for test-esp.c and test-txn-esp.c. */
#include <stdbool.h>
#include <stdio.h>

/* The machine id and kernel of the Debian entry the fake ESP boots. */
#define MID  "0123456789abcdef0123456789abcdef"
#define KVER "6.1.0-1-amd64"

/* The ESP tests' own checks (no test.h harness): a failed check() counts in failures, and RUN_ESP
 * prints one PASS/FAIL line per test, as tests/unit/run counts them. */
extern int failures;
#define check(expr)                                                                                \
	do {                                                                                       \
		if (!(expr)) {                                                                     \
			fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #expr);           \
			failures++;                                                                \
		}                                                                                  \
	} while (0)
#define RUN_ESP(call, name)                                                                        \
	do {                                                                                       \
		int _f0 = failures;                                                                \
		call;                                                                              \
		printf("%s %s\n", failures == _f0 ? "PASS" : "FAIL", name);                        \
	} while (0)

/* The ESP's directory: the test sets it. */
extern char esp[512];

/* "<esp>/<fmt ...>", in one of four static buffers used in turn. */
const char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write content to path, making its directories first; aborts when it cannot. */
void put(const char *path, const char *content);
/* The content of path (a static buffer, up to 8 KiB), or NULL when it cannot be read. */
char *slurp(const char *path);
bool exists(const char *path);

/*
 * efivarfs as the library sees it (efivar_set_fs_ops()), over a plain directory: a variable the
 * library creates is immutable (FS_IMMUTABLE_FL), as efivarfs makes every non-standard one;
 * opening an immutable variable for writing, or unlinking it, fails with EPERM; each write()
 * replaces the whole variable. on false: the real calls again. Either way the flags are forgotten.
 */
void fake_efivarfs(bool on);
struct efivar_fs_ops;
/* The calls fake_efivarfs() installs, for a test that makes them itself. */
extern const struct efivar_fs_ops fake_efivarfs_ops;
/* FS_IMMUTABLE_FL of the variable file at path, as the fake keeps it. */
bool fake_efivar_immutable(const char *path);
void fake_efivar_set_immutable(const char *path, bool on);
/* write() calls the library made through the fake. */
extern unsigned fake_efivar_writes;

/* systemd-boot on the ESP with the Debian entry MID-KVER.conf: loader/loader.conf, the entry, its
 * kernel and initrd under MID/KVER/, and EFI/BOOT/BOOTX64.EFI. */
void esp_make(const char *loader_conf, const char *entry, const char *linux_image,
	      const char *initrd);
