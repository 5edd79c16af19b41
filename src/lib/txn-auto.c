/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unattended servers: boot counting and automatic rollback (the initramfs stage's hook and
 * boot-good), automatic commit, and the fill monitor. Counters are LVM tags on every snapshot of a
 * transaction, written together with one lvchange per snapshot; readers take the largest value.
 */
#include <inttypes.h>
#include <time.h>

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

static uint64_t txn_begin_time(const struct txn *t)
{
	uint64_t time = 0;

	for (size_t i = 0; i < t->n_snaps; i++)
		if (t->snaps[i].tags.time)
			time = time ? MIN(time, t->snaps[i].tags.time) : t->snaps[i].tags.time;
	return time;
}

static unsigned txn_pending(const struct txn *t)
{
	unsigned n = 0;

	for (size_t i = 0; i < t->n_snaps; i++)
		n = MAX(n, t->snaps[i].tags.pending);
	return n;
}

static unsigned txn_good(const struct txn *t)
{
	unsigned n = 0;

	for (size_t i = 0; i < t->n_snaps; i++)
		n = MAX(n, t->snaps[i].tags.good);
	return n;
}

static const char *fmt_time(uint64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || !localtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, size, "?");
	return buf;
}

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

static const char *fmt_bytes(uint64_t b, char *buf, size_t size)
{
	if (b >= (1ULL << 30))
		snprintf(buf, size, "%.1f GiB", (double)b / (1ULL << 30));
	else
		snprintf(buf, size, "%.0f MiB", (double)b / (1ULL << 20));
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
		unsigned k = txn_pending(t), n;
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
		fmt_time(txn_begin_time(t), when, sizeof(when));
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
		unsigned good = txn_good(t) + 1, pending = txn_pending(t);
		/* The boot ID says it; the clock only for transactions that did not record one
		 * (an RTC that is behind would otherwise never confirm a boot). */
		bool began_now = *t->boot_id && *boot_id ? streq(t->boot_id, boot_id)
							 : txn_begin_time(t) > booted;

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
	_cleanup_free_ char *cmdline = NULL;
	_cleanup_strv_ char **l = NULL;
	bool reboots = false;

	if (c->auto_rollback_boots == 0 || read_one_line_file(path_cmdline(), &cmdline) < 0)
		return;
	l = strv_split_ws(cmdline);
	for (size_t i = 0; l && l[i]; i++)
		if (startswith(l[i], "panic="))
			reboots = !streq(l[i] + strlen("panic="), "0"); /* the last one counts */
	if (!reboots)
		log_warning(
		    "The kernel command line has no panic=N: a kernel panic halts this "
		    "machine, so that boot never ends and is never counted or rolled back. Add "
		    "panic=10 to the kernel command line (for new kernels: /etc/kernel/cmdline, "
		    "which replaces the whole command line, so start from /proc/cmdline).");
}

/* A person asked for this shell on the kernel command line (systemd's and SysV's spellings). */
static bool cmdline_wants_emergency(const char *cmdline)
{
	static const char *const words[] = {"emergency",
					    "rescue",
					    "single",
					    "s",
					    "S",
					    "1",
					    "-b",
					    "systemd.unit=emergency.target",
					    "systemd.unit=rescue.target",
					    "rd.rewind.stay",
					    "rd.rewind=0"};
	_cleanup_strv_ char **l = strv_split_ws(cmdline ?: "");

	for (size_t i = 0; l && l[i]; i++) {
		/* The rollback entry's boot: rebooting would only boot the same entry again. */
		if (startswith(l[i], "rd.rewind.rollback="))
			return true;
		for (size_t k = 0; k < ELEMENTSOF(words); k++)
			if (streq(l[i], words[k]))
				return true;
	}
	return false;
}

static bool txn_unrollable(const struct txn *t)
{
	for (size_t j = 0; j < t->n_snaps; j++)
		if (t->snaps[j].invalid || t->snaps[j].merging)
			return true;
	return false;
}

