/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for LVM's JSON reports (lvm_report() in lvm.c): the input is what `lvs
 * --reportformat json` prints, "%%", what `vgs --reportformat json` prints. liblvm2cmd is replaced
 * here: lvm2_run() hands the part to lvm.c's log callback at LVM2_LOG_PRINT, as LVM does.
 */
#include <assert.h>
#include <lvm2cmd.h>

#include "fuzz.h"
#include "lvm.h"

static lvm2_log_fn_t log_fn;
static const char *lvs_out, *vgs_out;

void lvm2_log_fn(lvm2_log_fn_t fn)
{
	log_fn = fn;
}

void *lvm2_init(void)
{
	static int handle;

	return &handle;
}

void lvm2_log_level(void *handle, int level)
{
}

void lvm2_exit(void *handle)
{
}

void lvm2_disable_dmeventd_monitoring(void *handle)
{
}

int lvm2_run(void *handle, const char *cmdline)
{
	const char *out = startswith(cmdline, "lvs ")	? lvs_out
			  : startswith(cmdline, "vgs ") ? vgs_out
							: NULL;

	if (!out)
		return LVM2_COMMAND_SUCCEEDED + 1;
	log_fn(LVM2_LOG_PRINT, "fuzz", 1, 0, out);
	return LVM2_COMMAND_SUCCEEDED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *lvs = fuzz_next_part(&data, &size, NULL);
	_cleanup_free_ char *vgs = fuzz_next_part(&data, &size, NULL);
	struct lvm *l = NULL;
	struct lvm_report rep = {};

	lvs_out = lvs;
	vgs_out = vgs;
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
			(void)lvm_report_find_vg(&rep, lv->vg);
		}
		for (size_t i = 0; i < rep.n_vgs; i++)
			assert(rep.vgs[i].name && lvm_report_find_vg(&rep, rep.vgs[i].name));
		lvm_report_done(&rep);
	}
	lvm_free(l);
	return 0;
}
