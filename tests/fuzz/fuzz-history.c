/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for rewind history's reader of $REWIND_STATEDIR/history.jsonl
 * (txn_history_load(), txn-history.c): the line splitter and its skipping of bad lines; each line
 * goes through txn_outcome_from_json(), which fuzz-outcome covers on its own. What was read is
 * made into history --json's text again. */
#include <assert.h>

#include "fuzz.h"
#include "txn-history.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("REWIND_STATEDIR", fuzz_tmpdir(), 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(txn_history_done) struct txn_history h = {}, again = {};
	_cleanup_free_ char *path = fuzz_path("history.jsonl"), *json = NULL;

	fuzz_write(path, data, size);
	assert(txn_history_load(&h) == 0);
	assert(txn_history_parse((const char *)data, size, &again) == 0);
	assert(again.n_entries == h.n_entries && again.n_skipped == h.n_skipped);
	assert(txn_history_to_json(h.entries, h.n_entries, &json) == 0);
	return 0;
}
