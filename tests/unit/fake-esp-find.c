/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every test binary: finding the ESP never asks the build host's bootctl nor looks at its /efi,
 * /boot/efi or /boot, even in a test that unsets REWIND_ESP (test-esp-find.c sets its own).
 */
#include <stdlib.h>

__attribute__((constructor)) static void fake_esp_find_init(void)
{
	setenv("REWIND_BOOTCTL", "/nonexistent/bootctl", 1);
	setenv("REWIND_ESP_SCAN", "/nonexistent/efi:/nonexistent/boot", 1);
}
