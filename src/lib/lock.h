/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Serialise rewind commands: flock on path_rundir()/lock. Returns the fd to keep open. */
int rewind_lock(void);
/* In a forked child that outlives the command (LVM's background poller): close our copy of the
 * lock's descriptor, or the lock is held until the child ends. */
void rewind_lock_forget(void);
/* This process holds the lock (rewind_lock() and no rewind_lock_forget() since). */
bool rewind_lock_held(void);
/* The same, giving up after seconds: -ETIMEDOUT (logged) when another command still holds it
 * (apt's hook: apt must not wait for ever). */
int rewind_lock_timeout(unsigned seconds);