int txn_auto_boot_failed(struct lvm *l, const struct conf *c, const char *cmdline, char **ret_txid)
{
	_cleanup_free_ char *outcome = strdup_printf("%s/outcome.json", path_rundir());
	struct txn_set s = {};
	int r;

	if (!outcome)
		return -ENOMEM;
	if (cmdline_wants_emergency(cmdline)) {
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
	} else if (!was_counted(s.txns[0].txid) || txn_pending(&s.txns[0]) == 0) {
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
	for (size_t i = 0; i < s.n_txns; i++) {
		const struct txn *t = &s.txns[i];
		uint64_t began = txn_begin_time(t), age = now > began ? now - began : 0;

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
		if (age < c->auto_commit_after) {
			log_info("Transaction %s is %s old: committing once it is %s old (in %s).",
				 t->txid, fmt_duration(age, a, sizeof(a)),
				 fmt_duration(c->auto_commit_after, b, sizeof(b)),
				 fmt_duration(c->auto_commit_after - age, d, sizeof(d)));
			goto out;
		}
		if (txn_good(t) == 0) {
			log_info("Transaction %s: no boot since it began has reached "
				 "boot-complete.target: not committing.",
				 t->txid);
			goto out;
		}
		if (txn_pending(t) > 0) {
			log_info(
			    "Transaction %s: the last boot has not reached boot-complete.target "
			    "(%u unconfirmed): not committing.",
			    t->txid, txn_pending(t));
			goto out;
		}
	}
	if (s.n_txns == 0)
		goto out;
	log_info("Transaction %s is %s old and its boots succeeded: committing.", s.txns[0].txid,
		 fmt_duration(now - MIN(now, txn_begin_time(&s.txns[0])), a, sizeof(a)));
	txn_set_done(&s);
	r = txn_commit(l, ret_txid);
	return r < 0 ? r : 1;
out:
	txn_set_done(&s);
	return r;
}

static struct lvm_vg *find_vg(struct lvm_report *rep, const char *name)
{
	for (size_t i = 0; i < rep->n_vgs; i++)
		if (streq(rep->vgs[i].name, name))
			return &rep->vgs[i];
	return NULL;
}

/* Extend one snapshot at or above monitor_extend_percent; 0 extended, 1 could not. */
static int monitor_extend(struct lvm *l, const struct txn *t, const struct txn_snap *sn,
			  struct lvm_report *vgs)
{
	const struct lvm_lv *lv = sn->lv;
	struct lvm_vg *vg;
	uint64_t extent, want, avail;
	char x[32], y[32];
	int r;

	if (vgs->n_vgs == 0) {
		r = lvm_report(l, true, vgs);
		if (r < 0) {
			log_err("Cannot read the free space of %s to extend %s/%s.", lv->vg, lv->vg,
				lv->name);
			return 1;
		}
	}
	vg = find_vg(vgs, lv->vg);
	extent = vg && vg->extent_size ? vg->extent_size : 4ULL << 20;
	want = MAX(lv->size / 2, extent);
	want = (want + extent - 1) / extent * extent;
	avail = vg ? vg->free / extent * extent : 0;
	if (avail == 0) {
		log_err("SNAPSHOT %s/%s IS %.1f%% FULL AND VOLUME GROUP %s HAS NO FREE SPACE: it "
			"will overflow, and an overflowed snapshot can no longer be rolled back "
			"(transaction %s). Add space to %s (vgextend) or commit the transaction "
			"(rewind commit).",
			lv->vg, lv->name, sn->fill, lv->vg, t->txid, lv->vg);
		return 1;
	}
	r = lvm_lv_extend(l, lv->vg, lv->name, MIN(want, avail));
	if (r < 0) {
		log_err("Failed to extend snapshot %s/%s (%.1f%% full): it may overflow, and an "
			"overflowed snapshot can no longer be rolled back (transaction %s).",
			lv->vg, lv->name, sn->fill, t->txid);
		return 1;
	}
	vg->free -= MIN(want, avail);
	log_warning("Snapshot %s/%s was %.1f%% full: extended it by %s to %s.", lv->vg, lv->name,
		    sn->fill, fmt_bytes(MIN(want, avail), x, sizeof(x)),
		    fmt_bytes(lv->size + MIN(want, avail), y, sizeof(y)));
	if (avail < want)
		log_warning("Volume group %s is now full: snapshot %s/%s cannot grow further.",
			    lv->vg, lv->vg, lv->name);
	return 0;
}

int txn_monitor(struct lvm *l, const struct conf *c)
{
	struct lvm_report vgs = {};
	struct txn_set s = {};
	int r, ret = 0;

	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s.n_txns; i++) {
		const struct txn *t = &s.txns[i];

		for (size_t j = 0; j < t->n_snaps; j++) {
			const struct txn_snap *sn = &t->snaps[j];
			const struct lvm_lv *lv = sn->lv;

			if (sn->merging)
				continue;
			if (sn->invalid) {
				log_err(
				    "Snapshot %s/%s is invalid (overflowed): transaction %s can no "
				    "longer be rolled back. Commit it (rewind commit) to drop the "
				    "snapshots, and begin again with a larger size if wanted.",
				    lv->vg, lv->name, t->txid);
				ret = 1;
			} else if (sn->fill < 0)
				log_debug("Snapshot %s/%s is not active: fill unknown.", lv->vg,
					  lv->name);
			else if (c->monitor_extend_percent > 0 &&
				 sn->fill >= c->monitor_extend_percent) {
				if (monitor_extend(l, t, sn, &vgs) != 0)
					ret = 1;
			} else if (c->monitor_warn_percent > 0 &&
				   sn->fill >= c->monitor_warn_percent)
				log_warning("Snapshot %s/%s of transaction %s is %.1f%% full%s.",
					    lv->vg, lv->name, t->txid, sn->fill,
					    c->monitor_extend_percent > 0
						? "; it is extended at monitor_extend_percent"
						: "");
			else
				log_debug("Snapshot %s/%s is %.1f%% full.", lv->vg, lv->name,
					  sn->fill);
		}
	}
	lvm_report_done(&vgs);
	txn_set_done(&s);
	return ret;
}

