/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The shape of a JSON document the library made: which members, of which json-c type. */
#include "json-util.h"
#include "test.h"

/* o's member key, which must be there with that type. */
static inline json_object *member(json_object *o, const char *key, json_type type)
{
	json_object *v = NULL;

	CHECK(json_object_object_get_ex(o, key, &v));
	if (!json_object_is_type(v, type)) {
		fprintf(stderr, "  \"%s\" is %s, expected %s\n", key,
			json_type_to_name(json_object_get_type(v)), json_type_to_name(type));
		test_failed = 1;
	}
	return v;
}

/* o has these members (keys NULL-terminated), of these types, and no other. */
static inline void members(json_object *o, const char *const *keys, const json_type *types)
{
	size_t n = 0;

	for (; keys[n]; n++)
		member(o, keys[n], types[n]);
	CHECK_EQ_INT(json_object_object_length(o), n);
}
