/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "refusal.h"

/* One volume as given on the command line or in `volumes =`: VG/LV or a mount point. */
struct volume_spec {
	char *target;
	bool has_policy;
	struct policy policy;
};

void volume_spec_done(struct volume_spec *v);
/* "TARGET[:POLICY]"; the policy is split at the last ':' only if it parses as one. */
int volume_spec_parse(const char *s, struct volume_spec *ret);

struct conf {
	struct volume_spec *volumes; /* empty: the LV holding / */
	size_t n_volumes;
	struct policy size;
	/* The unattended-server units (txn-auto.c). */
	unsigned auto_rollback_boots;	 /* 0: off */
	uint64_t auto_commit_after;	 /* seconds; 0: off */
	unsigned monitor_warn_percent;	 /* 0..100; 0: off; default 70 */
	unsigned monitor_extend_percent; /* 0..100; 0: off; default 80 */
	/* merge = foreground: a rollback waits until every merge finished (the boot, rollback
	 * --now). Default background: it goes on once every origin presents the merging view. */
	bool merge_foreground;
	/* auto_begin = apt: apt's hook (rewind apt-hook) begins a transaction before dpkg runs;
	 * default off. auto_begin_required: when that fails, apt stops (default: it goes on). */
	bool auto_begin_apt;
	bool auto_begin_required;
	/* Seconds each health check may run before it is killed and fails (health.h); > 0. */
	uint64_t health_check_timeout;
};

void conf_init(struct conf *c);
void conf_done(struct conf *c);

/*
 * Parse a configuration file. A missing file gives the defaults. What it cannot parse is logged
 * as "FILE:LINE: ..." and refused with -REFUSE_INPUT (refusal.h), *ret_line set (when not NULL);
 * a file that cannot be read is a negative errno. Unknown keys warn.
 */
int conf_load(const char *path, struct conf *c, unsigned *ret_line);

/* "30", "90s", "45m", "30min", "12h", "7d", "2w" to seconds. */
int parse_duration(const char *s, uint64_t *ret);
