/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The systemd-boot side of the verbs: boot-finish, and the rollback entry in status/rollback. */
#include <json-c/json.h>

#include "cli.h"
#include "txn-esp.h"
#include "txn.h"
#include "util.h"

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL;
}

/* systemd-boot's boot counters on the entries (boot-count.c). */
static void print_counters(struct json_object *boot)
{
	struct json_object *counted = NULL;

	if (!json_object_object_get_ex(boot, "counted", &counted) || !counted)
		return;
	printf("  systemd-boot counts boots: %s tries per entry, then the next entry, in the end "
	       "the rollback entry\n",
	       jstr(boot, "tries") ?: "?");
	for (size_t i = 0; i < json_object_array_length(counted); i++) {
		struct json_object *e = json_object_array_get_idx(counted, i), *t = NULL;

		json_object_object_get_ex(e, "tries_left", &t);
		if (!t)
			printf("    %s: booted fine (counter removed)\n", jstr(e, "entry") ?: "?");
		else if (json_object_get_int(t) == 0)
			printf("    %s: NO TRIES LEFT, marked bad\n", jstr(e, "entry") ?: "?");
		else
			printf("    %s: %d tr%s left\n", jstr(e, "entry") ?: "?",
			       json_object_get_int(t), json_object_get_int(t) == 1 ? "y" : "ies");
	}
}

void cli_print_boot_entry(struct json_object *txn)
{
	struct json_object *boot = NULL, *present = NULL, *tries = NULL;

	if (!json_object_object_get_ex(txn, "boot", &boot) || !boot)
		return;
	json_object_object_get_ex(boot, "present", &present);
	json_object_object_get_ex(boot, "entry_tries_left", &tries);
	printf("  Boot entry: \"%s\", pinned kernel %s%s\n", jstr(boot, "title") ?: "?",
	       jstr(boot, "version") ?: "?",
	       present && !json_object_get_boolean(present) ? "  MISSING from the ESP" : "");
	if (tries && json_object_get_int(tries) == 0)
		printf("    %s: NO TRIES LEFT: the pinned kernel failed too; systemd-boot no "
		       "longer falls back to it and rewind no longer points a boot at it\n",
		       jstr(boot, "entry") ?: "?");
	else if (tries)
		printf("    %s: %d tr%s left\n", jstr(boot, "entry") ?: "?",
		       json_object_get_int(tries), json_object_get_int(tries) == 1 ? "y" : "ies");
	print_counters(boot);
}

void cli_print_rollback_entry_hint(const char *txid)
{
	struct json_object *d = NULL;

	if (txn_esp_describe(txid, &d) < 0 || !d)
		return;
	printf("The next boot uses the boot menu entry \"%s\", with the kernel of before the "
	       "transaction ('rewind rollback --reboot' reboots now).\n",
	       jstr(d, "title") ?: txid);
	json_object_put(d);
}

int verb_boot_finish(const struct verb *v, int argc, char **argv)
{
	_cleanup_free_ char *line = NULL;
	int r;

	_cleanup_(lvm_freep) struct lvm *l = NULL;
	int f;

	r = cli_check_args(v, argc - 1);
	if (r != 0)
		return r;
	r = txn_esp_boot_finish(&line);
	if (line)
		printf("%s\n", line);
	/* The initramfs found an interrupted commit or begin (path_rundir()/finish). */
	f = lvm_new(&l);
	if (f >= 0)
		f = txn_finish_interrupted(l);
	/* Root rolled back at this or an earlier boot: the ESP follows, until it is done. */
	if (f >= 0)
		f = txn_finish_restore(l);
	if (r < 0)
		return cli_fail(v, r);
	if (f < 0)
		return cli_fail(v, f);
	return 0;
}
