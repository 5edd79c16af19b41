/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for this boot's health results, $REWIND_RUNDIR/health.json: the reader
 * (health_load(), txn-json.c), what it read written out and read back the same, and auto-commit's
 * question about it (health_allows_commit(), with a check installed so that it reads the file). */
#include <assert.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "health.h"

#define FUZZ_BOOT_ID "4c0b2d6e11114a4a9b9b000000000001"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	_cleanup_free_ char *dir = fuzz_path("health.d/required.d"), *check = NULL,
			    *boot_id = fuzz_path("boot_id"), *health = fuzz_path("health.d");

	setenv("REWIND_RUNDIR", fuzz_tmpdir(), 1);
	setenv("REWIND_HEALTH_DIR", health, 1);
	setenv("REWIND_BOOT_ID", boot_id, 1);
	fuzz_write(boot_id, "4c0b2d6e-1111-4a4a-9b9b-000000000001\n", 37);
	if (mkdir_p(dir, 0755) < 0)
		abort();
	check = strdup_printf("%s/10-never-run", dir);
	if (!check)
		abort();
	fuzz_write(check, "#!/bin/sh\nexit 0\n", 17);
	if (chmod(check, 0755) < 0)
		abort();
	rewind_log_set_priority(REWIND_LOG_ERR);
	return 0;
}

/* One line of JSON of it, read back and written again: the same line. */
static void round_trip(const struct health_report *h)
{
	_cleanup_(health_report_done) struct health_report back = {};
	_cleanup_free_ char *line = NULL, *again = NULL;

	assert(health_report_to_json(h, true, &line) == 0);
	assert(health_report_from_json(line, &back) == 0);
	assert(back.n_checks == h->n_checks);
	assert(health_report_passed(&back) == health_report_passed(h));
	assert(health_report_to_json(&back, true, &again) == 0);
	assert(streq(line, again));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(health_report_done) struct health_report h = {};
	_cleanup_free_ char *path = fuzz_path(HEALTH_FILE);
	int r;

	fuzz_write(path, data, size);
	r = health_load(&h);
	assert(r == 1 || r == -EBADMSG || r == -ENOMEM);
	if (r == 1) {
		assert(strlen(h.boot_id) <= BOOT_ID_LEN);
		round_trip(&h);
	}
	r = health_allows_commit();
	assert(r == 0 || r == 1 || r == -ENOMEM);
	/* Only results of this boot that passed let it commit. */
	assert(r != 1 || (streq(h.boot_id, FUZZ_BOOT_ID) && health_report_passed(&h)));
	return 0;
}
