/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json-util.h"

json_object *jget(json_object *o, const char *key, json_type type)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	if (json_object_is_type(v, type) ||
	    (type == json_type_double && json_object_is_type(v, json_type_int)))
		return v;
	return NULL;
}

const char *jget_str(json_object *o, const char *key)
{
	json_object *v = jget(o, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

int jget_strdup(json_object *o, const char *key, char **ret)
{
	const char *s = jget_str(o, key);

	*ret = s ? strdup(s) : NULL;
	return s && !*ret ? -ENOMEM : 0;
}

int jadd(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int jadd_str(json_object *o, const char *key, const char *value)
{
	return jadd_or_null(o, key, value, value ? json_object_new_string(value) : NULL);
}

int jadd_u64(json_object *o, const char *key, uint64_t value)
{
	return jadd(o, key, json_object_new_int64((int64_t)value));
}

int jadd_or_null(json_object *o, const char *key, bool known, json_object *v)
{
	if (!known) {
		json_object_put(v);
		return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
	}
	return jadd(o, key, v);
}

int jadd_strv(json_object *o, const char *key, char *const *l)
{
	json_object *a = jadd_array(o, key);
	int r = a ? 0 : -ENOMEM;

	for (size_t i = 0; r >= 0 && l && l[i]; i++)
		r = jappend(a, json_object_new_string(l[i]));
	return r;
}

json_object *jadd_array(json_object *o, const char *key)
{
	json_object *a = json_object_new_array();

	return jadd(o, key, a) < 0 ? NULL : a;
}

int jappend(json_object *a, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_array_add(a, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}
