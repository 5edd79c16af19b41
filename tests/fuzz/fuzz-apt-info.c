/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for what apt writes on the standard input of `rewind apt-hook` (its
 * DPkg::Pre-Install-Pkgs hook information, version 3): apt_info_parse() (apt-info.c), and the run
 * it gives written out as a package record and read back the same. Seeds: captures of a real apt
 * (real-*-v3). */
#include <assert.h>

#include "fuzz.h"
#include "txn-packages.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("REWIND_STATEDIR", fuzz_tmpdir(), 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(txn_packages_done) struct txn_packages p = {}, back = {};
	_cleanup_(txn_package_run_done) struct txn_package_run run = {};
	_cleanup_(apt_info_done) struct apt_info info = {};
	_cleanup_free_ char *line = NULL, *again = NULL;
	size_t n;
	int r;

	r = apt_info_parse((const char *)data, size, &info, &run);
	assert(r == 0 || r == -EBADMSG || r == -ENOMEM);
	if (r < 0)
		return 0;
	assert(info.version == 2 || info.version == 3);
	assert(!info.chroot || (*info.chroot && !streq(info.chroot, "/")));
	for (size_t i = 0; i < run.n_packages; i++) {
		const struct txn_package *x = &run.packages[i];

		assert(apt_field_valid(x->name));
		assert(!x->arch || apt_field_valid(x->arch));
		assert(!x->old_version || apt_field_valid(x->old_version));
		assert(!x->new_version || apt_field_valid(x->new_version));
		assert(txn_pkg_action_to_string(x->action));
		assert(x->action == TXN_PKG_REMOVE || x->new_version);
		assert(x->action != TXN_PKG_REMOVE || !x->new_version);
	}
	n = run.n_packages;
	p.txid = strdup("apt-20261201-061700");
	assert(p.txid);
	assert(txn_packages_add_run(&p, &run) == 0);
	assert(txn_packages_to_json(&p, true, &line) == 0);
	assert(txn_packages_from_json(line, &back) == 0);
	assert(back.n_runs == 1 && back.runs[0].n_packages == n);
	assert(txn_packages_to_json(&back, true, &again) == 0);
	assert(streq(line, again));
	return 0;
}
