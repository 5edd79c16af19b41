/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The only user of liblvm2cmd. Every name and tag is validated before it reaches a command. */
struct lvm;

struct lvm_lv {
	char *vg;
	char *name;
	char *attr;    /* lv_attr, 10 characters */
	char *origin;  /* "" unless a snapshot */
	char *dm_path; /* /dev/mapper/VG-LV */
	char *path;    /* /dev/VG/LV */
	char **tags;
	uint64_t size;
	double snap_percent; /* -1 when not known */
	bool snapshot_invalid;
	bool merging;
	/* Thin provisioning: a thin volume (lv_attr 'V' with a pool) lives in pool; its snapshots
	 * are thin volumes too, with origin set and no size of their own. (Only LV-level fields:
	 * a segment field such as segtype or thin_id turns the report into one row per segment.) */
	bool thin;
	char *pool;	     /* "" unless thin */
	double data_percent; /* a thin pool's data and metadata fill; -1 unknown (inactive) */
	double metadata_percent;
	uint64_t metadata_size; /* a thin pool's metadata LV, bytes */
};

struct lvm_vg {
	char *name;
	uint64_t free;
	uint64_t extent_size;
};

struct lvm_report {
	struct lvm_lv *lvs;
	size_t n_lvs;
	struct lvm_vg *vgs;
	size_t n_vgs;
};

int lvm_new(struct lvm **ret);
void lvm_free(struct lvm *l);
static inline void lvm_freep(struct lvm **l)
{
	if (*l)
		lvm_free(*l);
}

/* No dmeventd: the initramfs has none (what dracut's --sysinit means by --ignoremonitoring). */
void lvm_disable_monitoring(struct lvm *l);

/* One report of all LVs (one lvm command); with_vgs, also the free space and extent size of
 * every VG that has an LV (the VGs of origins and pools, all that rewind asks about). */
int lvm_report(struct lvm *l, bool with_vgs, struct lvm_report *ret);
void lvm_report_done(struct lvm_report *r);
const struct lvm_lv *lvm_report_find_lv(const struct lvm_report *r, const char *vg,
					const char *name);
const struct lvm_vg *lvm_report_find_vg(const struct lvm_report *r, const char *vg);

/* lv_attr helpers */
bool lvm_lv_is_snapshot(const struct lvm_lv *lv); /* 's' or 'S' (merging) */
bool lvm_lv_is_active(const struct lvm_lv *lv);
bool lvm_lv_is_open(const struct lvm_lv *lv);
/* The device-mapper name, from lv_dm_path; NULL when unknown. */
const char *lvm_lv_dm_name(const struct lvm_lv *lv);

/* bytes 0: a thin snapshot (the origin is thin), which LVM creates inactive (activation skip).
 * chunk_kib: lvcreate -c of a thick one; 0: LVM's default. */
int lvm_snapshot_create(struct lvm *l, const char *vg, const char *origin, const char *name,
			uint64_t bytes, uint32_t chunk_kib, char *const *tags);
/* The thin pool that holds lv (its report entry), or NULL. */
const struct lvm_lv *lvm_report_thin_pool(const struct lvm_report *r, const struct lvm_lv *lv);
/* A thin pool that cannot take metadata changes now: failed ('F') or read-only metadata ('M'). */
bool lvm_pool_unusable(const struct lvm_lv *pool);
/* The pool's device id of a thin volume (a report of its own: thin_id is a segment field). */
int lvm_thin_id(struct lvm *l, const char *vg, const char *lv, uint64_t *ret);
/* Merge a thin snapshot: with origin and snapshot closed, LVM swaps them in the metadata at
 * once (the snapshot's device takes the origin's name, UUID and tags; the old one is deleted). */
int lvm_thin_merge(struct lvm *l, const char *vg, const char *snapshot);
/* Finish a thin merge LVM deferred to the origin's activation (lvpoll merge_thin). */
int lvm_thin_merge_resume(struct lvm *l, const char *vg, const char *origin);
/* lvextend --poolmetadatasize +<bytes>b VG/POOL */
int lvm_pool_metadata_extend(struct lvm *l, const char *vg, const char *pool, uint64_t bytes);
int lvm_lv_remove(struct lvm *l, const char *vg, const char *lv);
/* lvextend -L +<bytes>b VG/LV (LVM rounds up to whole extents). */
int lvm_lv_extend(struct lvm *l, const char *vg, const char *lv, uint64_t bytes);
int lvm_lv_change_tags(struct lvm *l, const char *vg, const char *lv, char *const *add,
		       char *const *del);
/* sysinit: the initramfs form (no polling, no monitoring, like dracut's activation). */
int lvm_lv_activate(struct lvm *l, const char *vg, const char *lv, bool sysinit);
int lvm_lv_deactivate(struct lvm *l, const char *vg, const char *lv);
/* lvchange -ay -K: a thin snapshot, which LVM creates with the activation-skip flag. */
int lvm_lv_activate_skipped(struct lvm *l, const char *vg, const char *lv);
/* Start a snapshot merge and poll it to the end in this process (no lvmpolld). */
int lvm_merge(struct lvm *l, const char *vg, const char *snapshot);
/* Start a snapshot merge and return: LVM's background polling removes the snapshot at its end
 * (lvmpolld, or a child LVM forks from the caller: call it in a child of your own). own_poller:
 * never lvmpolld (the initramfs has none). */
int lvm_merge_background(struct lvm *l, const char *vg, const char *snapshot, bool own_poller);
/* Poll an already started merge (after a power cut) to the end; takes the origin. */
int lvm_merge_resume(struct lvm *l, const char *vg, const char *origin);
