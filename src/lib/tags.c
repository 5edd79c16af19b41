/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>

#include "log.h"
#include "tags.h"
#include "util.h"

void txn_tags_done(struct txn_tags *t)
{
	free(t->mnt);
	t->mnt = NULL;
}

const char *txn_state_to_string(enum txn_state s)
{
	return s == TXN_STATE_ARMED ? "armed" : "open";
}

const char *txn_tags_state_tag(enum txn_state s)
{
	return s == TXN_STATE_ARMED ? TAG_PREFIX "state=armed" : TAG_PREFIX "state=open";
}

static bool tag_plain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("_+.-/=!:&", c));
}

char *tag_escape(const char *s)
{
	char *r = malloc(strlen(s) * 3 + 1), *p = r;

	if (!r)
		return NULL;
	for (; *s; s++) {
		if (tag_plain_char(*s))
			*p++ = *s;
		else
			p += sprintf(p, "#%02x", (unsigned char)*s);
	}
	*p = '\0';
	return r;
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int tag_unescape(const char *s, char **ret)
{
	_cleanup_free_ char *r = malloc(strlen(s) + 1);
	char *p = r;

	if (!r)
		return -ENOMEM;
	for (; *s; s++) {
		int hi, lo;

		if (*s != '#') {
			if (!tag_plain_char(*s))
				return -EBADMSG;
			*p++ = *s;
			continue;
		}
		hi = unhex(s[1]);
		lo = hi < 0 ? -1 : unhex(s[2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return -EBADMSG;
		*p++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*p = '\0';
	*ret = TAKE_PTR(r);
	return 0;
}

int txn_tags_encode(const struct txn_tags *t, char ***ret)
{
	_cleanup_strv_ char **l = NULL;
	int r;

	if (name_valid_txid(t->txid) < 0)
		return -EINVAL;
	r = strv_push(&l, strdup_printf(TAG_PREFIX "txn=%s", t->txid));
	if (r >= 0)
		r = strv_extend(&l, txn_tags_state_tag(t->state));
	if (r >= 0)
		r = strv_push(&l, strdup_printf(TAG_PREFIX "time=%" PRIu64, t->time));
	if (r >= 0 && t->mnt) {
		_cleanup_free_ char *e = tag_escape(t->mnt);
		r = e ? strv_push(&l, strdup_printf(TAG_PREFIX "mnt=%s", e)) : -ENOMEM;
	}
	if (r >= 0 && t->root)
		r = strv_extend(&l, TAG_PREFIX "root");
	if (r < 0)
		return r;
	for (size_t i = 0; l[i]; i++)
		if (name_valid_tag(l[i]) < 0)
			return -EINVAL;
	*ret = TAKE_PTR(l);
	return 0;
}

int txn_tags_decode(char *const *tags, struct txn_tags *t)
{
	bool seen_txn = false, seen_state = false, seen_time = false, seen_mnt = false;
	int r;

	*t = (struct txn_tags){};
	for (size_t i = 0; tags && tags[i]; i++) {
		const char *tag = tags[i], *v;

		if (!startswith(tag, TAG_PREFIX))
			continue;
		/* LVM would not store such a tag; someone else wrote it: do not trust the rest. */
		if (name_valid_tag(tag) < 0)
			goto bad;
		tag += strlen(TAG_PREFIX);
		if ((v = startswith(tag, "txn=") ? tag + 4 : NULL)) {
			if (seen_txn || name_valid_txid(v) < 0)
				goto bad;
			seen_txn = true;
			strcpy(t->txid, v);
		} else if ((v = startswith(tag, "state=") ? tag + 6 : NULL)) {
			if (seen_state)
				goto bad;
			seen_state = true;
			if (streq(v, "open"))
				t->state = TXN_STATE_OPEN;
			else if (streq(v, "armed"))
				t->state = TXN_STATE_ARMED;
			else
				goto bad;
		} else if ((v = startswith(tag, "time=") ? tag + 5 : NULL)) {
			if (seen_time || safe_atou64(v, &t->time) < 0)
				goto bad;
			seen_time = true;
		} else if ((v = startswith(tag, "mnt=") ? tag + 4 : NULL)) {
			if (seen_mnt)
				goto bad;
			seen_mnt = true;
			r = tag_unescape(v, &t->mnt);
			if (r == -ENOMEM)
				return r;
			if (r < 0 || t->mnt[0] != '/')
				goto bad;
		} else if ((v = startswith(tag, "pending=") ? tag + 8 : NULL) ||
			   (v = startswith(tag, "good=") ? tag + 5 : NULL)) {
			/* Counters: a tag set has no order; on duplicates, the larger one wins. */
			unsigned *p = tag[0] == 'p' ? &t->pending : &t->good;
			uint64_t n;
			if (safe_atou64(v, &n) < 0 || n > 1000000)
				goto bad;
			*p = MAX(*p, (unsigned)n);
		} else if (streq(tag, "root")) {
			if (t->root)
				goto bad;
			t->root = true;
		} else
			log_debug("Ignoring unknown tag '%s'.", tags[i]);
	}
	if (!seen_txn) {
		/* Leftover rewind: tags without a transaction are not ours to act on. */
		txn_tags_done(t);
		*t = (struct txn_tags){};
		return 0;
	}
	if (!seen_state)
		goto bad;
	t->present = true;
	return 0;
bad:
	txn_tags_done(t);
	*t = (struct txn_tags){};
	return -EBADMSG;
}
