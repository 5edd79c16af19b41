/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the kernel command line parser (cmdline.c: cmdline_parse(), cmdline_word()),
 * over the input as it stands and as /proc/cmdline (REWIND_CMDLINE) read by cmdline_read() and the
 * initramfs stage's txn_boot_cmdline(): both must agree with it.
 */
#include <assert.h>

#include "cmdline.h"
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
	const char *text = (const char *)data, *w;
	struct cmdline c, f;
	char txid[TXID_MAX + 1];
	size_t pos = 0, len, last = 0;
	unsigned wait;
	bool disabled;

	/* The input as it is: no NUL at its end, the parser must keep within size. */
	cmdline_parse(text, size, REWIND_LOG_DEBUG, &c);
	assert(!*c.rollback || (c.rollback_given && name_valid_txid(c.rollback) == 0));
	assert(c.wait <= CMDLINE_WAIT_MAX);
	while (cmdline_word(text, size, &pos, &w, &len)) {
		assert(len > 0 && w >= text + last && w + len <= text + size && pos <= size);
		last = pos;
	}

	fuzz_write(getenv("REWIND_CMDLINE"), data, size);
	assert(cmdline_read(REWIND_LOG_DEBUG, &f) == 0);
	assert(size > CMDLINE_MAX ||
	       (c.disabled == f.disabled && streq(c.rollback, f.rollback) &&
		c.rollback_given == f.rollback_given && c.wait == f.wait && c.stay == f.stay &&
		c.shell == f.shell && c.panic_reboots == f.panic_reboots));
	assert(txn_boot_cmdline(&disabled, txid, &wait) == 0);
	assert(disabled == f.disabled && streq(txid, f.rollback) && wait == f.wait);
	return 0;
}
