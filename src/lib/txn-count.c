/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Boot counting for unattended servers: the initramfs stage's hook counts each boot of an open
 * transaction (rewind:pending=K); boot-good (boot-complete.target) confirms it (rewind:good=M);
 * boot-failed decides whether a boot that failed reboots to be counted. Counters are LVM tags on
 * every snapshot of a transaction, written with one lvchange per snapshot; readers take the
 * largest value.
 */
#include <time.h>

#include "cmdline.h"
#include "log.h"
#include "paths.h"
#include "txn-auto.h"
#include "util.h"

static uint64_t real_boot_time(void)
{
	struct timespec ts;
	uint64_t now = (uint64_t)time(NULL);

	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0 || (uint64_t)ts.tv_sec > now)
		return 0;
	return now - (uint64_t)ts.tv_sec;
}

uint64_t (*txn_auto_boot_time)(void) = real_boot_time;

static const char *fmt_time(uint64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || !localtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, size, "?");
	return buf;
}

/*
 * Set the counters of one snapshot in one lvchange: pending < 0 or good < 0 leaves that counter
 * alone, pending == 0 drops its tag (absent reads as 0).
 */
static int snap_set_counters(struct lvm *l, const struct txn_snap *sn, int pending, int good)
{
	_cleanup_strv_ char **add = NULL, **del = NULL, **want = NULL;
	char *const *tags = sn->lv->tags;
	int r = 0;

	if (pending > 0)
		r = strv_push(&want, strdup_printf(TAG_PENDING "%d", pending));
	if (r >= 0 && good >= 0)
		r = strv_push(&want, strdup_printf(TAG_GOOD "%d", good));
	for (size_t i = 0; r >= 0 && tags && tags[i]; i++)
		if (((pending >= 0 && startswith(tags[i], TAG_PENDING)) ||
		     (good >= 0 && startswith(tags[i], TAG_GOOD))) &&
		    !strv_contains(want, tags[i]))
			r = strv_extend(&del, tags[i]);
	for (size_t i = 0; r >= 0 && want && want[i]; i++)
		if (!strv_contains(tags, want[i]))
			r = strv_extend(&add, want[i]);
	if (r < 0)
		return r;
	if (!add && !del)
		return 0;
	return lvm_lv_change_tags(l, sn->lv->vg, sn->lv->name, add, del);
}

int txn_auto_new_changes(struct lvm *l, const struct txn *t)
{
	int r, ret = 0;

	for (size_t j = 0; j < t->n_snaps; j++) {
		r = snap_set_counters(l, &t->snaps[j], -1, 0);
		if (r < 0)
			ret = ret
				  ?: log_err_errno(r, "Failed to reset the good boots of %s/%s.",
						   t->snaps[j].lv->vg, t->snaps[j].lv->name);
	}
	return ret;
}

/* The initramfs counted this boot as unconfirmed for txid (boot-failed's condition); /run
 * survives switch-root and is gone at the next boot, so it is this boot's. */
static char *counted_path(void)
{
	return strdup_printf("%s/counted", path_rundir());
}

static void mark_counted(const char *txid)
{
	_cleanup_free_ char *p = counted_path();

	if (!p || mkdir_p(path_rundir(), 0755) < 0 || write_file_atomic(p, txid) < 0)
		log_warning("Failed to record that this boot was counted: rewind boot-failed will "
			    "not reboot it.");
}

static bool was_counted(const char *txid)
{
	_cleanup_free_ char *p = counted_path(), *v = NULL;

	return p && read_one_line_file(p, &v) >= 0 && streq(strstrip(v), txid);
}

