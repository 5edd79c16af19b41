/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "lvm.h"
#include "refusal.h"
#include "tags.h"

/*
 * Errors: what the verbs refuse on purpose is one of refusal.h's codes (the CLI's exit codes
 * 2, 3, 5, 6, 7: HACKING.md); any other negative value is an errno: the operation failed (1).
 *   -REFUSE_INPUT       begin: an invalid name or volume; rollback --now with root    2
 *   -REFUSE_TXN_EXISTS  begin: a transaction exists                                   3
 *   -REFUSE_NO_TXN      commit, rollback: none open; cancel: none armed                3
 *   -REFUSE_UNFINISHED  an interrupted begin or commit, or a rollback under way       3
 *   -REFUSE_NO_SPACE    begin: the volume group or the ESP is too small                5
 *   -REFUSE_SNAPSHOT    rollback, commit: a snapshot invalid, or a member missing      6
 *   -REFUSE_NO_MODULE   rollback: check_initramfs() refused                            7
 */

/* One snapshot of a transaction, with what LVM and device-mapper say about it now. */
struct txn_snap {
	const struct lvm_lv *lv;     /* the snapshot LV (points into txn_set.rep) */
	const struct lvm_lv *origin; /* NULL if LVM lost it */
	struct txn_tags tags;
	bool invalid; /* overflowed or otherwise invalid: cannot be merged */
	double fill;  /* percent, -1 when unknown (inactive) */
	bool merging; /* a merge was started (power cut, or deferred by LVM) */
	/* A thin snapshot: no size and no overflow of its own (never invalid); fill is its pool's
	 * (the larger of data and metadata). Merged by a metadata swap; it needs no activation,
	 * and LVM never activates it with its origin (activation skip). */
	bool thin;
	const struct lvm_lv *pool;
};

struct txn {
	char txid[TXID_MAX + 1];
	struct txn_snap *snaps;
	size_t n_snaps;
	/* The furthest phase any snapshot records (creating < open < armed < committing). */
	enum txn_state phase;
	/* Members recorded at begin (rewind:member=), and those of them without a snapshot now:
	 * an interrupted begin or commit, or a VG that is not visible. NULL when none. */
	char **members;
	char **missing;
	int auto_boots;	     /* auto_rollback_boots recorded at begin; -1: not recorded */
	const char *boot_id; /* the boot that began it ("" unknown; points into a snapshot) */
	bool pinned;	     /* begin pinned the booted kernel on the ESP */
	bool baseline;	     /* baseline mode: a rollback restores it and keeps it (below) */
	unsigned restores;   /* baseline mode: how many times it was restored */
};

/* An origin LV tagged rewind:restore-esp=TXID: the ESP of TXID is still to be put back. */
struct txn_restore {
	const struct lvm_lv *origin;
	char txid[TXID_MAX + 1];
};

/* An origin tagged rewind-base:* (tags.h): a baseline restore of tags.txid is under way, and
 * the snapshot with tags (size bytes) is to be taken of it once its merge ended. */
struct txn_rebase {
	const struct lvm_lv *origin;
	struct txn_tags tags;
	uint64_t size;
};

struct txn_set {
	struct lvm_report rep;
	struct txn *txns;
	size_t n_txns;
	struct txn_restore *restores;
	size_t n_restores;
	struct txn_rebase *rebases;
	size_t n_rebases;
};

int txn_set_load(struct lvm *l, bool with_vgs, struct txn_set *ret);
void txn_set_done(struct txn_set *s);
/* LVM's report again, and *t pointed at the same transaction in it (-ENOENT when gone). Keeps
 * a phase set in memory only (the automatic rollback arms without writing). */
int txn_set_reload(struct lvm *l, struct txn_set *s, struct txn **t);
/* The origin of a member ("VG/LV") is in the report: its volume group is visible. */
bool txn_member_visible(const struct txn_set *s, const char *member);
bool txn_is_armed(const struct txn *t);
/* A snapshot of t is merging (started: a background merge, a power cut, or deferred by LVM). */
bool txn_is_merging(const struct txn *t);
/* Every member has a snapshot, none is invalid, every origin is there: a rollback can start.
 * When not, *ret_why (static or in t) says which member and why. */
