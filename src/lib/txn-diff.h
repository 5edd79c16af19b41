/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * rewind diff: what changed on each member of the open transaction since begin. For each member
 * a child of ours enters a mount namespace of its own (mounts_private_namespace(): a kill leaves
 * no mount behind) and mounts the snapshot read-only without writing to it (ext4 "ro,noload": no
 * journal replay; XFS "ro,norecovery,nouuid"; other file systems are refused) at
 * path_rundir()/diff/snapshot. The origin is compared as it is mounted now (its mount point,
 * without entering what is mounted below), or, not mounted, mounted the same way at
 * path_rundir()/diff/origin. The comparison is tree_diff()'s (tree-diff.h); the child sends each
 * change through a pipe. A snapshot that is inactive (its origin is) is activated with its origin
 * and deactivated again afterwards.
 */
#include <stdbool.h>

#include "lvm.h"
#include "tree-diff.h"
#include "txn.h"

struct txn_diff_member {
	char *volume;	/* "VG/LV" */
	char *snapshot; /* the snapshot LV's name */
	char *fstype;
	char *mount; /* the origin's mount point; NULL when it is not mounted (mounted for the diff)
		      */
	struct tree_diff_stats stats;
	int result; /* 0, or why this member could not be compared (negative errno / refusal) */
};

struct txn_diff_ops {
	/* Before a member's changes, and after them (m->stats, m->result set); NULL: none. */
	int (*member_begin)(void *userdata, const struct txn_diff_member *m);
	int (*member_end)(void *userdata, const struct txn_diff_member *m);
	/* Each change; e->path is relative to the volume's root. */
	int (*change)(void *userdata, const struct txn_diff_member *m,
		      const struct tree_diff_entry *e);
	void *userdata;
};

struct txn_diff_opts {
	char *const *volumes; /* VG/LV or mount points; NULL or empty: every member */
	/* Compare in a child (the CLI). Unit tests with faked mounts pass false. */
	bool fork;
	bool checksum; /* TREE_DIFF_CHECKSUM: read files of the same size */
	/* Take rewind's lock to activate and mount each member, and again to deactivate it; let
	 * it go while the trees are walked (a long diff must not hold up the monitor's extension
	 * of a filling snapshot). The CLI; unit tests pass false. */
	bool lock;
};

/*
 * Diff every member (or those asked). -REFUSE_NO_TXN when none is open, -REFUSE_UNFINISHED when
 * the transaction is not open or armed (a rollback under way: the origin shows the snapshot),
 * -REFUSE_INPUT for a volume that is not a member. A member that cannot be compared (its snapshot
 * invalid, a file system other than ext4 and XFS, a mount that failed) is logged, the others are
 * compared, and the first such failure is returned at the end (its txid in *ret_txid anyway).
 */
int txn_diff(struct lvm *l, const struct txn_diff_opts *o, const struct txn_diff_ops *ops,
	     char **ret_txid);

/* The changes of every member kept in memory (for JSON: txn_diff_to_json(), txn-json.c). */
struct txn_diff_change {
	char *path;
	enum tree_change change;
	unsigned what;
	struct tree_node old_node, new_node; /* targets owned */
};

struct txn_diff_volume {
	struct txn_diff_member m; /* strings owned */
	struct txn_diff_change *changes;
	size_t n_changes, allocated;
};

struct txn_diff_result {
	char *txid;
	struct txn_diff_volume *volumes;
	size_t n_volumes;
};

/* ops that fill a txn_diff_result (userdata). */
extern const struct txn_diff_ops txn_diff_collect_ops;
void txn_diff_result_done(struct txn_diff_result *r);

/* rewind diff --json (txn-json.c): {"transaction", "volumes": [{"volume", "snapshot", "fstype",
 * "mount", "error", "changes": [{"path", "change", "what", "old", "new"}], "summary"}]}. A path or
 * symlink target that is not valid UTF-8 is an array of its bytes instead of a string. */
int txn_diff_to_json(const struct txn_diff_result *d, char **ret);
