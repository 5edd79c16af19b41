/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the package record of a transaction, $REWIND_STATEDIR/txn/TXID.packages.json
 * (txn-packages.c, its JSON in txn-json.c): the reader, and what it read written out and read
 * back the same. */
#include <assert.h>

#include "fuzz.h"
#include "names.h"
#include "txn-packages.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("REWIND_STATEDIR", fuzz_tmpdir(), 1);
	return 0;
}

static void round_trip(const struct txn_packages *p)
{
	_cleanup_(txn_packages_done) struct txn_packages back = {};
	_cleanup_free_ char *line = NULL, *again = NULL;

	assert(txn_packages_to_json(p, true, &line) == 0);
	assert(txn_packages_from_json(line, &back) == 0);
	assert(back.n_runs == p->n_runs);
	assert(txn_packages_to_json(&back, true, &again) == 0);
	assert(streq(line, again));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(txn_packages_done) struct txn_packages p = {};
	_cleanup_free_ char *dir = fuzz_path("txn"), *path = NULL;
	int r;

	(void)mkdir_p(dir, 0755);
	path = txn_packages_path("T1");
	assert(path);
	fuzz_write(path, data, size);
	r = txn_packages_load("T1", &p);
	assert(r == 1 || r == -EBADMSG || r == -ENOMEM);
	if (r != 1)
		return 0;
	assert(streq(p.txid, "T1") && name_valid_txid(p.txid) == 0);
	for (size_t i = 0; i < p.n_runs; i++)
		for (size_t j = 0; j < p.runs[i].n_packages; j++) {
			const struct txn_package *x = &p.runs[i].packages[j];

			assert(x->name && apt_field_valid(x->name));
			assert(txn_pkg_action_to_string(x->action));
		}
	round_trip(&p);
	return 0;
}