#define TXN_MEMBER_MAX (2 * LVM_NAME_MAX + 2)
bool txn_is_whole(const struct txn *t, char ret_member[static TXN_MEMBER_MAX],
		  const char **ret_why);
/* auto_rollback_boots the transaction runs under: recorded at begin, else the configuration's. */
unsigned txn_auto_boots(const struct txn *t, const struct conf *c);

/*
 * Finish what a crash interrupted: a commit (phase committing: remove the remaining snapshots,
 * unpin the ESP) or a begin (phase creating: remove what it created, unpin). Called by every verb
 * that changes state, and after each boot (boot-finish). 1 when something was finished, 0 when
 * nothing was pending, negative errno when finishing failed (what is left stays for next time).
 */
int txn_finish_interrupted(struct lvm *l);

/*
 * After a boot that rolled root back (rewind boot-finish, every boot while one is pending): put
 * the ESP back for each origin tagged rewind:restore-esp=TXID whose root snapshot is merged or
 * merging, then drop the tag. Until then the tag stays and every boot tries again. 1 when
 * something was restored, 0 when nothing was pending, negative errno on failure.
 */
int txn_finish_restore(struct lvm *l);

struct txn_begin_opts {
	const char *txid;		   /* NULL: YYYYmmdd-HHMMSS */
	bool baseline;			   /* begin --baseline: see txn-baseline.c */
	const struct policy *size;	   /* NULL: conf's size */
	const struct volume_spec *volumes; /* none: conf's, else the LV holding / */
	size_t n_volumes;
	bool dry_run; /* resolve, size and check space, create nothing (rewind check) */
};

int txn_begin(struct lvm *l, const struct conf *c, const struct txn_begin_opts *o, char **ret_txid);
/* Set the state tag of every snapshot (one lvchange each; those already there are skipped).
 * Returns the number changed, or negative errno when the first change failed (nothing changed);
 * a later failure is logged and counted in *ret_failed. */
int txn_set_state(struct lvm *l, const struct txn *t, enum txn_state state, unsigned *ret_failed);
int txn_commit(struct lvm *l, char **ret_txid);
int txn_cancel(struct lvm *l, char **ret_txid);

/* What rollback or boot did with one volume. */
enum txn_action {
	TXN_MERGED,  /* merged now: the origin is back to the snapshot's content */
	TXN_MERGING, /* the origin shows the snapshot's content; the kernel merges behind it */
	TXN_ARMED,   /* the initramfs merges it at the next boot */
	TXN_FAILED,
};

struct txn_result {
	char *vg;
	char *origin;
	char *snapshot;
	enum txn_action action;
	char *detail; /* why armed / why failed */
	double seconds;
	bool root; /* the snapshot of the root file system */
};

struct txn_results {
	struct txn_result *r;
	size_t n;
	char txid[TXID_MAX + 1];
	bool pinned;   /* the transaction has a rollback entry on the ESP */
	bool baseline; /* baseline mode: the rollback entry and pin stay after the restore */
};

void txn_results_done(struct txn_results *r);
const char *txn_action_to_string(enum txn_action a);

/* How merges run (txn-merge.c): the initramfs stage, rollback --now, rewind-merge.service. */
struct txn_merge_opts {
	/* Wait until every merge finished (merge = foreground), instead of going on once every
	 * origin presents the merging view. */
	bool foreground;
	/* Run LVM in a child: progress from device-mapper meanwhile, and the poller that
	 * `lvconvert --background` forks is not this process (the CLI; unit tests do not fork). */
	bool fork;
	/* Never hand the polling to lvmpolld (the initramfs has none). */
	bool own_poller;
	void (*progress)(void *userdata, const char *vg, const char *lv, int percent);
	void *userdata;
	unsigned stall_timeout_sec; /* give up waiting when a merge makes no progress; 0: 600 */
};

