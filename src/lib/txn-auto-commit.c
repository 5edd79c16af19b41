/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rewind auto-commit: a transaction old enough whose boots were confirmed is committed, so that
 * an unattended server does not keep its snapshots (and their write cost) for ever.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <time.h>

#include "health.h"
#include "log.h"
#include "paths.h"
#include "txn-auto.h"
#include "txn-packages.h"
#include "util.h"

static const char *fmt_duration(uint64_t s, char *buf, size_t size)
{
	if (s >= 86400)
		snprintf(buf, size, "%" PRIu64 "d %" PRIu64 "h", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, size, "%" PRIu64 "h %" PRIu64 "min", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, size, "%" PRIu64 "min", s / 60);
	else
		snprintf(buf, size, "%" PRIu64 "s", s);
	return buf;
}

/* Another process holds dpkg's frontend lock (a write lock, as apt and dpkg take it). */
static bool dpkg_busy(void)
{
	_cleanup_close_ int fd = open(path_dpkg_lock(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	return fd >= 0 && fcntl(fd, F_GETLK, &fl) >= 0 && fl.l_type != F_UNLCK;
}

/* When t last changed: its begin, or the last apt run recorded in it since. */
static uint64_t last_change(const struct txn *t)
{
	_cleanup_(txn_packages_done) struct txn_packages p = {};
	uint64_t when = txn_began(t);

	if (txn_packages_of(t->txid, when, &p) > 0)
		for (size_t i = 0; i < p.n_runs; i++)
			when = MAX(when, p.runs[i].time);
	return when;
}

int txn_auto_commit(struct lvm *l, const struct conf *c, char **ret_txid)
{
	struct txn_set s = {};
	uint64_t now = (uint64_t)time(NULL);
	char a[32], b[32], d[32];
	int r;

	if (c->auto_commit_after == 0) {
		log_info("auto_commit_after is 0 (off): not committing.");
		return 0;
	}
	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	r = 0;
	if (s.n_txns == 0)
		log_info("No transaction is open: nothing to commit.");
	/* Never in the middle of an upgrade: apt or dpkg holds its frontend lock. */
	if (s.n_txns > 0 && dpkg_busy()) {
		log_info("apt or dpkg is running (%s is locked): not committing now.",
			 path_dpkg_lock());
		goto out;
	}
	for (size_t i = 0; i < s.n_txns; i++) {
		const struct txn *t = &s.txns[i];
		uint64_t began = last_change(t), age = now > began ? now - began : 0;

		if (txn_is_armed(t)) {
			log_info("Transaction %s is armed for rollback: not committing.", t->txid);
			goto out;
		}
		if (t->phase != TXN_STATE_OPEN) {
			/* An interrupted commit or begin: finish it, that is not a commit. */
			txn_set_done(&s);
			r = txn_finish_interrupted(l);
			return r < 0 ? r : 0;
		}
		/* A baseline is kept on purpose, however old: only 'rewind commit' ends it. */
		if (t->baseline) {
			log_info("Transaction %s is a baseline: never committed automatically.",
				 t->txid);
			goto out;
		}
		if (age < c->auto_commit_after) {
			log_info("Transaction %s changed %s ago (begin, or its last apt run): "
				 "committing once that is %s (in %s).",
				 t->txid, fmt_duration(age, a, sizeof(a)),
				 fmt_duration(c->auto_commit_after, b, sizeof(b)),
				 fmt_duration(c->auto_commit_after - age, d, sizeof(d)));
			goto out;
		}
		if (txn_good_boots(t) == 0) {
			log_info("Transaction %s: no boot since it began (or since its last apt "
				 "run) has reached boot-complete.target: not committing.",
				 t->txid);
			goto out;
		}
		if (txn_pending_boots(t) > 0) {
			log_info(
			    "Transaction %s: the last boot has not reached boot-complete.target "
			    "(%u unconfirmed): not committing.",
			    t->txid, txn_pending_boots(t));
			goto out;
		}
	}
	if (s.n_txns == 0)
		goto out;
	/* With health checks installed, this boot's must have run and passed (health.h). */
	r = health_allows_commit();
	if (r <= 0)
		goto out;
	r = 0;
	log_info("Transaction %s is %s old and its boots succeeded: committing.", s.txns[0].txid,
		 fmt_duration(now - MIN(now, txn_began(&s.txns[0])), a, sizeof(a)));
	txn_set_done(&s);
	r = txn_commit(l, ret_txid);
	return r < 0 ? r : 1;
out:
	txn_set_done(&s);
	return r;
}
