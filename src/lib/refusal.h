/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/*
 * The library's refusals: what it declines to do on purpose, one code for each documented
 * outcome of rewind(8) EXIT STATUS other than "failed". A function returns one, negated like an
 * errno (return -REFUSE_NO_TXN), only where it decides to refuse; everything else it returns is
 * a negative errno from the system, LVM or device-mapper, which means "the operation failed"
 * (exit 1) whatever the errno is. The codes lie above errno's range, so no errno is ever taken
 * for one. The CLI maps these codes, and only these, to its exit codes (cli_exit_code()).
 */
#define REFUSAL_BASE 10000 /* errno values are below 4096 (the kernel's MAX_ERRNO) */

enum refusal {
	/* exit 2: an invalid name, volume, size policy, option or rewind.conf */
	REFUSE_INPUT = REFUSAL_BASE,
	/* exit 3: a transaction exists already (or the name of its snapshot is taken) */
	REFUSE_TXN_EXISTS,
	/* exit 3: no transaction is open, or none is armed */
	REFUSE_NO_TXN,
	/* exit 3: a begin or commit was interrupted, or a rollback is under way */
	REFUSE_UNFINISHED,
	/* exit 5: the volume group (snapshots) or the ESP (pinned kernel) has not enough space */
	REFUSE_NO_SPACE,
	/* exit 6: a snapshot is invalid (overflowed) or missing: it cannot be rolled back */
	REFUSE_SNAPSHOT,
	/* exit 7: the initramfs that will boot lacks rewind's dracut module */
	REFUSE_NO_MODULE,
	_REFUSE_END,
};

/* r (a negative return value) is one of the refusals above, not an errno. */
static inline bool refusal_is(int r)
{
	return r <= -REFUSAL_BASE && r > -_REFUSE_END;
}

/* What a negative return value means: the refusal's text, or strerror() of an errno. */
const char *rewind_strerror(int r);
