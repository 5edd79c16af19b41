/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>

#include "log.h"
#include "tags.h"
#include "util.h"

static const char *const state_names[_TXN_STATE_MAX] = {
    [TXN_STATE_CREATING] = "creating",	   [TXN_STATE_OPEN] = "open",
    [TXN_STATE_ARMED] = "armed",	   [TXN_STATE_ROLLING_BACK] = "rolling-back",
    [TXN_STATE_COMMITTING] = "committing",
};

static const char *const state_tags[_TXN_STATE_MAX] = {
    [TXN_STATE_CREATING] = TAG_PREFIX "state=creating",
    [TXN_STATE_OPEN] = TAG_PREFIX "state=open",
    [TXN_STATE_ARMED] = TAG_PREFIX "state=armed",
    [TXN_STATE_ROLLING_BACK] = TAG_PREFIX "state=rolling-back",
    [TXN_STATE_COMMITTING] = TAG_PREFIX "state=committing",
};

void txn_tags_done(struct txn_tags *t)
{
	free(t->mnt);
	t->mnt = NULL;
	strv_free(t->members);
	t->members = NULL;
}

const char *txn_state_to_string(enum txn_state s)
{
	return s >= 0 && s < _TXN_STATE_MAX ? state_names[s] : "?";
}

const char *txn_tags_state_tag(enum txn_state s)
{
	return s >= 0 && s < _TXN_STATE_MAX ? state_tags[s] : NULL;
}

static bool boot_id_valid(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == BOOT_ID_LEN;
}

int txn_member_valid(const char *m)
{
	_cleanup_free_ char *vg = NULL, *lv = NULL;

	if (name_split_vg_lv(m, &vg, &lv) < 0 || name_valid_vg(vg) < 0 || name_valid_lv(lv) < 0)
		return -EINVAL;
	return 0;
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

/* Hand *l over to *ret when every tag in it is one LVM would store: -EINVAL otherwise. */
static int tags_checked(char ***l, char ***ret)
{
	for (size_t i = 0; (*l)[i]; i++)
		if (name_valid_tag((*l)[i]) < 0)
			return -EINVAL;
	*ret = TAKE_PTR(*l);
	return 0;
}

int txn_tags_encode(const struct txn_tags *t, char ***ret)
{
	_cleanup_strv_ char **l = NULL;
	int r;

	if (name_valid_txid(t->txid) < 0)
		return -EINVAL;
	if (!txn_tags_state_tag(t->state))
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
	if (r >= 0 && t->pinned)
		r = strv_extend(&l, TAG_PINNED);
	for (size_t i = 0; r >= 0 && t->members && t->members[i]; i++)
		r = txn_member_valid(t->members[i]) < 0
			? -EINVAL
			: strv_push(&l, strdup_printf(TAG_PREFIX "member=%s", t->members[i]));
	if (r >= 0 && *t->boot_id)
		r = boot_id_valid(t->boot_id)
			? strv_push(&l, strdup_printf(TAG_PREFIX "boot=%s", t->boot_id))
			: -EINVAL;
	if (r >= 0 && t->auto_boots >= 0)
		r = strv_push(&l, strdup_printf(TAG_PREFIX "autoboots=%d", t->auto_boots));
	if (r >= 0 && t->baseline)
		r = strv_extend(&l, TAG_PREFIX "baseline");
	if (r >= 0 && t->restores)
		r = strv_push(&l, strdup_printf(TAG_PREFIX "restores=%u", t->restores));
	if (r >= 0 && t->chunk_kib)
		r = strv_push(&l, strdup_printf(TAG_PREFIX "chunk=%" PRIu32, t->chunk_kib));
	if (r >= 0 && t->pending)
		r = strv_push(&l, strdup_printf(TAG_PENDING "%u", t->pending));
	if (r >= 0 && t->good)
		r = strv_push(&l, strdup_printf(TAG_GOOD "%u", t->good));
	return r < 0 ? r : tags_checked(&l, ret);
}

int txn_tags_decode(char *const *tags, struct txn_tags *t)
{
	bool seen_txn = false, seen_state = false, seen_time = false, seen_mnt = false;
	int r;

	*t = (struct txn_tags){.auto_boots = -1};
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
			for (t->state = 0; t->state < _TXN_STATE_MAX; t->state++)
				if (streq(v, state_names[t->state]))
					break;
			if (t->state == _TXN_STATE_MAX)
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
		} else if ((v = startswith(tag, "member=") ? tag + 7 : NULL)) {
			/* A set: LVM keeps one copy of equal tags. At most 64, so a damaged or
			 * hostile tag list cannot make us allocate without bound. */
			if (txn_member_valid(v) < 0 || strv_length(t->members) >= TXN_MEMBERS_MAX)
				goto bad;
			r = strv_extend(&t->members, v);
			if (r < 0) {
				txn_tags_done(t);
				return r;
			}
		} else if ((v = startswith(tag, "boot=") ? tag + 5 : NULL)) {
			if (*t->boot_id || !boot_id_valid(v))
				goto bad;
			strcpy(t->boot_id, v);
		} else if ((v = startswith(tag, "autoboots=") ? tag + 10 : NULL)) {
			uint64_t n;
			if (t->auto_boots >= 0 || safe_atou64(v, &n) < 0 || n > 1000)
				goto bad;
			t->auto_boots = (int)n;
		} else if ((v = startswith(tag, "restores=") ? tag + 9 : NULL)) {
			uint64_t n;
			if (t->restores || safe_atou64(v, &n) < 0 || n == 0 || n > 1000000)
				goto bad;
			t->restores = (unsigned)n;
		} else if ((v = startswith(tag, "chunk=") ? tag + 6 : NULL)) {
			uint64_t n;
			/* LVM's range for a snapshot's chunk: 4 KiB to 512 KiB, a power of 2. */
			if (t->chunk_kib || safe_atou64(v, &n) < 0 || n < 4 || n > 512 ||
			    (n & (n - 1)))
				goto bad;
			t->chunk_kib = (uint32_t)n;
		} else if (streq(tag, "baseline")) {
			t->baseline = true;
		} else if (streq(tag, "pinned")) {
			t->pinned = true;
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
		*t = (struct txn_tags){.auto_boots = -1};
		return 0;
	}
	if (!seen_state)
		goto bad;
	t->present = true;
	return 0;
bad:
	txn_tags_done(t);
	*t = (struct txn_tags){.auto_boots = -1};
	return -EBADMSG;
}