struct txn_rollback_opts {
	bool now; /* unmount, merge and remount busy data volumes */
	struct txn_merge_opts merge;
	/* Called before anything is armed: 0 to go on, -REFUSE_NO_MODULE to refuse (initramfs
	 * check). */
	int (*check_initramfs)(void *userdata);
	void *userdata;
};

int txn_rollback(struct lvm *l, const struct txn_rollback_opts *o, struct txn_results *ret);

/*
 * check: the transactions whose ESP is still to be put back (root rolled back, the restore not
 * done yet) and those whose pinned files are on the ESP although no transaction or restore
 * needs them (leftovers). NULL when none.
 */
int txn_audit_esp(struct lvm *l, char ***ret_pending, char ***ret_leftover);

/* boot-good, after systemd-bless-boot counted this boot: remove the rollback entries and kernels
 * that a restore kept for it (txn_esp_sweep() of each pin no transaction needs). */
int txn_sweep_pins(struct lvm *l);

/* When t began (the earliest rewind:time of its snapshots; 0 when unknown), and its boot
 * counters (the largest rewind:pending / rewind:good of its snapshots). */
uint64_t txn_began(const struct txn *t);
unsigned txn_pending_boots(const struct txn *t);
unsigned txn_good_boots(const struct txn *t);

/* ---- baseline mode (txn-baseline.c) ---- */

/*
 * Before the first merge of a baseline restore: record on each origin the snapshot that is to
 * replace its own (tags.h, TAG_REBASE_PREFIX). 0, or negative errno when one could not be
 * recorded: then nothing may be merged (those recorded are dropped again by txn_rebase_finish()).
 */
int txn_rebase_mark(struct lvm *l, const struct txn *t);
/*
 * After the merges, before anything mounts the origins (the end of the initramfs stage, or
 * rollback --now before mounting again): for every origin with a restore recorded (only those of
 * txid, when not NULL) whose merge ended, take the new baseline snapshot and drop the record.
 * When a snapshot of that restore is still merging, the volume is about to be used before its
 * merge ends: no new baseline is taken, the records are dropped, and baseline mode ends (loud).
 * in_use (boot-finish, in the real root): the initramfs should have finished every restore and
 * the volumes are in use now: a record left means the baseline is lost (loud), none is taken.
 * The number of snapshots taken, or negative errno.
 */
int txn_rebase_finish(struct lvm *l, const char *txid, bool in_use);
/* Drop the records of txid (commit: baseline mode ends). */
int txn_rebase_drop(struct lvm *l, const struct txn_set *s, const char *txid);

/* The initramfs stage. Returns 0 unless something is badly wrong; never blocks forever. */
int txn_boot(struct lvm *l, const struct txn_merge_opts *o, struct txn_results *ret);

/*
 * The initramfs, after root is mounted at sysroot: when this boot rolled root back and the
 * rolled-back root has no modules for the running kernel (one the upgrade installed), point the
 * next boot at the rollback entry (the kernel pinned at begin) and return 1: the caller reboots
 * before switch-root. 0: boot on (the modules are there, nothing was rolled back, or a reboot
 * would not help: no rollback entry, or this is the rollback entry's boot).
 */
int txn_boot_kernel_check(const char *sysroot);

/*
 * rewind-merge.service, in the real root: wait for every merge under way (started in the
 * background by the initramfs or rollback --now, or resumed by an activation) to end, with
 * progress; then remove path_rundir()/merging.
 */
int txn_merge_finish(struct lvm *l, const struct txn_merge_opts *o, struct txn_results *ret);

/* Internal, shared between txn*.c */
/* Start the merge of s (resumed already when s->merging) and check that its origin presents
 * the merging view: 0, 1 when it is merged already (a poller was quicker), or negative errno
 * (logged; -EAGAIN: LVM deferred it to the next activation). */
