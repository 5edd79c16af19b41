/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * rewind history: path_statedir()/history.jsonl, one outcome (txn_outcome_to_json(), one line)
 * per boot that rolled a transaction back (or tried to), appended by boot-finish. Read
 * defensively: a line that is not an outcome (cut short by a power cut, edited by hand) is
 * skipped with a warning naming its line number; only a file that cannot be read fails.
 */
#include <stddef.h>

#include "txn.h"

struct txn_history {
	struct txn_outcome *entries; /* in file order (oldest first) */
	size_t n_entries;
	size_t n_skipped; /* lines skipped (warned about) */
};

void txn_history_done(struct txn_history *h);
/* The lines of text (len bytes, NULs included: such a line is skipped). */
int txn_history_parse(const char *text, size_t len, struct txn_history *ret);
/* path_statedir()/history.jsonl; none is an empty history (0). */
int txn_history_load(struct txn_history *ret);

/* rewind history --json (txn-json.c): an array of the outcomes, each as in history.jsonl. */
int txn_history_to_json(const struct txn_outcome *o, size_t n, char **ret);
