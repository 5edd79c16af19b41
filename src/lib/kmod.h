/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The only user of libkmod: load dm_mod and dm_snapshot (built-in counts as loaded). */
int kmodule_ensure_snapshot(void);
/* Whether a module can be loaded (exists in modules.dep or is built in). */
int kmodule_available(const char *name);
