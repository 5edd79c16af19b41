/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rewind history: history.jsonl read back line by line (txn-history.h). */
#include <fcntl.h>
#include <sys/stat.h>

#include "log.h"
#include "paths.h"
#include "txn-history.h"
#include "util.h"

/* A history bigger than this is read from its end: the newest entries are what matters. */
#define HISTORY_MAX (16u << 20)

void txn_history_done(struct txn_history *h)
{
	for (size_t i = 0; i < h->n_entries; i++)
		txn_outcome_done(&h->entries[i]);
	free(h->entries);
	*h = (struct txn_history){};
}

/* One line (NUL-terminated, without its newline): an outcome, or a warning. */
static int history_line(struct txn_history *h, const char *line, size_t len, size_t lineno)
{
	struct txn_outcome o = {};
	struct txn_outcome *n;
	int r;

	if (strlen(line) != len) {
		log_warning("history.jsonl line %zu: contains a NUL byte, skipped.", lineno);
		h->n_skipped++;
		return 0;
	}
	if (len == 0 || strspn(line, " \t\r") == len)
		return 0;
	r = txn_outcome_from_json(line, &o);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || !o.txid || o.result < 0) {
		if (r >= 0)
			txn_outcome_done(&o);
		log_warning("history.jsonl line %zu: not an outcome (%s), skipped.", lineno,
			    r < 0     ? "no JSON object"
			    : !o.txid ? "no txid"
				      : "no result");
		h->n_skipped++;
		return 0;
	}
	n = realloc(h->entries, (h->n_entries + 1) * sizeof(*n));
	if (!n) {
		txn_outcome_done(&o);
		return -ENOMEM;
	}
	h->entries = n;
	h->entries[h->n_entries++] = o;
	return 0;
}

int txn_history_parse(const char *text, size_t len, struct txn_history *ret)
{
	struct txn_history h = {};
	size_t lineno = 0;
	int r = 0;

	for (size_t pos = 0; r >= 0 && pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		_cleanup_free_ char *line = strndup(text + pos, l);

		lineno++;
		if (!line) {
			r = -ENOMEM;
			break;
		}
		/* strndup stops at a NUL: its length tells. */
		r = history_line(&h, line, l, lineno);
		pos += l + (nl ? 1 : 0);
	}
	if (r < 0) {
		txn_history_done(&h);
		return r;
	}
	*ret = h;
	return 0;
}

int txn_history_load(struct txn_history *ret)
{
	_cleanup_free_ char *path = strdup_printf("%s/history.jsonl", path_statedir());
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	struct stat st;
	off_t start = 0;
	int r;

	if (!path)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT) {
		*ret = (struct txn_history){};
		return 0;
	}
	if (fd < 0 || fstat(fd, &st) < 0)
		return log_err_errno(-errno, "Failed to open %s: %m", path);
	if (!S_ISREG(st.st_mode))
		return log_err_errno(-EBADF, "Failed to read %s: not a regular file.", path);
	if ((uint64_t)st.st_size > HISTORY_MAX) {
		start = st.st_size - HISTORY_MAX;
		log_warning("%s is larger than %u MiB: its last %u MiB are read.", path,
			    HISTORY_MAX >> 20, HISTORY_MAX >> 20);
	}
	/* What fstat() saw; a line appended meanwhile is for the next time. */
	buf = malloc((size_t)(st.st_size - start) + 1);
	if (!buf)
		return -ENOMEM;
	if (start > 0 && lseek(fd, start, SEEK_SET) < 0)
		return log_err_errno(-errno, "Failed to read %s: %m", path);
	r = read_full(fd, buf, (size_t)(st.st_size - start), &len);
	if (r < 0)
		return log_err_errno(r, "Failed to read %s: %s", path, strerror(-r));
	/* Started in the middle of a line: that line is not whole. */
	if (start > 0) {
		char *nl = memchr(buf, '\n', len);
		size_t skip = nl ? (size_t)(nl - buf) + 1 : len;

		memmove(buf, buf + skip, len - skip);
		len -= skip;
	}
	return txn_history_parse(buf, len, ret);
}
