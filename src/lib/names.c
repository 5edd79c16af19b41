/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LVM's naming rules, after lvm2 lib/misc/lvm-string.c and apply_lvname_restrictions(). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "util.h"

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '_' || c == '.' || c == '-';
}

static int name_valid_common(const char *name)
{
	size_t len;

	if (!name || !*name)
		return -EINVAL;
	len = strlen(name);
	if (len > LVM_NAME_MAX)
		return -ENAMETOOLONG;
	if (name[0] == '-' || streq(name, ".") || streq(name, ".."))
		return -EINVAL;
	for (const char *p = name; *p; p++)
		if (!name_char(*p))
			return -EINVAL;
	return 0;
}

int name_valid_vg(const char *name)
{
	int r = name_valid_common(name);

	if (r < 0)
		return r;
	/* A VG name becomes a /dev directory: these would clash with LVM's own. */
	if (streq(name, "lvm") || streq(name, "mapper") || streq(name, "snapshot"))
		return -EINVAL;
	return 0;
}

int name_valid_lv(const char *name)
{
	/* Names LVM reserves for its hidden sub-LVs (apply_lvname_restrictions). */
	static const char *const reserved[] = {
	    "_cdata", "_cmeta",	 "_corig", "_cpool",   "_cvol",	  "_imeta",
	    "_iorig", "_mimage", "_mlog",  "_pmspare", "_rimage", "_rmeta",
	    "_tdata", "_tmeta",	 "_vdata", "_vorigin", "_wcorig",
	};
	int r = name_valid_common(name);

	if (r < 0)
		return r;
	if (startswith(name, "snapshot") || startswith(name, "pvmove"))
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(reserved); i++)
		if (strstr(name, reserved[i]))
			return -EINVAL;
	return 0;
}

int name_valid_tag(const char *tag)
{
	size_t len;

	if (!tag || !*tag)
		return -EINVAL;
	len = strlen(tag);
	if (len > LVM_TAG_MAX)
		return -ENAMETOOLONG;
	/* lvm_split() treats a word starting with '#' as a comment, and '-' as an option. */
	if (tag[0] == '-' || tag[0] == '#')
		return -EINVAL;
	for (const char *p = tag; *p; p++)
		if (!name_char(*p) && !strchr("/=!:&#", *p))
			return -EINVAL;
	return 0;
}

const char *name_boot_counter(const char *s)
{
	const char *plus = strrchr(s, '+'), *c;

	if (!plus || !isdigit((unsigned char)plus[1]))
		return NULL;
	c = plus + 1 + strspn(plus + 1, "0123456789");
	if (*c == '-' && isdigit((unsigned char)c[1]))
		c += 1 + strspn(c + 1, "0123456789");
	return *c == '\0' ? plus : NULL;
}

int name_valid_txid(const char *txid)
{
	int r;

	if (!txid || !*txid)
		return -EINVAL;
	if (strlen(txid) > TXID_MAX)
		return -ENAMETOOLONG;
	r = name_valid_common(txid);
	if (r < 0)
		return r;
	/* A hidden directory on the ESP (rewind/TXID), or an entry systemd-boot would count down
	 * (rewind-TXID.conf read as rewind-X with a boot counter). */
	if (txid[0] == '.' || name_boot_counter(txid))
		return -EINVAL;
	return 0;
}

char *name_dm(const char *vg, const char *lv)
{
	char *p = malloc(2 * (strlen(vg) + strlen(lv)) + 2), *q = p;

	if (!p)
		return NULL;
	for (const char *s = vg; *s; s++)
		q = *s == '-' ? stpcpy(q, "--") : (*q = *s, q + 1);
	*q++ = '-';
	for (const char *s = lv; *s; s++)
		q = *s == '-' ? stpcpy(q, "--") : (*q = *s, q + 1);
	*q = '\0';
	return p;
}

int name_split_vg_lv(const char *s, char **ret_vg, char **ret_lv)
{
	const char *slash;
	_cleanup_free_ char *vg = NULL, *lv = NULL;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash || strchr(slash + 1, '/'))
		return -EINVAL;
	vg = strndup(s, slash - s);
	lv = strdup(slash + 1);
	if (!vg || !lv)
		return -ENOMEM;
	if (name_valid_vg(vg) < 0 || name_valid_lv(lv) < 0)
		return -EINVAL;
	*ret_vg = TAKE_PTR(vg);
	*ret_lv = TAKE_PTR(lv);
	return 0;
}
