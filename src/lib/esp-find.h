/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

struct boot;

/*
 * Where the ESP is, asked of systemd: `bootctl --print-esp-path`. Only when bootctl is not
 * installed (Debian ships it in systemd-boot), the first of path_esp_scan() (/efi, /boot/efi,
 * /boot) with a loader/ directory. path_esp() set (the unit tests): that directory.
 * -ENOENT: no ESP (bootctl found none: not mounted?). -EXDEV: `bootctl --print-boot-path` names
 * an XBOOTLDR partition, where the boot entries live apart from the ESP: rewind does not support
 * that (warned once).
 */
int esp_find(char **ret);

/* boot_open() of what esp_find() finds, with path_efivars(); -ENOENT also when the ESP has no
 * loader/ (no systemd-boot), -EXDEV as esp_find(). */
int esp_find_open(struct boot **ret);
