/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The packages an apt run changed, recorded in the transaction that protects it (rewind apt-hook):
 * apt's DPkg::Pre-Install-Pkgs hook information (version 2 or 3) parsed into structs
 * (apt-info.c), and the record of a transaction, path_statedir()/txn/TXID.packages.json
 * (txn-packages.c; its JSON is made and read in txn-json.c).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"

enum txn_pkg_action {
	TXN_PKG_INSTALL,
	TXN_PKG_UPGRADE,
	TXN_PKG_DOWNGRADE,
	TXN_PKG_REINSTALL,
	TXN_PKG_REMOVE,
	TXN_PKG_CONFIGURE, /* only configured (unpacked before, or triggers) */
	_TXN_PKG_ACTION_MAX,
	_TXN_PKG_ACTION_INVALID = -1,
};

const char *txn_pkg_action_to_string(enum txn_pkg_action a);
enum txn_pkg_action txn_pkg_action_from_string(const char *s);

/* At most this many apt runs in one record (unattended-upgrades runs dpkg once per package). */
#define TXN_PACKAGES_RUNS_MAX 10000

/* Each field, as apt wrote it: printable ASCII without spaces, at most APT_FIELD_MAX bytes. */
#define APT_FIELD_MAX 256
/* At most this many packages in one run (a whole distribution upgrade is a few thousand; each is
 * looked up among the others). */
#define APT_PACKAGES_MAX 20000
/* apt's information kept in memory; more is read and dropped (the hook drains its input). */
#define APT_INFO_MAX (32u * 1024 * 1024)

struct txn_package {
	char *name;
	char *arch;	   /* NULL when apt said none */
	char *old_version; /* NULL: not installed before (install) */
	char *new_version; /* NULL: removed */
	enum txn_pkg_action action;
};

/* One apt run (one dpkg invocation; unattended-upgrades makes several). */
struct txn_package_run {
	uint64_t time; /* UNIX time; 0 unknown */
	struct txn_package *packages;
	size_t n_packages;
};

struct txn_packages {
	char *txid;	   /* as read: validate before use */
	bool begun_by_apt; /* false: the transaction was open already (begun by hand) */
	uint64_t began;	   /* the transaction's begin time (txn_began()), to tell a stale record */
	struct txn_package_run *runs;
	size_t n_runs;
};

/* A field as above (apt_info_parse() and the record's reader keep only those). */
bool apt_field_valid(const char *s);

void txn_package_done(struct txn_package *p);
void txn_package_run_done(struct txn_package_run *r);
void txn_packages_done(struct txn_packages *p);

/* What apt said besides the packages. */
struct apt_info {
	unsigned version;    /* 2 or 3 */
	char *chroot;	     /* DPkg::Chroot-Directory, when set and not "/"; NULL otherwise */
	char *root;	     /* Dir, when not "/"; NULL otherwise */
	unsigned n_rejected; /* action lines that did not parse (skipped) */
};

void apt_info_done(struct apt_info *i);

/*
 * Parse the hook's input (text, len bytes; NUL bytes end nothing) into *ret (its time left 0):
 * one entry per package and architecture, in apt's order, the first line of a package deciding
 * its action. 0, -EBADMSG (logged at debug) when it is not version 2 or 3 of apt's hook
 * information, or -ENOMEM. Malformed action lines are skipped and counted.
 */
int apt_info_parse(const char *text, size_t len, struct apt_info *info,
		   struct txn_package_run *ret);

/* Read fd to its end (always: apt writes into a pipe), keeping the first APT_INFO_MAX bytes in
 * *ret (NUL-terminated; *ret_len without it); *ret_truncated when there was more. */
int apt_info_read(int fd, char **ret, size_t *ret_len, bool *ret_truncated);

/* path_statedir()/txn/TXID.packages.json (caller frees); NULL on OOM. */
char *txn_packages_path(const char *txid);
/* The record of txid: 1, 0 when there is none, -EBADMSG when it is no record (not logged), or
 * another negative errno (logged). */
int txn_packages_load(const char *txid, struct txn_packages *ret);
/* The record of the transaction txid that began at began (txn_began()): 1; 0 when there is
 * none, it is of an earlier transaction of that name, or it cannot be read (warned about);
 * -ENOMEM. */
int txn_packages_of(const char *txid, uint64_t began, struct txn_packages *ret);
/* Write the record (atomically; the directory created). */
int txn_packages_save(const struct txn_packages *p);
/* Append run to p (taken over, emptied, even on failure). */
int txn_packages_add_run(struct txn_packages *p, struct txn_package_run *run);
/* Remove the records of transactions not in keep (NULL-terminated TXIDs): once a transaction
 * ended its record is no longer needed. Logged; returns how many were removed. */
int txn_packages_prune(char *const *keep);

/* txn-json.c: the record as JSON (pretty, or one line), and back: -EBADMSG when it is no record
 * (no JSON object, no valid txid); packages that are not valid are skipped. */
int txn_packages_to_json(const struct txn_packages *p, bool one_line, char **ret);
int txn_packages_from_json(const char *text, struct txn_packages *ret);
