/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "names.h"

/* A transaction's state, kept as LVM tags on each of its snapshot LVs (HACKING.md). */
#define TAG_PREFIX "rewind:"

/*
 * The phase of a transaction, on each snapshot. Snapshots of one transaction may disagree after a
 * crash between two lvchanges (one per snapshot); the transaction's phase is then the furthest
 * along, in this order, and the next command finishes the step (txn.c: txn_phase_of()).
 */
enum txn_state {
	TXN_STATE_CREATING,	/* begin is creating the snapshots; never rolled back */
	TXN_STATE_OPEN,		/* begin completed */
	TXN_STATE_ARMED,	/* roll back at the next boot */
	TXN_STATE_ROLLING_BACK, /* merges started: roll every member forward, never undo */
	TXN_STATE_COMMITTING,	/* commit started: finish removing, never roll back */
	_TXN_STATE_MAX,
};

#define BOOT_ID_LEN	32 /* /proc/sys/kernel/random/boot_id without dashes */
#define TXN_MEMBERS_MAX 64

struct txn_tags {
	bool present; /* carries a rewind:txn= tag at all */
	char txid[TXID_MAX + 1];
	enum txn_state state;
	uint64_t time;
	char *mnt; /* decoded mount point, or NULL */
	bool root;
	bool pinned; /* rewind:pinned: begin pinned the booted kernel on the ESP */
	/* rewind:member=VG/LV, one per volume of the transaction, on every snapshot: so that a
	 * missing snapshot (an interrupted begin, a VG not visible) is seen. NULL: none (a
	 * transaction begun by rewind before members were recorded). */
	char **members;
	char boot_id[BOOT_ID_LEN + 1]; /* rewind:boot=ID: the boot that began it; "" unknown */
	/* rewind:autoboots=N: auto_rollback_boots when it began; -1 when not recorded. */
	int auto_boots;
	/* Unattended servers (txn-auto.c); absent tags read as 0. */
	unsigned pending; /* rewind:pending=K  boots since the last confirmed one */
	unsigned good;	  /* rewind:good=M     boots that reached boot-complete.target */
	/* Baseline mode (txn-baseline.c): every rollback takes a new snapshot of the same
	 * content, and the transaction stays open. restores: how many rollbacks so far. */
	bool baseline;	    /* rewind:baseline */
	unsigned restores;  /* rewind:restores=N; absent: 0 */
	uint32_t chunk_kib; /* rewind:chunk=KIB: the chunk size begin chose; 0: LVM's */
};

void txn_tags_done(struct txn_tags *t);
const char *txn_state_to_string(enum txn_state s);

/* Encode into a NULL-terminated list of tags, each valid per name_valid_tag(). */
int txn_tags_encode(const struct txn_tags *t, char ***ret);
/* One tag for a state, e.g. "rewind:state=armed" (static string). */
const char *txn_tags_state_tag(enum txn_state s);

/*
 * Decode the tags of one LV. Tags outside "rewind:" are skipped; unknown rewind: tags are ignored
 * with a debug message. Returns 0 (t->present false when the LV is not ours), or -EBADMSG for
 * duplicates, garbage values or a transaction tag without a state.
 */
int txn_tags_decode(char *const *tags, struct txn_tags *t);
/* On the origin LV of root (not a snapshot: it survives the merge): the ESP is to be put back
 * as it was at the begin of TXID. Set before root's merge starts, removed once the ESP is. */
#define TAG_RESTORE_ESP TAG_PREFIX "restore-esp="
/* Beside it: how many boots the initramfs pointed at the rollback entry again since (bounded). */
#define TAG_REARMED TAG_PREFIX "rearmed="
#define TAG_PINNED  TAG_PREFIX "pinned"

/* The counter tags (txn-auto.c): "rewind:pending=" and "rewind:good=". */
#define TAG_PENDING TAG_PREFIX "pending="
#define TAG_GOOD    TAG_PREFIX "good="

/*
 * On an origin while a baseline restore runs (txn-baseline.c): the tags of the snapshot that is
 * to replace the one being merged, each "rewind:" tag written as "rewind-base:", and its size in
 * "rewind-base:size=BYTES" (0: thin). Written before the merge starts; dropped once the new
 * snapshot exists. Outside "rewind:", so that no transaction is read from an origin.
 */
#define TAG_REBASE_PREFIX "rewind-base:"
/* The origin's tags for the next baseline snapshot t, of size bytes (NULL-terminated). */
int txn_rebase_encode(const struct txn_tags *t, uint64_t size, char ***ret);
/* Those tags back (others are skipped): 0 with t->present false when there are none, -EBADMSG
 * when they are damaged (as txn_tags_decode()). */
int txn_rebase_decode(char *const *tags, struct txn_tags *t, uint64_t *ret_size);

/* VG/LV of a member, valid per LVM's name rules: 0 or -EINVAL. */
int txn_member_valid(const char *m);

/* "#xx" escaping of bytes outside the tag alphabet (and of '#' itself). */
char *tag_escape(const char *s);
int tag_unescape(const char *s, char **ret);