void txn_auto_boot(struct lvm *l, struct txn_set *s, const char *skip_txid)
{
	struct conf c;
	bool conf_read = false;

	/* The common case, nothing open, costs nothing beyond the caller's one report. */
	if (s->n_txns == 0)
		return;
	conf_init(&c);
	for (size_t i = 0; i < s->n_txns; i++) {
		struct txn *t = &s->txns[i];
		const struct txn_snap *bad = NULL;
		bool merging = false, counted;
		unsigned k = txn_pending_boots(t), n;
		char when[32];

		/* Armed, chosen on the boot menu: rolled back anyway. Committing or never
		 * completed: never rolled back, so not counted either. */
		if ((skip_txid && *skip_txid && streq(t->txid, skip_txid)) ||
		    t->phase != TXN_STATE_OPEN)
			continue;
		/* Recorded at begin; only transactions from before that read the configuration
		 * (the initramfs' copy). */
		if (t->auto_boots < 0 && !conf_read) {
			conf_read = true;
			if (conf_load(path_conf(), &c, NULL) < 0)
				log_err(
				    "%s is invalid: not counting boots of transactions that did "
				    "not record auto_rollback_boots.",
				    path_conf());
		}
		n = txn_auto_boots(t, &c);
		if (n == 0)
			continue;
		for (size_t j = 0; j < t->n_snaps; j++) {
			merging = merging || t->snaps[j].merging;
			if (t->snaps[j].invalid)
				bad = &t->snaps[j];
		}
		if (merging)
			continue;
		fmt_time(txn_began(t), when, sizeof(when));
		if (k >= n && !bad) {
			log_err(
			    "%u boot%s in a row failed (none reached boot-complete.target) since "
			    "transaction %s began at %s; auto_rollback_boots = %u: ROLLING BACK.",
			    k, k == 1 ? "" : "s", t->txid, when, n);
			/* In memory: the caller rolls back every member (or none). */
			t->phase = TXN_STATE_ARMED;
			continue;
		}
		if (k >= n)
			log_err("%u boot%s in a row failed since transaction %s began at %s, but "
				"snapshot %s/%s is invalid (overflowed): it cannot be rolled back. "
				"Commit it with 'rewind commit'.",
				k, k == 1 ? "" : "s", t->txid, when, bad->lv->vg, bad->lv->name);
		counted = false;
		for (size_t j = 0; j < t->n_snaps; j++)
			if (snap_set_counters(l, &t->snaps[j], (int)k + 1, -1) < 0)
				log_err("Failed to count this boot on %s/%s.", t->snaps[j].lv->vg,
					t->snaps[j].lv->name);
			else
				counted = true;
		/* Only a boot that is counted may be rebooted as failed: else the reboots never
		 * reach auto_rollback_boots. */
		if (counted)
			mark_counted(t->txid);
		log_info("Transaction %s: boot %u without a confirmed boot since; rolling back "
			 "after %u.",
			 t->txid, k + 1, n);
	}
	conf_done(&c);
}

int txn_auto_boot_good(struct lvm *l)
{
	struct txn_set s = {};
	uint64_t booted = txn_auto_boot_time();
	char boot_id[BOOT_ID_LEN + 1];
	int r, ret = 0;

	txn_boot_id(boot_id);
	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	if (s.n_txns == 0)
		log_info("No transaction is open: no boot to record.");
	for (size_t i = 0; i < s.n_txns; i++) {
		const struct txn *t = &s.txns[i];
		unsigned good = txn_good_boots(t) + 1, pending = txn_pending_boots(t);
		/* The boot ID says it; the clock only for transactions that did not record one
		 * (an RTC that is behind would otherwise never confirm a boot). */
		bool began_now =
		    *t->boot_id && *boot_id ? streq(t->boot_id, boot_id) : txn_began(t) > booted;

		if (began_now) {
			log_info("Transaction %s began during this boot: this boot does not count.",
				 t->txid);
			continue;
		}
		if (t->phase != TXN_STATE_OPEN && t->phase != TXN_STATE_ARMED)
			continue;
		for (size_t j = 0; j < t->n_snaps; j++) {
			r = snap_set_counters(l, &t->snaps[j], 0, (int)good);
			if (r < 0) {
				log_err("Failed to record the good boot on %s/%s.",
					t->snaps[j].lv->vg, t->snaps[j].lv->name);
				ret = ret ?: r;
			}
		}
		if (pending > 1)
			log_info(
			    "Boot confirmed after %u unconfirmed boot(s): transaction %s has %u "
			    "good boot(s).",
			    pending - 1, t->txid, good);
		else
			log_info("Boot confirmed: transaction %s has %u good boot(s).", t->txid,
				 good);
	}
	txn_set_done(&s);
	return ret;
}

