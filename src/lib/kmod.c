/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <libkmod.h>
#include <stdio.h>

#include "kmod.h"
#include "log.h"
#include "util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_ctx *, kmod_unref);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_module *, kmod_module_unref);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_list *, kmod_module_unref_list);

static void kmod_log_cb(void *data, int priority, const char *file, int line, const char *fn,
			const char *format, va_list args)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), format, args);
	buf[strcspn(buf, "\n")] = '\0';
	rewind_log(priority <= 3 ? REWIND_LOG_ERR : REWIND_LOG_DEBUG, file, line, fn, "kmod: %s",
		   buf);
}

static int kmod_open(struct kmod_ctx **ret)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);

	if (!ctx)
		return -ENOMEM;
	kmod_set_log_fn(ctx, kmod_log_cb, NULL);
	(void)kmod_load_resources(ctx);
	*ret = ctx;
	return 0;
}

static int kmod_load(struct kmod_ctx *ctx, const char *name)
{
	_cleanup_(kmod_module_unrefp) struct kmod_module *mod = NULL;
	int r;

	r = kmod_module_new_from_name(ctx, name, &mod);
	if (r < 0)
		return r;
	if (kmod_module_get_initstate(mod) == KMOD_MODULE_BUILTIN ||
	    kmod_module_get_initstate(mod) == KMOD_MODULE_LIVE)
		return 0;
	r = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL, NULL,
					    NULL);
	if (r > 0)
		r = -EPERM; /* blacklisted */
	if (r < 0)
		return log_err_errno(r, "Failed to load kernel module %s: %s", name, strerror(-r));
	log_debug("Loaded kernel module %s.", name);
	return 0;
}

int kmodule_ensure_snapshot(void)
{
	_cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
	int r;

	r = kmod_open(&ctx);
	if (r < 0)
		return r;
	r = kmod_load(ctx, "dm_mod");
	if (r < 0)
		return r;
	return kmod_load(ctx, "dm_snapshot");
}

int kmodule_available(const char *name)
{
	_cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
	_cleanup_(kmod_module_unref_listp) struct kmod_list *list = NULL;
	_cleanup_(kmod_module_unrefp) struct kmod_module *mod = NULL;
	int r;

	r = kmod_open(&ctx);
	if (r < 0)
		return r;
	r = kmod_module_new_from_lookup(ctx, name, &list);
	if (r < 0)
		return r;
	if (list)
		return 1;
	/* Built-in modules are not in the lookup when modules.builtin is missing. */
	r = kmod_module_new_from_name(ctx, name, &mod);
	if (r < 0)
		return r;
	return kmod_module_get_initstate(mod) == KMOD_MODULE_BUILTIN ||
	       kmod_module_get_initstate(mod) == KMOD_MODULE_LIVE;
}
