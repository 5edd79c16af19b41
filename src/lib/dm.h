/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The only user of libdevmapper. Devices are named by their dm name ("vg0-root"). */

void devmap_setup_logging(void);

/* Suspend with lockfs (the filesystem is frozen and flushed), as LVM does. */
int devmap_suspend(const char *name);
int devmap_resume(const char *name);
/*
 * The suspend guard's resume, when begin died inside its window: a device still suspended is
 * resumed, after dropping a table that LVM loaded but did not resume. 1 resumed, 0 was not
 * suspended, negative errno.
 */
int devmap_resume_abandoned(const char *name);
/* 1 if suspended, 0 if not, -ENODEV when there is no such device. */
int devmap_is_suspended(const char *name);

/* How many openers the device has (mounts in any namespace, processes, stacked devices), and
 * its device number. -ENODEV when there is no such device. */
int devmap_open_count(const char *name, unsigned *ret_major, unsigned *ret_minor);

struct devmap_snap_status {
	char target[32];    /* "snapshot", "snapshot-merge", ... */
	bool invalid;	    /* "Invalid" */
	bool overflow;	    /* "Overflow" */
	bool merge_failed;  /* "Merge failed" */
	uint64_t allocated; /* sectors */
	uint64_t total;	    /* sectors */
	uint64_t metadata;  /* sectors */
};

/* Parse one snapshot/snapshot-merge status line (pure: unit tested). */
int devmap_snap_status_parse(const char *target, const char *params,
			     struct devmap_snap_status *ret);
/* The status of a device whose (first) target is snapshot or snapshot-merge. */
int devmap_snap_status(const char *name, struct devmap_snap_status *ret);

/* Fill of a snapshot in percent, or -1 when unknown. */
double devmap_snap_fill_percent(const struct devmap_snap_status *s);
/* A merge is done when only metadata is left. */
static inline bool devmap_snap_merge_done(const struct devmap_snap_status *s)
{
	return s->allocated == s->metadata;
}
