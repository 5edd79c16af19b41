/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* LVM's own limits (lib/misc/lvm-string.h NAME_LEN is 128 including the NUL). */
#define LVM_NAME_MAX 127
#define LVM_TAG_MAX  1024
#define TXID_MAX     32

/*
 * Each returns 0 or -EINVAL (-ENAMETOOLONG for length). What passes contains no whitespace, quote
 * or shell/lvm metacharacter, so it can be formatted into an lvm2_run() command string as is.
 */
int name_valid_vg(const char *name);
int name_valid_lv(const char *name);
int name_valid_tag(const char *tag);
/* TXID: [A-Za-z0-9_.+-]{1,TXID_MAX}, not starting with '-' or '.', not ending in a systemd-boot
 * boot counter (name_boot_counter()). The one check of a transaction id, before anything is
 * created with it. */
int name_valid_txid(const char *txid);

/* The '+' of a systemd-boot boot counter "+LEFT[-DONE]" that ends s, or NULL. */
const char *name_boot_counter(const char *s);

/* The device-mapper name of VG/LV ("VG-LV", '-' doubled inside each part); NULL on ENOMEM. */
char *name_dm(const char *vg, const char *lv);

/* Split "VG/LV" into its parts after validating both. */
int name_split_vg_lv(const char *s, char **ret_vg, char **ret_lv);
