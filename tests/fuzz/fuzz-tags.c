/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the tag decoder: the input is a comma-separated tag list, as LVM reports
 * lv_tags. Whatever it decodes must encode to valid tags and decode back to the same state.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"
#include "tags.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = strndup((const char *)data, size);
	_cleanup_strv_ char **tags = NULL, **again = NULL;
	struct txn_tags t, u;

	if (!s)
		return 0;
	tags = strv_split_char(s, ',');
	if (!tags || txn_tags_decode(tags, &t) < 0 || !t.present)
		return 0;
	assert(name_valid_txid(t.txid) == 0);
	assert(txn_tags_encode(&t, &again) == 0);
	for (size_t i = 0; again[i]; i++)
		assert(name_valid_tag(again[i]) == 0 || strlen(again[i]) > LVM_TAG_MAX);
	assert(txn_tags_decode(again, &u) == 0);
	assert(u.present && streq(u.txid, t.txid) && u.state == t.state && u.time == t.time &&
	       u.root == t.root);
	assert((!u.mnt && !t.mnt) || (u.mnt && t.mnt && streq(u.mnt, t.mnt)));
	txn_tags_done(&t);
	txn_tags_done(&u);
	return 0;
}
