/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Files the library reads or writes. Each can be moved by an environment variable so the unit
 * tests run without root in a temporary directory; production never sets them.
 */
const char *path_conf(void);	  /* REWIND_CONF       /etc/rewind/rewind.conf */
const char *path_rundir(void);	  /* REWIND_RUNDIR     /run/rewind */
const char *path_cmdline(void);	  /* REWIND_CMDLINE    /proc/cmdline */
const char *path_mountinfo(void); /* REWIND_MOUNTINFO  /proc/self/mountinfo */
