/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The comparison engine of `rewind diff`: two directory trees walked side by side (names sorted
 * by bytes, a merge of the two lists at each level), without mounts or root, so the unit tests
 * and bench/diff-tree run it on plain directories. Pure apart from the file system it reads.
 *
 * Per path it compares the type, mode, owner, group, size, mtime (ns), a symlink's target and a
 * device's numbers. A regular file with the same size and mtime counts as unchanged (rsync's
 * quick check): contents are not read. Access and change times, xattrs, ACLs and hard links are
 * not compared. Every path is reported, the contents of an added or removed directory too (as
 * snapper does). A directory on another file system than the tree's root (a mount point below
 * it) is not entered and, present on both sides, not compared: what is mounted there is not the
 * volume's; the other tree's directory of that name is not entered either (what the volume has
 * there is hidden under the mount on the running system).
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum tree_change {
	TREE_ADDED,    /* only in the new tree */
	TREE_REMOVED,  /* only in the old tree */
	TREE_MODIFIED, /* in both, what differs in tree_diff_entry.what */
	_TREE_CHANGE_MAX,
};

/* What differs (tree_diff_entry.what). */
enum {
	TREE_DIFF_TYPE = 1u << 0,
	TREE_DIFF_MODE = 1u << 1, /* permission bits, setuid/setgid/sticky */
	TREE_DIFF_UID = 1u << 2,
	TREE_DIFF_GID = 1u << 3,
	TREE_DIFF_SIZE = 1u << 4,
	TREE_DIFF_MTIME = 1u << 5,
	TREE_DIFF_TARGET = 1u << 6,  /* a symlink's target */
	TREE_DIFF_RDEV = 1u << 7,    /* a device's major:minor */
	TREE_DIFF_CONTENT = 1u << 8, /* same size, other bytes (TREE_DIFF_CHECKSUM only) */
	_TREE_DIFF_BITS = 9,
};

/* tree_diff_full()'s flags. */
enum {
	/* Read regular files of the same size on both sides and compare their bytes, whatever
	 * their mtimes say (rsync --checksum): slow, every such file is read twice. */
	TREE_DIFF_CHECKSUM = 1u << 0,
};

/* One side of a path, as lstat() saw it. */
struct tree_node {
	mode_t mode; /* type and permission bits; 0: absent */
	uid_t uid;
	gid_t gid;
	uint64_t size;
	int64_t mtime_sec;
	long mtime_nsec;
	dev_t rdev;
	char *target; /* a symlink's target; NULL otherwise */
};

struct tree_diff_entry {
	const char *path; /* "/a/b", relative to the trees' roots; bytes as they are on disk */
	enum tree_change change;
	unsigned what;		   /* TREE_DIFF_* (TREE_MODIFIED only) */
	struct tree_node old_node; /* absent for TREE_ADDED */
	struct tree_node new_node; /* absent for TREE_REMOVED */
};

/* Called for every change in path order; a negative return stops the walk and is returned. */
typedef int (*tree_diff_fn)(void *userdata, const struct tree_diff_entry *e);

struct tree_diff_stats {
	uint64_t compared; /* paths looked at (either side) */
	uint64_t added, removed, modified;
	uint64_t errors; /* paths that could not be read (logged as warnings, the walk goes on) */
};

/* Compare the tree at old_dir with the one at new_dir (directory fds, not taken over). */
int tree_diff(int old_dir, int new_dir, tree_diff_fn fn, void *userdata,
	      struct tree_diff_stats *ret_stats);
int tree_diff_full(int old_dir, int new_dir, unsigned flags, tree_diff_fn fn, void *userdata,
		   struct tree_diff_stats *ret_stats);

const char *tree_change_to_string(enum tree_change c); /* "added", "removed", "modified" */
char tree_change_to_char(enum tree_change c);	       /* 'A', 'D', 'M' */
/* The names of the bits in what, ","-joined into buf ("mode,mtime"); "content" for
 * TREE_DIFF_CONTENT. */
void tree_diff_what_to_string(unsigned what, char *buf, size_t size);
/* "file", "directory", "symlink", "block-device", "char-device", "fifo", "socket". */
const char *tree_type_to_string(mode_t mode);
