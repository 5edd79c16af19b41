/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for device-mapper's snapshot status line (devmap_snap_status_parse()): the
 * input is the target type, "%%", the status parameters ("ALLOCATED/TOTAL METADATA"). */
#include <assert.h>

#include "dm.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *target = fuzz_next_part(&data, &size, NULL);
	_cleanup_free_ char *params = fuzz_next_part(&data, &size, NULL);
	struct devmap_snap_status s;
	double pct;

	if (devmap_snap_status_parse(target, params, &s) < 0)
		return 0;
	if (s.invalid || s.overflow || s.merge_failed)
		return 0;
	assert(s.total > 0 && s.allocated <= s.total && s.metadata <= s.allocated);
	pct = devmap_snap_fill_percent(&s);
	assert(pct >= 0 && pct <= 100);
	return 0;
}
