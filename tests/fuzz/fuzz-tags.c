/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the tag decoders: the input is a comma-separated tag list, as LVM reports
 * lv_tags. Whatever txn_tags_decode() decodes must encode to valid tags and decode back to the same
 * state; whatever txn_rebase_decode() decodes (the rewind-base: record of a baseline restore on an
 * origin, txn-baseline.c) likewise, and is never read as a transaction.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"
#include "tags.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void assert_same(const struct txn_tags *t, const struct txn_tags *u)
{
	assert(u->present && streq(u->txid, t->txid) && u->state == t->state &&
	       u->time == t->time && u->root == t->root);
	assert((!u->mnt && !t->mnt) || (u->mnt && t->mnt && streq(u->mnt, t->mnt)));
	assert(u->pinned == t->pinned && u->auto_boots == t->auto_boots &&
	       streq(u->boot_id, t->boot_id));
	assert(strv_length(u->members) == strv_length(t->members));
	assert(u->baseline == t->baseline && u->restores == t->restores &&
	       u->chunk_kib == t->chunk_kib);
	assert(u->pending == t->pending && u->good == t->good);
}

static void fuzz_plain(char *const *tags)
{
	_cleanup_strv_ char **again = NULL;
	struct txn_tags t, u;

	if (txn_tags_decode(tags, &t) < 0 || !t.present)
		return;
	assert(name_valid_txid(t.txid) == 0);
	assert(txn_tags_encode(&t, &again) == 0);
	for (size_t i = 0; again[i]; i++)
		assert(name_valid_tag(again[i]) == 0 || strlen(again[i]) > LVM_TAG_MAX);
	assert(txn_tags_decode(again, &u) == 0);
	assert_same(&t, &u);
	txn_tags_done(&t);
	txn_tags_done(&u);
}

static void fuzz_rebase(char *const *tags)
{
	_cleanup_strv_ char **again = NULL;
	struct txn_tags t, u;
	uint64_t size, size_again;
	bool valid = true;
	int r;

	if (txn_rebase_decode(tags, &t, &size) < 0 || !t.present)
		return;
	/* Only the next baseline snapshot is a record: open, baseline, a chunk LVM has. */
	assert(name_valid_txid(t.txid) == 0);
	assert(t.baseline && t.state == TXN_STATE_OPEN);
	assert(t.chunk_kib == 0 ||
	       (t.chunk_kib >= 4 && t.chunk_kib <= 512 && !(t.chunk_kib & (t.chunk_kib - 1))));
	for (size_t i = 0; tags[i]; i++)
		if (startswith(tags[i], TAG_REBASE_PREFIX) && name_valid_tag(tags[i]) < 0)
			valid = false;
	/* Records LVM could store encode again (nothing comes out longer than it went in). */
	r = txn_rebase_encode(&t, size, &again);
	assert(r == 0 || (r == -EINVAL && !valid));
	if (r == 0) {
		struct txn_tags none;

		for (size_t i = 0; again[i]; i++)
			assert(startswith(again[i], TAG_REBASE_PREFIX) &&
			       name_valid_tag(again[i]) == 0);
		assert(txn_rebase_decode(again, &u, &size_again) == 0);
		assert(size_again == size);
		assert_same(&t, &u);
		txn_tags_done(&u);
		/* An origin carrying it is no snapshot of a transaction. */
		assert(txn_tags_decode(again, &none) == 0 && !none.present);
	}
	txn_tags_done(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = strndup((const char *)data, size);
	_cleanup_strv_ char **tags = NULL;

	if (!s)
		return 0;
	tags = strv_split_char(s, ',');
	if (!tags)
		return 0;
	fuzz_plain(tags);
	fuzz_rebase(tags);
	return 0;
}
