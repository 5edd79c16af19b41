/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The only user of libkmod: load dm_mod and dm_snapshot (built-in counts as loaded). */
int kmod_ensure_snapshot_modules(void);
/* Whether a module can be loaded (exists in modules.dep or is built in). */
int kmod_module_available(const char *name);
