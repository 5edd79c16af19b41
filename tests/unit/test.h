/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A minimal harness: TEST(name) functions listed in main() through RUN(name). Each prints
 * "PASS name" or "FAIL name"; tests/unit/run counts those lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "log.h"

extern int test_failed;
extern const char *test_tmpdir;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			test_failed = 1;                                                           \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
	do {                                                                                       \
		long long _a = (a), _b = (b);                                                      \
		if (_a != _b) {                                                                    \
			fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__,          \
				__LINE__, #a, _a, _b);                                             \
			test_failed = 1;                                                           \
		}                                                                                  \
	} while (0)

#define CHECK_STREQ(a, b)                                                                          \
	do {                                                                                       \
		const char *_a = (a), *_b = (b);                                                   \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                                           \
			fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,      \
				__LINE__, #a, _a ? _a : "(null)", _b ? _b : "(null)");             \
			test_failed = 1;                                                           \
		}                                                                                  \
	} while (0)

#define TEST(name) static void name(void)

#define RUN(name)                                                                                  \
	do {                                                                                       \
		test_failed = 0;                                                                   \
		test_setup();                                                                      \
		name();                                                                            \
		if (test_failed)                                                                   \
			fake_events_dump();                                                        \
		printf("%s %s\n", test_failed ? "FAIL" : "PASS", #name);                           \
		fflush(stdout);                                                                    \
		n_failed += test_failed;                                                           \
	} while (0)

/* A fresh temp dir with the REWIND_* paths pointing into it, empty fakes, captured logs. */
void test_setup(void);
/* Write a file under the temp dir; returns its path (static buffer). */
/* Library logs go to test_log() (test_setup() does it). */
void test_log_capture(void);
const char *test_write(const char *name, const char *contents);
/* Remove a file under the temp dir (gone already is fine). */
void test_unlink(const char *name);
/* Mount table lines: "SOURCE TARGET" pairs; writes a mountinfo file and points to it. */
void test_mounts(const char *const *pairs);
/* txn_begin() of targets (VG/LV or mount points, NULL-terminated) under the default rewind.conf;
 * size: a size policy or NULL. */
struct lvm;
int test_begin(struct lvm *l, const char *txid, const char *const *targets, const char *size,
	       bool baseline);
/* The boot ID the library reads (/proc/sys/kernel/random/boot_id); test_reset sets the first. */
#define TEST_BOOT_ID_1 "4c0b2d6e-1111-4a4a-9b9b-000000000001\n"
#define TEST_BOOT_ID_2 "4c0b2d6e-2222-4a4a-9b9b-000000000002\n"
void test_boot_id(const char *id);
/* Messages logged while vg1/data was suspended (begin holds them back). */
extern int test_logged_while_suspended;
/* The log messages since test_setup(), one per line. */
const char *test_log(void);
bool test_log_contains(const char *s);
void test_log_reset(void);
/* The standard machine: vg0/root (mounted on /) and vg1/data (mounted on /srv). */
void test_machine(void);
/* path_rundir()/name exists. */
bool test_rundir_has(const char *name);
/* The whole of path_rundir()/name (free it); NULL when there is none. */
char *test_rundir_read(const char *name);
/* Standard output goes to a file until test_stdout_end(), which returns what was printed
 * meanwhile (a static buffer, up to 16 KiB). */
void test_stdout_begin(void);
const char *test_stdout_end(void);
