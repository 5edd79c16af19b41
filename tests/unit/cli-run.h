/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The CLI run in-process, as `rewind ARGS...`, for test-cli.c and test-txn-esp.c. */
#include "cli/cli.h"
#include "test.h"

/* argv: NULL-terminated, argv[0] included; returns the exit code. */
static inline int run_cli(const char *const *argv)
{
	int argc = 0, r;

	while (argv[argc])
		argc++;
	r = cli_run(argc, (char **)argv);
	test_log_capture(); /* the CLI logs to the terminal: the library's logs are the test's again
			     */
	return r;
}

#define RUN_CLI(...) run_cli((const char *const[]){"rewind", __VA_ARGS__, NULL})