int txn_merge_start(struct lvm *l, const struct txn_snap *s, const struct txn_merge_opts *o);
/* Start (or resume) the merge of s and poll it to its end in this process. */
int txn_merge_wait(struct lvm *l, const struct txn_snap *s, const struct txn_merge_opts *o);
/* Merge s as o says (background: start; foreground: start and wait) and add the result. */
int txn_merge_one(struct lvm *l, const struct txn_snap *s, const struct txn_merge_opts *o,
		  struct txn_results *res);
/* Leave path_rundir()/merging (TXID) for rewind-merge.service; start_unit: start it now. */
int txn_merge_flag(const char *txid, bool start_unit);
int txn_result_add(struct txn_results *res, const struct txn_snap *s, enum txn_action a,
		   const char *detail, double seconds);
/* -REFUSE_UNFINISHED (logged) when a rollback of t started (rolling-back, or a snapshot merging):
 * it can only go forward, not be what ("committed", "cancelled", "rolled back again"). */
int txn_refuse_if_rolling_back(const struct txn *t, const char *what);
/* For a member that has no snapshot (VG/LV). */
int txn_result_add_member(struct txn_results *res, const char *member, enum txn_action a,
			  const char *detail);
double txn_now(void);
/* The kernel command line's rd.rewind=0, rd.rewind.rollback=TXID ("" when none) and
 * rd.rewind.wait=SECONDS, as cmdline_read() (cmdline.h) gives them; what it ignores is warned
 * about, an unreadable command line too (then: none of them). Always 0. */
int txn_boot_cmdline(bool *disabled, char txid[static TXID_MAX + 1], unsigned *wait);
/* This boot's ID (/proc/sys/kernel/random/boot_id) without dashes; "" when unknown. */
void txn_boot_id(char *ret);
/* 1 when the snapshot LV no longer exists (a finished merge removes it), 0 when it does. */
int txn_snapshot_gone(struct lvm *l, const char *vg, const char *name);
/* "<origin>-rewind-<txid>": the name of origin's snapshot in txid (NULL: no memory). */
char *txn_snapshot_name(const char *origin, const char *txid);

/* ---- the boot's outcome (txn-outcome.c): what the initramfs rolled back ---- */

#define TXN_OUTCOME_FILE "outcome.json" /* in path_rundir(): it survives switch-root */

enum txn_outcome_result {
	TXN_OUTCOME_FAILED,
	TXN_OUTCOME_PARTIAL, /* of the whole only */
	TXN_OUTCOME_ROLLED_BACK,
	_TXN_OUTCOME_RESULT_MAX,
	_TXN_OUTCOME_RESULT_UNKNOWN = -1, /* not recorded */
};

struct txn_outcome_volume {
	char *volume;	/* "VG/LV" */
	char *snapshot; /* the snapshot LV's name */
	enum txn_outcome_result result;
	bool merging; /* rolled back, the kernel still copying the blocks (rewind-merge.service) */
	char *error;  /* why it failed; NULL: none */
	double seconds; /* -1: not recorded */
	int root;	/* 1 root, 0 not; -1 not recorded (an outcome from before the flag) */
};

/* What is not recorded in an outcome read back stays NULL, -1 or unknown. */
struct txn_outcome {
	char *txid;   /* as read: validate before use (name_valid_txid()) */
	int pinned;   /* the transaction has a rollback entry: 1, 0; -1 not recorded */
	int baseline; /* baseline mode (the pin stays after the ESP restore): 1, 0; -1 not recorded
		       */
	enum txn_outcome_result result;
	struct txn_outcome_volume *volumes;
	size_t n_volumes;
	uint64_t time; /* UNIX time; 0 not recorded */
};

void txn_outcome_done(struct txn_outcome *o);
const char *txn_outcome_result_to_string(enum txn_outcome_result r);
enum txn_outcome_result txn_outcome_result_from_string(const char *s);
/* The outcome of what boot did (res), at time. */
int txn_outcome_from_results(const struct txn_results *res, uint64_t time, struct txn_outcome *ret);
/* Write it to path_rundir()/outcome.json (atomically; logged on failure). */
int txn_outcome_write(const struct txn_outcome *o);
/* boot: write the outcome of res, now. */
int txn_outcome_write_results(const struct txn_results *res);
/* Read path_rundir()/outcome.json back: 1, 0 when there is none, -EBADMSG when it is no JSON
 * object (not logged: the caller says what it means), or another negative errno (logged). */