void txn_auto_check_begin(const struct conf *c)
{
	struct cmdline k;

	if (c->auto_rollback_boots == 0 || cmdline_read(REWIND_LOG_DEBUG, &k) < 0)
		return;
	if (!k.panic_reboots)
		log_warning(
		    "The kernel command line has no panic=N: a kernel panic halts this "
		    "machine, so that boot never ends and is never counted or rolled back. Add "
		    "panic=10 to the kernel command line (for new kernels: /etc/kernel/cmdline, "
		    "which replaces the whole command line, so start from /proc/cmdline).");
}

/* The kernel command line asks for this shell (systemd's and SysV's spellings, rd.rewind.stay),
 * turns rewind off, or is the rollback entry's (rebooting would only boot the same entry again). */
static bool cmdline_keeps_boot(const struct cmdline *k)
{
	return k && (k->shell || k->stay || k->disabled || k->rollback_given);
}

static bool txn_unrollable(const struct txn *t)
{
	for (size_t j = 0; j < t->n_snaps; j++)
		if (t->snaps[j].invalid || t->snaps[j].merging)
			return true;
	return false;
}

int txn_auto_boot_failed(struct lvm *l, const struct conf *c, const struct cmdline *k,
			 char **ret_txid)
{
	_cleanup_free_ char *outcome = strdup_printf("%s/" TXN_OUTCOME_FILE, path_rundir());
	struct txn_set s = {};
	int r;

	if (!outcome)
		return -ENOMEM;
	if (cmdline_keeps_boot(k)) {
		log_info("The kernel command line asks for this shell, or chose the rollback entry "
			 "or rd.rewind=0: no reboot.");
		return 0;
	}
	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	if (s.n_txns == 0) {
		log_info("No transaction is open: no reboot.");
		r = 0;
	} else if (txn_auto_boots(&s.txns[0], c) == 0) {
		log_info("Transaction %s runs with auto_rollback_boots off: no reboot.",
			 s.txns[0].txid);
		r = 0;
	} else if (s.txns[0].phase != TXN_STATE_OPEN) {
		log_info("Transaction %s is %s: no reboot.", s.txns[0].txid,
			 txn_state_to_string(s.txns[0].phase));
		r = 0;
	} else if (access(outcome, F_OK) == 0) {
		/* A rollback ran at this boot and did not end the transaction: another boot would
		 * only repeat it. */
		log_err("The rollback at this boot did not complete (%s): no reboot, it would be "
			"repeated. See rewind status.",
			outcome);
		r = 0;
	} else if (txn_unrollable(&s.txns[0])) {
		log_err("Transaction %s has an invalid (overflowed) or merging snapshot: a reboot "
			"cannot roll it back; no reboot.",
			s.txns[0].txid);
		r = 0;
	} else if (!was_counted(s.txns[0].txid) || txn_pending_boots(&s.txns[0]) == 0) {
		/* Only a boot this boot's initramfs counted: not the boot that began it, not one
		 * confirmed by rewind-boot-good.service, not one whose initramfs did not count
		 * (an old initramfs without rewind, rd.rewind=0). */
		log_info("This boot of transaction %s was not counted as unconfirmed by its "
			 "initramfs: no reboot.",
			 s.txns[0].txid);
		r = 0;
	} else {
		log_err(
		    "This boot failed (it never reached boot-complete.target) while transaction "
		    "%s is open, and auto_rollback_boots = %u: REBOOTING, this boot counts as "
		    "failed. To stay: systemctl stop rewind-failed-boot.timer "
		    "rewind-boot-deadline.timer",
		    s.txns[0].txid, txn_auto_boots(&s.txns[0], c));
		r = 1;
		if (ret_txid && !(*ret_txid = strdup(s.txns[0].txid)))
			r = -ENOMEM;
	}
	txn_set_done(&s);
	return r;
}
