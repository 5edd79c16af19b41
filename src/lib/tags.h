/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "names.h"

/* A transaction's state, kept as LVM tags on each of its snapshot LVs (HACKING.md). */
#define TAG_PREFIX "rewind:"

enum txn_state {
	TXN_STATE_OPEN,
	TXN_STATE_ARMED,
};

struct txn_tags {
	bool present; /* carries a rewind:txn= tag at all */
	char txid[TXID_MAX + 1];
	enum txn_state state;
	uint64_t time;
	char *mnt; /* decoded mount point, or NULL */
	bool root;
	/* Unattended servers (txn-auto.c); absent tags read as 0. */
	unsigned pending; /* rewind:pending=K  boots since the last confirmed one */
	unsigned good;	  /* rewind:good=M     boots that reached boot-complete.target */
};

void txn_tags_done(struct txn_tags *t);
const char *txn_state_to_string(enum txn_state s);

/* Encode into a NULL-terminated list of tags, each valid per name_valid_tag(). */
int txn_tags_encode(const struct txn_tags *t, char ***ret);
/* One tag for a state, e.g. "rewind:state=armed" (static string). */
const char *txn_tags_state_tag(enum txn_state s);

/*
 * Decode the tags of one LV. Tags outside "rewind:" are skipped; unknown rewind: tags are ignored
 * with a debug message. Returns 0 (t->present false when the LV is not ours), or -EBADMSG for
 * duplicates, garbage values or a transaction tag without a state.
 */
int txn_tags_decode(char *const *tags, struct txn_tags *t);
/* The counter tags (txn-auto.c): "rewind:pending=" and "rewind:good=". */
#define TAG_PENDING TAG_PREFIX "pending="
#define TAG_GOOD    TAG_PREFIX "good="

/* "#xx" escaping of bytes outside the tag alphabet (and of '#' itself). */
char *tag_escape(const char *s);
int tag_unescape(const char *s, char **ret);
