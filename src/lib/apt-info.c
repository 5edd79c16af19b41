/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * apt's hook information, as DPkg::Pre-Install-Pkgs hooks with
 * DPkg::Tools::Options::<cmd>::Version "3" (or "2") get it on their standard input. apt writes
 * it in pkgDPkgPM::SendPkgsInfo() (apt-pkg/deb/dpkgpm.cc):
 *
 *   VERSION 3
 *   KEY=VALUE                  apt's whole configuration, QuoteString()d ("=\"\n%", spaces and
 *   ...                        what is not printable ASCII as %xx), one item a line
 *   (empty line)
 *   NAME OLDVER OLDARCH OLDMA OP NEWVER NEWARCH NEWMA ACTION    one line per dpkg action
 *
 * OLDVER "- - none" when not installed, NEWVER "- - none" (with OP '>') when removed; OP is
 * '<' (upgrade), '>' (downgrade) or '=' (same version) of NEWVER against OLDVER; ACTION is the
 * .deb's path (unpack), **CONFIGURE**, **REMOVE** (remove and purge) or **ERROR** (an unpack
 * without a path). Version 2 has no ARCH and MA fields ("-" for a version that is none). A
 * package usually has two lines: its unpack and its configure.
 *
 * Nothing here trusts the input: fields are bounded and printable, a line that does not parse is
 * skipped and counted, the configuration is skipped but for the two keys that say that dpkg works
 * on another root.
 */
#include <strings.h>

#include "log.h"
#include "txn-packages.h"
#include "util.h"

static const char *const action_names[_TXN_PKG_ACTION_MAX] = {
    [TXN_PKG_INSTALL] = "install",     [TXN_PKG_UPGRADE] = "upgrade",
    [TXN_PKG_DOWNGRADE] = "downgrade", [TXN_PKG_REINSTALL] = "reinstall",
    [TXN_PKG_REMOVE] = "remove",       [TXN_PKG_CONFIGURE] = "configure",
};

const char *txn_pkg_action_to_string(enum txn_pkg_action a)
{
	return a >= 0 && a < _TXN_PKG_ACTION_MAX ? action_names[a] : NULL;
}

enum txn_pkg_action txn_pkg_action_from_string(const char *s)
{
	int i = string_table_lookup(action_names, ELEMENTSOF(action_names), s);

	return i < 0 ? _TXN_PKG_ACTION_INVALID : (enum txn_pkg_action)i;
}

void txn_package_done(struct txn_package *p)
{
	free(p->name);
	free(p->arch);
	free(p->old_version);
	free(p->new_version);
	*p = (struct txn_package){};
}

void txn_package_run_done(struct txn_package_run *r)
{
	for (size_t i = 0; i < r->n_packages; i++)
		txn_package_done(&r->packages[i]);
	free(r->packages);
	*r = (struct txn_package_run){};
}

void apt_info_done(struct apt_info *i)
{
	free(i->chroot);
	free(i->root);
	*i = (struct apt_info){};
}

/* Printable ASCII without spaces, 1..APT_FIELD_MAX bytes. */
bool apt_field_valid(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (s[n] <= ' ' || s[n] > '~' || n >= APT_FIELD_MAX)
			return false;
	return n > 0;
}

