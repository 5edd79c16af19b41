/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Health checks (health.c), greenboot's layout: executables in HEALTH_DIR/required.d/ and
 * HEALTH_DIR/wanted.d/ (path_health_dir(), /etc/rewind/health.d), run in lexical order, each in
 * its own process group with stdin /dev/null and its output inherited (the journal, under
 * rewind-health.service), killed with its group when it outlives the timeout. A required check
 * that fails or times out fails the boot's health; a wanted one only warns. The results of a run
 * go to path_rundir()/health.json (its JSON is txn-json.c's) for status and auto-commit.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tags.h"

#define HEALTH_FILE "health.json" /* in path_rundir(): this boot's */

enum health_type {
	HEALTH_REQUIRED,
	HEALTH_WANTED,
	_HEALTH_TYPE_MAX,
	_HEALTH_TYPE_UNKNOWN = -1,
};

enum health_result {
	HEALTH_PASSED,
	HEALTH_FAILED,
	HEALTH_TIMED_OUT, /* of a check only; the whole is then failed */
	_HEALTH_RESULT_MAX,
	_HEALTH_RESULT_UNKNOWN = -1,
};

struct health_check {
	char *name; /* the file name in required.d/ or wanted.d/ */
	enum health_type type;
	enum health_result result;
	int exit_status; /* -1: it did not exit (killed by a signal, or could not be run) */
	int signal;	 /* -1: not killed by a signal */
	double seconds;	 /* -1: not recorded */
};

struct health_report {
	char boot_id[BOOT_ID_LEN + 1]; /* the boot that ran them ("" unknown) */
	uint64_t time;		       /* UNIX time of the end of the run; 0 not recorded */
	uint64_t timeout;	       /* seconds per check; 0 not recorded */
	enum health_result result;     /* passed: no required check failed or timed out */
	struct health_check *checks;
	size_t n_checks;
};

void health_report_done(struct health_report *r);
const char *health_type_to_string(enum health_type t);
enum health_type health_type_from_string(const char *s);
const char *health_result_to_string(enum health_result r);
enum health_result health_result_from_string(const char *s);
/* Passed, and no required check in it failed or timed out (a file read back is checked too). */
bool health_report_passed(const struct health_report *r);

/* 1 when a check would run (an executable in required.d/ or wanted.d/), 0 when none, or a
 * negative errno when a directory cannot be read. */
int health_installed(void);

/*
 * Run every check, required.d/ then wanted.d/, each with timeout_sec (> 0). Each result is
 * logged (a failed wanted check as a warning, a failed required one as an error). A directory
 * that exists but cannot be read is a failed required check of its own name. *ret: the report
 * (no checks when none is installed: passed). 0, or -ENOMEM.
 */
int health_run(uint64_t timeout_sec, struct health_report *ret);

/* Write r to path_rundir()/health.json atomically (logged on failure). */
int health_write(const struct health_report *r);
/* Read it back: 1, 0 when there is none, -EBADMSG when it is no JSON object (not logged), or
 * another negative errno (logged). */
int health_load(struct health_report *ret);

/*
 * auto-commit's condition: 1 when no check is installed or this boot's results passed; 0 when
 * checks are installed and this boot's results are missing (not run yet), from another boot,
 * unreadable or failed (the reason logged); negative errno.
 */
int health_allows_commit(void);

/* ---- JSON (txn-json.c) ---- */
int health_report_to_json(const struct health_report *r, bool one_line, char **ret);
/* -EBADMSG when it is no JSON object; fields missing stay unknown. */
int health_report_from_json(const char *text, struct health_report *ret);
/* The same from a file: -ENOENT when there is none. */
int health_report_read(const char *path, struct health_report *ret);
