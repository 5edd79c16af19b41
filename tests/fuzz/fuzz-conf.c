/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for rewind.conf (conf.c): the input is the file. */
#include <assert.h>

#include "conf.h"
#include "refusal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *path = fuzz_path("rewind.conf");
	struct conf c;
	unsigned line = 0;
	int r;

	fuzz_write(path, data, size);
	conf_init(&c);
	r = conf_load(path, &c, &line);
	/* A line it refuses is the documented exit 2 (refusal.h). */
	assert(r == 0 || r == -REFUSE_INPUT || r == -ENOMEM);
	if (r == 0) {
		assert(c.monitor_warn_percent <= 100 && c.monitor_extend_percent <= 100);
		for (size_t i = 0; i < c.n_volumes; i++)
			assert(c.volumes[i].target && *c.volumes[i].target);
	}
	conf_done(&c);
	return 0;
}
