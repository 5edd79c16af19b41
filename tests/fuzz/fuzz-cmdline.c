/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the kernel command line the initramfs stage reads (txn_boot_cmdline():
 * rd.rewind=, rd.rewind.rollback=, rd.rewind.wait=): the input is /proc/cmdline (REWIND_CMDLINE).
 */
#include <assert.h>

#include "fuzz.h"
#include "names.h"
#include "txn.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	_cleanup_free_ char *path = fuzz_path("cmdline");

	setenv("REWIND_CMDLINE", path, 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char txid[TXID_MAX + 1];
	unsigned wait;
	bool disabled;

	fuzz_write(getenv("REWIND_CMDLINE"), data, size);
	assert(txn_boot_cmdline(&disabled, txid, &wait) == 0);
	assert(!*txid || name_valid_txid(txid) == 0);
	assert(wait <= 3600);
	return 0;
}
