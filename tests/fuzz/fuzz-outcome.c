/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the outcome the initramfs stage left, $REWIND_RUNDIR/outcome.json: the
 * reader (txn_outcome_load(), txn-json.c), what it read written out and read back the same, and
 * boot-kernel-check's question (txn_esp_outcome_root()). */
#include <assert.h>

#include "fuzz.h"
#include "names.h"
#include "txn-esp.h"
#include "txn.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("REWIND_RUNDIR", fuzz_tmpdir(), 1);
	return 0;
}

/* One line of JSON of it, read back and written again: the same line. */
static void round_trip(const struct txn_outcome *o)
{
	_cleanup_(txn_outcome_done) struct txn_outcome back = {};
	_cleanup_free_ char *line = NULL, *again = NULL;

	assert(txn_outcome_to_json(o, true, &line) == 0);
	assert(txn_outcome_from_json(line, &back) == 0);
	assert(back.n_volumes == o->n_volumes);
	assert(txn_outcome_to_json(&back, true, &again) == 0);
	assert(streq(line, again));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(txn_outcome_done) struct txn_outcome o = {};
	_cleanup_free_ char *path = fuzz_path("outcome.json");
	char txid[TXID_MAX + 1] = "";
	bool pinned = false;
	int r;

	fuzz_write(path, data, size);
	r = txn_outcome_load(&o);
	assert(r == 1 || r == -EBADMSG || r == -ENOMEM);
	if (r == 1)
		round_trip(&o);
	r = txn_esp_outcome_root(txid, &pinned);
	assert(r == 0 || r == 1 || r == -EBADMSG || r == -ENOMEM);
	assert(r != 1 || name_valid_txid(txid) == 0);
	return 0;
}