int txn_outcome_load(struct txn_outcome *ret);

/* ---- status (txn-status.c): what LVM, device-mapper and the ESP say now ---- */

struct txn_status_volume {
	char *vg;
	char *origin;
	char *snapshot;
	enum txn_state state;
	uint64_t size; /* bytes */
	double fill;   /* percent, -1 when unknown (inactive) */
	bool invalid;  /* overflowed: cannot be merged */
	bool merging;
	/* Merging: what device-mapper still has to copy back (allocated - metadata sectors of the
	 * origin's snapshot-merge target); -1 when not merging or not known. How much there was at
	 * the start is not known afterwards, so this is no percentage. */
	int64_t merge_remaining_sectors;
	char *mount; /* where the origin was mounted at begin; NULL when unknown */
	bool root;
	uint64_t time; /* UNIX time begin created the snapshot */
	/* A thin snapshot: size is 0, fill is the pool's, pool is "VG/POOL". NULL when thick. */
	char *pool;
};

/* The unattended units (txn-auto.h) for one transaction. */
struct txn_status_auto {
	unsigned pending_boots;
	unsigned good_boots;
	unsigned auto_rollback_boots;
	bool
	    auto_rollback_boots_recorded; /* at begin (what the boot side uses), else rewind.conf */
	uint64_t auto_commit_after;	  /* seconds, 0: auto-commit off */
	uint64_t auto_commit_not_before;  /* UNIX time the grace period ends; 0: off */
};

struct boot_rollback_entry;
struct txn_packages;

struct txn_status_txn {
	char txid[TXID_MAX + 1];
	enum txn_state state;
	char **members; /* NULL when none */
	char **missing; /* members without a snapshot; NULL when none */
	uint64_t time;	/* when it began, 0 when unknown */
	struct txn_status_volume *volumes;
	size_t n_volumes;
	struct boot_rollback_entry *boot; /* the rollback entry (boot.h); NULL when none */
	struct txn_status_auto automatic;
	struct txn_packages *packages; /* what apt changed (txn-packages.h); NULL when none */
	bool baseline;		       /* baseline mode: a rollback restores it and keeps it */
	unsigned restores;	       /* how many times the baseline was restored */
};

struct txn_status {
	struct txn_status_txn *txns;
	size_t n_txns;
	/* Root rolled back to these transactions, the ESP not yet put back. NULL when none. */
	char **esp_restore_pending;
	struct txn_outcome *last_boot; /* path_rundir()/outcome.json; NULL when none */
	/* This boot's health checks (health.h, path_rundir()/health.json), with a transaction
	 * open; NULL when none ran at this boot. */
	struct health_report *health;
};

/* Every transaction, the ESP restores pending and the last boot's outcome. As JSON:
 * txn_status_to_json() (txn-json.c). */
int txn_status(struct lvm *l, struct txn_status *ret);
void txn_status_done(struct txn_status *s);

/* ---- JSON (txn-json.c): the one place the structs above become JSON, and back ---- */

/* status --json (list --json: transactions_only, the "transactions" array), pretty-printed. */
int txn_status_to_json(const struct txn_status *s, bool transactions_only, char **ret);
/* The outcome file's text (pretty), or one line (one_line: the history, history.jsonl). */
int txn_outcome_to_json(const struct txn_outcome *o, bool one_line, char **ret);
/* Outcome JSON text back as a struct: -EBADMSG when it is no JSON object. */
int txn_outcome_from_json(const char *text, struct txn_outcome *ret);
/* The same, from a file: -ENOENT when there is none. */
int txn_outcome_read(const char *path, struct txn_outcome *ret);
