/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The fakes of liblvm2cmd, libdevmapper and libkmod share one in-memory model of VGs and LVs and
 * one event log, so a test can assert on the ORDER of LVM commands and dm suspends/resumes.
 */
#include <stdbool.h>
#include <stdint.h>

/* A baseline origin carries a whole snapshot's tags again (rewind-base:*, txn-baseline.c). */
#define FAKE_MAX_TAGS 32

struct fake_lv {
	bool used;
	char vg[128];
	char name[128];
	char attr[11];
	char origin[128];
	uint64_t size;
	char tags[FAKE_MAX_TAGS][256];
	int n_tags;
	bool suspended;
	int snapshot_invalid; /* 1: invalid (overflowed) */
	char dm_target[32];   /* "" means: derive (snapshot / snapshot-origin / linear) */
	char dm_params[64];
	int holders; /* openers besides its own mount ("o"): another mount namespace */
	/* Thin provisioning: a thin volume (attr 'V') in pool, or a pool (attr 't'). */
	char pool[128];
	unsigned thin_id;
	double data_pct, meta_pct; /* a pool's fill */
	bool thin_merging;	   /* a thin merge LVM deferred to the next activation */
};

/* A thin pool and a thin volume in it (active, open when open). */
struct fake_lv *fake_add_thin_pool(const char *vg, const char *name, uint64_t size,
				   double data_pct);
struct fake_lv *fake_add_thin_lv(const char *vg, const char *name, const char *pool, uint64_t size,
				 bool open);

void fake_reset(void);
void fake_add_vg(const char *name, uint64_t free, uint64_t extent);
uint64_t fake_vg_free(const char *name);
/* attr like "-wi-ao----" (active, open) or "-wi-a-----" (active) or "-wi-------" */
struct fake_lv *fake_add_lv(const char *vg, const char *name, uint64_t size, const char *attr);
struct fake_lv *fake_find_lv(const char *vg, const char *name);
int fake_count_lvs(void);
void fake_lv_add_tag(struct fake_lv *lv, const char *tag);
bool fake_lv_has_tag(const struct fake_lv *lv, const char *tag);
/* The LV whose dm name is name (VG-LV with '-' doubled), or NULL. */
struct fake_lv *fake_lv_by_dm_name(const char *name);

/* A line LVM prints (at the report's level) before a report, as its warnings are. */
void fake_report_warning(const char *line);

/* Make the nth (1-based) command starting with prefix fail; leave_lv: leave the LV behind. */
void fake_fail_command(const char *prefix, int nth, bool leave_lv);

/* Keep the dm suspended state and "dm suspend|resume NAME by PID" lines in files under dir (NULL:
 * off), so that forked processes share them as they share the kernel's. */
void fake_dm_share(const char *dir);

/* rollback --now's unmount/mount (fake-mnt.c): test_reset installs them; busy: that target's
 * unmount fails with EBUSY (NULL: none); fail: with the errno err. */
void fake_mnt_busy(const char *target);
/* Mounting target again fails with EIO (NULL: off). */
void fake_mnt_fail_mount(const char *target);
/* Call fn once target is unmounted (NULL: off). */
void fake_mnt_on_unmount(const char *target, void (*fn)(void));
void fake_mnt_fail(const char *target, int err);
extern const struct mount_ops fake_mount_ops;
/* rewind diff's mounts (fake-mnt.c): mounting device shows dir; the probe says fstype (NULL:
 * none); reset: no trees, ext4. */
void fake_diff_tree(const char *device, const char *dir);
void fake_diff_fstype(const char *fstype);
void fake_diff_reset(void);
extern const struct diff_mount_ops fake_diff_mount_ops;

/* Event log: "lvm <command line>", "dm suspend NAME", "dm resume NAME", "kmod NAME". */
void fake_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fake_n_events(void);
const char *fake_event_at(int i);
/* Index of the first event starting with prefix, at or after from; -1 when none. */
int fake_event_find(const char *prefix, int from);
int fake_event_count(const char *prefix);
void fake_events_dump(void);
void fake_events_reset(void);
