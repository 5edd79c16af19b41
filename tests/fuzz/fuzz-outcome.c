/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the outcome the initramfs stage left (txn_esp_outcome_root()): the input is
 * $REWIND_RUNDIR/outcome.json. */
#include <assert.h>

#include "fuzz.h"
#include "names.h"
#include "txn-esp.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("REWIND_RUNDIR", fuzz_tmpdir(), 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *path = fuzz_path("outcome.json");
	char txid[TXID_MAX + 1] = "";
	bool pinned = false;
	int r;

	fuzz_write(path, data, size);
	r = txn_esp_outcome_root(txid, &pinned);
	assert(r == 0 || r == 1 || r == -EBADMSG || r == -ENOMEM);
	assert(r != 1 || name_valid_txid(txid) == 0);
	return 0;
}
