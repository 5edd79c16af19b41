/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libkmod, so the unit tests never load a real module: every module is "loaded" on request. */
#include <libkmod.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "fake.h"

struct kmod_ctx {
	int dummy;
};

struct kmod_module {
	char name[64];
	bool loaded;
};

static struct kmod_ctx ctx;

struct kmod_ctx *kmod_new(const char *dirname, const char *const *config_paths)
{
	return &ctx;
}

struct kmod_ctx *kmod_unref(struct kmod_ctx *c)
{
	return NULL;
}

void kmod_set_log_fn(struct kmod_ctx *c,
		     void (*log_fn)(void *log_data, int priority, const char *file, int line,
				    const char *fn, const char *format, va_list args),
		     const void *data)
{
}

int kmod_load_resources(struct kmod_ctx *c)
{
	return 0;
}

int kmod_module_new_from_name(struct kmod_ctx *c, const char *name, struct kmod_module **mod)
{
	struct kmod_module *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	strncpy(m->name, name, sizeof(m->name) - 1);
	*mod = m;
	return 0;
}

int kmod_module_new_from_lookup(struct kmod_ctx *c, const char *given_alias,
				struct kmod_list **list)
{
	static int dummy;

	*list = (struct kmod_list *)&dummy;
	return 0;
}

int kmod_module_unref_list(struct kmod_list *list)
{
	return 0;
}

struct kmod_module *kmod_module_unref(struct kmod_module *mod)
{
	free(mod);
	return NULL;
}

int kmod_module_get_initstate(const struct kmod_module *mod)
{
	return mod->loaded ? KMOD_MODULE_LIVE : -ENOENT; /* not loaded, as libkmod says */
}

int kmod_module_probe_insert_module(
    struct kmod_module *mod, unsigned int flags, const char *extra_options,
    int (*run_install)(struct kmod_module *m, const char *cmdline, void *data), const void *data,
    void (*print_action)(struct kmod_module *m, bool install, const char *options))
{
	fake_event("kmod %s", mod->name);
	mod->loaded = true;
	return 0;
}
