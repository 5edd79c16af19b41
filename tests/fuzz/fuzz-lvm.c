/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for LVM's JSON report (lvm_report() in lvm.c): the input is what `lvs
 * --reportformat json` prints, with the VG fields on each row. liblvm2cmd is replaced:
 * lvm2_run() here hands the part to lvm.c's log callback at LVM2_LOG_PRINT, as LVM does; its other
 * entry points are the unit tests' (tests/unit/fake-lvm2cmd-base.c, linked in by the Makefile).
 */
#include <assert.h>
#include <lvm2cmd.h>

#include "../unit/fake-lvm2cmd-base.h"
#include "fuzz.h"
#include "lvm.h"

static const char *lvs_out;

int lvm2_run(void *handle, const char *cmdline)
{
	if (!startswith(cmdline, "lvs "))
		return LVM2_COMMAND_SUCCEEDED + 1;
	fake_lvm2_log(LVM2_LOG_PRINT, lvs_out);
	return LVM2_COMMAND_SUCCEEDED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *lvs = fuzz_next_part(&data, &size, NULL);
	struct lvm *l = NULL;
	struct lvm_report rep = {};

	lvs_out = lvs;
	assert(lvm_new(&l) == 0);
	if (lvm_report(l, true, &rep) == 0) {
		for (size_t i = 0; i < rep.n_lvs; i++) {
			const struct lvm_lv *lv = &rep.lvs[i];

			assert(lv->vg && lv->name && lv->attr && strlen(lv->attr) >= 10 &&
			       lv->tags);
			assert(lvm_report_find_lv(&rep, lv->vg, lv->name));
			(void)lvm_lv_dm_name(lv);
			(void)lvm_lv_is_snapshot(lv);
			(void)lvm_lv_is_active(lv);
			(void)lvm_lv_is_open(lv);
			/* Every LV's VG is in the report: begin and the monitor rely on it. */
			assert(lvm_report_find_vg(&rep, lv->vg));
		}
		assert(rep.n_vgs <= rep.n_lvs);
		for (size_t i = 0; i < rep.n_vgs; i++)
			assert(rep.vgs[i].name && lvm_report_find_vg(&rep, rep.vgs[i].name));
		lvm_report_done(&rep);
	}
	lvm_free(l);
	return 0;
}
