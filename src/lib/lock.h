/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Serialise rewind commands: flock on path_rundir()/lock. Returns the fd to keep open. */
int rewind_lock(void);
