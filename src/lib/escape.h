/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Paths as rewind prints them (rewind diff, its warnings): file names are bytes, a terminal must
 * not get them raw. Printable ASCII and valid UTF-8 other than control characters stay as they
 * are; a backslash becomes "\\"; a control character (below 0x20, 0x7f, and U+0080..U+009F: C1,
 * which some terminals obey) and every byte that is not part of valid UTF-8 becomes "\xHH"
 * (lower-case hex), as systemd's cescape() and `ls --quoting-style=escape` write them. The
 * result is one line and names one path only: the escaping is reversible.
 */
char *path_escape(const char *s);

/* s is valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF). JSON strings must
 * be: rewind diff --json writes a path that is not as an array of its bytes (as journalctl -o
 * json does for such fields). */
bool utf8_valid(const char *s);