static int jadd(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	return json_object_object_add(o, key, v) < 0 ? -ENOMEM : 0;
}

int txn_auto_status_add(struct json_object *o, const struct txn *t)
{
	struct json_object *a = json_object_new_object();
	struct conf c;
	uint64_t began = txn_begin_time(t);
	int r;

	if (!a)
		return -ENOMEM;
	conf_init(&c);
	(void)conf_load(path_conf(), &c, NULL);
	r = jadd(o, "auto", a);
	r = r ?: jadd(a, "pending_boots", json_object_new_int64(txn_pending(t)));
	r = r ?: jadd(a, "good_boots", json_object_new_int64(txn_good(t)));
	r = r ?: jadd(a, "auto_rollback_boots", json_object_new_int64(txn_auto_boots(t, &c)));
	/* Recorded at begin (what the boot side uses), or read from rewind.conf now. */
	r = r
		?: jadd(a, "auto_rollback_boots_recorded",
			json_object_new_boolean(t->auto_boots >= 0));
	r = r ?: jadd(a, "auto_commit_after", json_object_new_int64((int64_t)c.auto_commit_after));
	/* When the grace period ends (UNIX time); null when auto-commit is off. */
	if (r >= 0 && c.auto_commit_after > 0)
		r = jadd(a, "auto_commit_not_before",
			 json_object_new_int64((int64_t)(began + c.auto_commit_after)));
	else if (r >= 0)
		r = json_object_object_add(a, "auto_commit_not_before", NULL) < 0 ? -ENOMEM : 0;
	conf_done(&c);
	return r;
}