int txn_rebase_encode(const struct txn_tags *t, uint64_t size, char ***ret)
{
	_cleanup_strv_ char **plain = NULL, **l = NULL;
	int r;

	r = txn_tags_encode(t, &plain);
	for (size_t i = 0; r >= 0 && plain[i]; i++)
		r = strv_push(&l,
			      strdup_printf(TAG_REBASE_PREFIX "%s", plain[i] + strlen(TAG_PREFIX)));
	if (r >= 0)
		r = strv_push(&l, strdup_printf(TAG_REBASE_PREFIX "size=%" PRIu64, size));
	return r < 0 ? r : tags_checked(&l, ret);
}

int txn_rebase_decode(char *const *tags, struct txn_tags *t, uint64_t *ret_size)
{
	_cleanup_strv_ char **plain = NULL;
	bool seen_size = false;
	int r = 0;

	*t = (struct txn_tags){.auto_boots = -1};
	*ret_size = 0;
	for (size_t i = 0; tags && tags[i]; i++) {
		const char *v = startswith(tags[i], TAG_REBASE_PREFIX)
				    ? tags[i] + strlen(TAG_REBASE_PREFIX)
				    : NULL;

		if (!v)
			continue;
		if (startswith(v, "size=")) {
			if (seen_size || safe_atou64(v + 5, ret_size) < 0)
				return -EBADMSG;
			seen_size = true;
			continue;
		}
		r = strv_push(&plain, strdup_printf(TAG_PREFIX "%s", v));
		if (r < 0)
			return r;
	}
	if (!plain)
		return 0;
	r = txn_tags_decode(plain, t);
	if (r < 0)
		return r;
	/* The next baseline snapshot: open, in baseline mode; anything else is not ours. */
	if (!t->present || !seen_size || !t->baseline || t->state != TXN_STATE_OPEN) {
		txn_tags_done(t);
		*t = (struct txn_tags){.auto_boots = -1};
		return -EBADMSG;
	}
	return 0;
}