/* "-" (or "none" for the multi-arch field) is no value: NULL. */
static int dup_field(const char *s, char **ret)
{
	*ret = NULL;
	if (streq(s, "-"))
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static struct txn_package *find(struct txn_package_run *run, const char *name, const char *arch)
{
	for (size_t i = 0; i < run->n_packages; i++) {
		struct txn_package *p = &run->packages[i];

		if (streq(p->name, name) && streq(p->arch ?: "", arch ?: ""))
			return p;
	}
	return NULL;
}

/*
 * One action line (split in place). 1 added, 0 already there (its first line decided),
 * -EBADMSG when it does not parse, -ENOMEM.
 */
static int parse_action(char *line, unsigned version, struct txn_package_run *run)
{
	const unsigned n_fields = version >= 3 ? 9 : 5;
	const unsigned op_at = version >= 3 ? 4 : 2;
	char *f[9], *rest = line;
	struct txn_package p = {};
	const char *arch, *what;
	unsigned n = 0;
	char op;

	/* Fields are separated by one space each: an empty field is refused. */
	for (char *t; (t = strsep(&rest, " "));) {
		if (n == n_fields || !apt_field_valid(t))
			return -EBADMSG;
		f[n++] = t;
	}
	if (n != n_fields || strlen(f[op_at]) != 1 || !strchr("<>=", f[op_at][0]))
		return -EBADMSG;
	op = f[op_at][0];
	what = f[n_fields - 1];
	if (what[0] != '/' && !streq(what, "**CONFIGURE**") && !streq(what, "**REMOVE**") &&
	    !streq(what, "**ERROR**"))
		return -EBADMSG;
	/* The architecture: the new version's, else the old one's (version 2 says none). */
	arch = version < 3 ? "-" : !streq(f[op_at + 1], "-") ? f[op_at + 2] : f[2];
	if (find(run, f[0], streq(arch, "-") ? NULL : arch))
		return 0;
	if (run->n_packages >= APT_PACKAGES_MAX)
		return -EBADMSG;
	/* A purge of a package whose files are gone may have no version at all. */
	if (streq(what, "**REMOVE**"))
		p.action = TXN_PKG_REMOVE;
	else if (streq(f[1], "-") && streq(f[op_at + 1], "-"))
		return -EBADMSG; /* neither installed nor to be */
	else if (streq(what, "**CONFIGURE**"))
		p.action = TXN_PKG_CONFIGURE;
	else if (streq(f[1], "-"))
		p.action = TXN_PKG_INSTALL;
	else
		p.action = op == '<'   ? TXN_PKG_UPGRADE
			   : op == '>' ? TXN_PKG_DOWNGRADE
				       : TXN_PKG_REINSTALL;
	if (p.action != TXN_PKG_REMOVE && streq(f[op_at + 1], "-"))
		return -EBADMSG; /* an unpack or configure of nothing */
	if (dup_field(f[0], &p.name) < 0 || dup_field(arch, &p.arch) < 0 ||
	    dup_field(f[1], &p.old_version) < 0 ||
	    (p.action != TXN_PKG_REMOVE && dup_field(f[op_at + 1], &p.new_version) < 0)) {
		txn_package_done(&p);
		return -ENOMEM;
	}
	if (!p.name) { /* a package named "-" */
		txn_package_done(&p);
		return -EBADMSG;
	}
	if (p.action == TXN_PKG_CONFIGURE && !p.old_version) {
		/* Configured, not installed before: installed (unpacked by an earlier run). */
		p.action = TXN_PKG_INSTALL;
	}
	/* Grown to the next power of two when full (only this function grows it). */
	if ((run->n_packages & (run->n_packages - 1)) == 0) {
		struct txn_package *a =
		    reallocarray(run->packages, MAX(run->n_packages * 2, 4u), sizeof(*a));
		if (!a) {
			txn_package_done(&p);
			return -ENOMEM;
		}
		run->packages = a;
	}
	run->packages[run->n_packages++] = p;
	return 1;
}

/* A configuration line: remember DPkg::Chroot-Directory and Dir when they are not "/". */
static int parse_config(const char *line, struct apt_info *info)
{
	const char *eq = strchr(line, '=');
	char **slot;

	if (!eq)
		return 0;
	if ((size_t)(eq - line) == strlen("DPkg::Chroot-Directory") &&
	    strncasecmp(line, "DPkg::Chroot-Directory", eq - line) == 0)
		slot = &info->chroot;
	else if (eq - line == 3 && strncasecmp(line, "Dir", 3) == 0)
		slot = &info->root;
	else
		return 0;
	free(*slot);
	*slot = NULL;
	if (streq(eq + 1, "/") || !eq[1])
		return 0;
	*slot = strndup(eq + 1, APT_FIELD_MAX);
	return *slot ? 0 : -ENOMEM;
}

int apt_info_parse(const char *text, size_t len, struct apt_info *info, struct txn_package_run *ret)
{
	_cleanup_(txn_package_run_done) struct txn_package_run run = {};
	struct apt_info i = {};
	bool config = true;
	size_t at = 0;
	int r = 0;

	*info = (struct apt_info){};
	for (unsigned no = 1; at < len; no++) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
		_cleanup_free_ char *line = NULL;

		if (!nl) /* cut short: a last line without its newline is not trusted */
			break;
		if (no > 1 && config && n > 4 * APT_FIELD_MAX) {
			at += n + 1; /* a configuration line we do not need: skipped unread */
			continue;
		}
		line = strndup(text + at, n);
		if (!line) {
			r = -ENOMEM;
			break;
		}
		at += n + 1;
		if (no == 1) {
			if (streq(line, "VERSION 2"))
				i.version = 2;
			else if (streq(line, "VERSION 3"))
				i.version = 3;
			else {
				log_debug("apt's hook information does not start with VERSION 2 or "
					  "VERSION 3.");
				r = -EBADMSG;
				break;
			}
			continue;
		}
		if (config) {
			if (!*line)
				config = false;
			else
				r = parse_config(line, &i);
			if (r < 0)
				break;
			continue;
		}
		if (!*line)
			continue;
		r = parse_action(line, i.version, &run);
		if (r == -ENOMEM)
			break;
		if (r == -EBADMSG) {
			i.n_rejected++;
			log_debug("apt's hook information, line %u: not a package action, skipped.",
				  no);
		}
		r = 0;
	}
	if (r == 0 && i.version == 0) {
		log_debug("apt's hook information is empty.");
		r = -EBADMSG;
	}
	if (r < 0) {
		apt_info_done(&i);
		return r;
	}
	*info = i;
	*ret = run;
	run = (struct txn_package_run){};
	return 0;
}

struct read_state {
	char *buf;
	size_t len;
	bool truncated;
	bool nomem; /* what came after is drained all the same */
};

static int read_chunk(const void *buf, size_t len, void *userdata)
{
	struct read_state *s = userdata;
	size_t keep = MIN(len, APT_INFO_MAX - s->len);
	char *p;

	if (keep < len)
		s->truncated = true;
	if (keep == 0 || s->nomem)
		return 0; /* drained, not kept */
	p = realloc(s->buf, s->len + keep + 1);
	if (!p) {
		s->nomem = true;
		return 0;
	}
	memcpy(p + s->len, buf, keep);
	s->buf = p;
	s->len += keep;
	s->buf[s->len] = '\0';
	return 0;
}

int apt_info_read(int fd, char **ret, size_t *ret_len, bool *ret_truncated)
{
	struct read_state s = {};
	int r = read_chunks(fd, read_chunk, &s);

	if (r >= 0 && s.nomem)
		r = -ENOMEM;
	if (r < 0) {
		free(s.buf);
		return r;
	}
	if (!s.buf && !(s.buf = strdup(""))) /* nothing was written */
		return -ENOMEM;
	*ret = s.buf;
	*ret_len = s.len;
	*ret_truncated = s.truncated;
	return 0;
}
