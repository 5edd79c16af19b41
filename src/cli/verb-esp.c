/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The systemd-boot side of the verbs: boot-finish, and the rollback entry in status/rollback. */
#include <inttypes.h>

#include "boot.h"
#include "cli.h"
#include "txn-esp.h"
#include "txn.h"
#include "util.h"

static void print_tries(const char *entry, int tries_left)
{
	printf("    %s: %d tr%s left\n", entry ?: "?", tries_left, tries_left == 1 ? "y" : "ies");
}

/* systemd-boot's boot counters on the entries (boot-count.c). */
static void print_counters(const struct boot_rollback_entry *boot)
{
	if (!boot->counting)
		return;
	printf("  systemd-boot counts boots: %" PRIu64 " tries per entry, then the next entry, in "
	       "the end the rollback entry\n",
	       boot->tries);
	for (size_t i = 0; i < boot->n_counted; i++) {
		const struct boot_counted *e = &boot->counted[i];

		if (e->tries_left < 0)
			printf("    %s: booted fine (counter removed)\n", e->entry);
		else if (e->tries_left == 0)
			printf("    %s: NO TRIES LEFT, marked bad\n", e->entry);
		else
			print_tries(e->entry, e->tries_left);
	}
}

void cli_print_boot_entry(const struct boot_rollback_entry *boot)
{
	if (!boot)
		return;
	printf("  Boot entry: \"%s\", pinned kernel %s%s\n", boot->title ?: "?",
	       boot->version ?: "?", boot->present ? "" : "  MISSING from the ESP");
	if (boot->entry_tries_left == 0)
		printf("    %s: NO TRIES LEFT: the pinned kernel failed too; systemd-boot no "
		       "longer falls back to it and rewind no longer points a boot at it\n",
		       boot->entry ?: "?");
	else if (boot->entry_tries_left > 0)
		print_tries(boot->entry, boot->entry_tries_left);
	print_counters(boot);
}

void cli_print_rollback_entry_hint(const char *txid)
{
	_cleanup_(boot_rollback_entry_freep) struct boot_rollback_entry *d = NULL;

	if (txn_esp_describe(txid, &d) < 0 || !d)
		return;
	printf("The next boot uses the boot menu entry \"%s\", with the kernel of before the "
	       "transaction ('rewind rollback --reboot' reboots now).\n",
	       d->title ?: txid);
}

int verb_boot_finish(const struct verb *v, int argc, char **argv)
{
	_cleanup_free_ char *line = NULL;
	int r;

	_cleanup_(lvm_freep) struct lvm *l = NULL;
	int f, lost = 0;

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
	/* A baseline restore the initramfs left unfinished: lost, never taken of used volumes. */
	if (f >= 0)
		lost = txn_rebase_finish(l, NULL, true);
	/* Root rolled back at this or an earlier boot: the ESP follows, until it is done. */
	if (f >= 0)
		f = txn_finish_restore(l);
	if (f >= 0 && lost < 0)
		f = lost;
	if (r < 0)
		return cli_fail(v, r);
	if (f < 0)
		return cli_fail(v, f);
	return 0;
}
