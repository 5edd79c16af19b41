/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "refusal.h"

const char *rewind_strerror(int r)
{
	static const char *const text[] = {
	    [REFUSE_INPUT - REFUSAL_BASE] = "Invalid input",
	    [REFUSE_TXN_EXISTS - REFUSAL_BASE] = "A transaction exists already",
	    [REFUSE_NO_TXN - REFUSAL_BASE] = "No transaction is open",
	    [REFUSE_UNFINISHED - REFUSAL_BASE] = "A begin, commit or rollback is unfinished",
	    [REFUSE_NO_SPACE - REFUSAL_BASE] = "Not enough space",
	    [REFUSE_SNAPSHOT - REFUSAL_BASE] = "A snapshot is invalid or missing",
	    [REFUSE_NO_MODULE - REFUSAL_BASE] = "The initramfs lacks the rewind module",
	};

	_Static_assert(sizeof(text) / sizeof(text[0]) == _REFUSE_END - REFUSAL_BASE,
		       "a text for every refusal");
	if (refusal_is(r))
		return text[-r - REFUSAL_BASE];
	return strerror(r < 0 ? -r : r);
}
