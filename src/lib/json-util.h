/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The one getter of json-c members, for every JSON the library reads (LVM's reports, lsblk, the
 * ESP manifest, the boot's outcome), and the adders its writers share. Not part of the API:
 * txn.h and the CLI see structs, never json-c.
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

/* o's member key when it is of that type (json_type_double: any number); NULL when it is absent,
 * null or of another type, or when o is not an object. */
json_object *jget(json_object *o, const char *key, json_type type);
/* The string member key, or NULL (as jget()). */
const char *jget_str(json_object *o, const char *key);
/* A copy of it in *ret (NULL when there is none): 0, or -ENOMEM. */
int jget_strdup(json_object *o, const char *key, char **ret);

/* Add v as o's member key; v NULL (a json_object_new_*() that failed): -ENOMEM. v is o's, or
 * freed, either way. */
int jadd(json_object *o, const char *key, json_object *v);
/* The string value, JSON null when value is NULL. */
int jadd_str(json_object *o, const char *key, const char *value);
int jadd_u64(json_object *o, const char *key, uint64_t value);
/* v when known, else JSON null (v freed). */
int jadd_or_null(json_object *o, const char *key, bool known, json_object *v);
/* A string array, [] for NULL. */
int jadd_strv(json_object *o, const char *key, char *const *l);
/* A new empty array as o's member key; NULL on OOM. */
json_object *jadd_array(json_object *o, const char *key);
/* Append v to the array a, as jadd(). */
int jappend(json_object *a, json_object *v);
