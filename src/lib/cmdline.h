/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "names.h"

/*
 * The kernel command line: the one reader of path_cmdline() and the one parser of it, for the
 * initramfs stage (rd.rewind*), boot-failed (a shell asked for) and begin (panic=). Words are
 * split as the kernel splits them: on white space outside double quotes; the quotes are dropped
 * before a word is looked at ("rd.rewind.rollback=T1" and rd.rewind.rollback="T1" are the same;
 * foo="a rd.rewind=0" is one word, foo's). Bounded: at most CMDLINE_MAX bytes, a NUL ends the text,
 * a word longer than CMDLINE_WORD_MAX matches nothing. Nothing in it is an error: a value that
 * does not parse is ignored (and said at the caller's priority).
 */
#define CMDLINE_MAX	     (64u * 1024u) /* the kernel's COMMAND_LINE_SIZE is 2048 to 4096 */
#define CMDLINE_WORD_MAX     256
#define CMDLINE_WAIT_DEFAULT 60
#define CMDLINE_WAIT_MAX     3600

struct cmdline {
	/* rd.rewind=0 or rd.rewind=no (any of them): the initramfs stage does nothing */
	bool disabled;
	/* rd.rewind.rollback=TXID: the last valid one ("" when none); rollback_given: one was
	 * there, valid or not (a boot of the rollback entry, or someone asked for one) */
	char rollback[TXID_MAX + 1];
	bool rollback_given;
	/* rd.rewind.wait=SECONDS (0..CMDLINE_WAIT_MAX, the last valid one), else
	 * CMDLINE_WAIT_DEFAULT: how long the stage waits for a member's volume group */
	unsigned wait;
	/* rd.rewind.stay: a failed boot stays (boot-failed does not reboot it) */
	bool stay;
	/* A person asked for a shell, in systemd's or SysV's spelling (any of): emergency, rescue,
	 * single, s, S, 1, -b, systemd.unit=emergency.target, systemd.unit=rescue.target */
	bool shell;
	/* panic=N with N != 0 (the last valid one, an integer as the kernel reads it): a kernel
	 * panic reboots the machine instead of halting it */
	bool panic_reboots;
};

/* Nothing given: an empty command line. */
void cmdline_init(struct cmdline *ret);

/* Parse text (size bytes at most; a NUL ends it before). Values that are ignored (an invalid
 * rd.rewind.rollback= or rd.rewind.wait=) are logged at priority ignored_prio. */
void cmdline_parse(const char *text, size_t size, int ignored_prio, struct cmdline *ret);

/* path_cmdline(), read once and parsed (cmdline_parse()). 0, or negative errno when it cannot be
 * read: *ret is then an empty command line's. */
int cmdline_read(int ignored_prio, struct cmdline *ret);

/*
 * The next word of text (size bytes at most, a NUL ends it) from *pos, as it stands (its double
 * quotes kept): *ret_word and *ret_len, *pos moved past it; false when there is none left. For
 * callers that write the words out again (a boot entry's options).
 */
bool cmdline_word(const char *text, size_t size, size_t *pos, const char **ret_word,
		  size_t *ret_len);
