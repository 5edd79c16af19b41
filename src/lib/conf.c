/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <stdio.h>

#include "conf.h"
#include "log.h"
#include "util.h"

void volume_spec_done(struct volume_spec *v)
{
	free(v->target);
	v->target = NULL;
}

int volume_spec_parse(const char *s, struct volume_spec *ret)
{
	const char *colon = strrchr(s, ':');
	struct volume_spec v = {};

	if (!*s)
		return -EINVAL;
	if (colon && policy_parse(colon + 1, &v.policy) >= 0) {
		v.has_policy = true;
		v.target = strndup(s, colon - s);
	} else if (colon && (s[0] != '/' || !colon[1]))
		return -EINVAL; /* VG/LV:garbage, or a trailing ':' */
	else
		v.target = strdup(s);
	if (!v.target)
		return -ENOMEM;
	if (!*v.target) {
		volume_spec_done(&v);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

void conf_init(struct conf *c)
{
	*c = (struct conf){
	    .monitor_warn_percent = 70, .monitor_extend_percent = 80, .health_check_timeout = 60};
	policy_parse(POLICY_DEFAULT, &c->size);
}

void conf_done(struct conf *c)
{
	for (size_t i = 0; i < c->n_volumes; i++)
		volume_spec_done(&c->volumes[i]);
	free(c->volumes);
	c->volumes = NULL;
	c->n_volumes = 0;
}

int parse_duration(const char *s, uint64_t *ret)
{
	static const struct {
		char unit;
		uint64_t mult;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
	_cleanup_free_ char *num = strdup(s);
	uint64_t mult = 1, v;
	size_t len;

	if (!num)
		return -ENOMEM;
	len = strlen(num);
	if (len > 3 && streq(num + len - 3, "min")) /* systemd's spelling of minutes */
		num[len -= 2] = '\0';
	if (len > 0 && !isdigit((unsigned char)num[len - 1])) {
		bool found = false;
		for (size_t i = 0; i < ELEMENTSOF(units); i++)
			if (num[len - 1] == units[i].unit) {
				mult = units[i].mult;
				found = true;
			}
		if (!found)
			return -EINVAL;
		num[len - 1] = '\0';
	}
	if (safe_atou64(num, &v) < 0 || v > UINT64_MAX / mult)
		return -EINVAL;
	*ret = v * mult;
	return 0;
}

static int parse_percent_value(const char *v, unsigned *ret)
{
	uint64_t n;

	if (safe_atou64(v, &n) < 0 || n > 100)
		return -EINVAL;
	*ret = (unsigned)n;
	return 0;
}

static int conf_set(struct conf *c, const char *key, const char *value, const char *path,
		    unsigned line)
{
	uint64_t n;

	if (streq(key, "volumes")) {
		_cleanup_strv_ char **l = strv_split_ws(value);
		if (!l)
			return -ENOMEM;
		conf_done(c);
		c->volumes = calloc(strv_length(l) + 1, sizeof(struct volume_spec));
		if (!c->volumes)
			return -ENOMEM;
		for (size_t i = 0; l[i]; i++) {
			if (volume_spec_parse(l[i], &c->volumes[i]) < 0) {
				log_err(
				    "%s:%u: invalid volume '%s': expected VG/LV or a mount point, "
				    "optionally with :POLICY.",
				    path, line, l[i]);
				return -REFUSE_INPUT;
			}
			c->n_volumes++;
		}
	} else if (streq(key, "size")) {
		if (policy_parse(value, &c->size) < 0) {
			log_err(
			    "%s:%u: invalid size policy '%s': expected SIZE, N%%SIZE, N%%USED or "
			    "N%%FREE, optionally with ,chunk=4K..512K.",
			    path, line, value);
			return -REFUSE_INPUT;
		}
	} else if (streq(key, "auto_rollback_boots")) {
		if (safe_atou64(value, &n) < 0 || n > 100) {
			log_err("%s:%u: invalid auto_rollback_boots '%s': expected 0..100.", path,
				line, value);
			return -REFUSE_INPUT;
		}
		c->auto_rollback_boots = (unsigned)n;
	} else if (streq(key, "auto_commit_after")) {
		if (parse_duration(value, &c->auto_commit_after) < 0) {
			log_err(
			    "%s:%u: invalid auto_commit_after '%s': expected a duration such as "
			    "7d, 12h or 0.",
			    path, line, value);
			return -REFUSE_INPUT;
		}
	} else if (streq(key, "monitor_warn_percent") || streq(key, "monitor_extend_percent")) {
		unsigned *p = streq(key, "monitor_warn_percent") ? &c->monitor_warn_percent
								 : &c->monitor_extend_percent;
		if (parse_percent_value(value, p) < 0) {
			log_err("%s:%u: invalid %s '%s': expected 0..100.", path, line, key, value);
			return -REFUSE_INPUT;
		}
	} else if (streq(key, "health_check_timeout")) {
		if (parse_duration(value, &n) < 0 || n == 0) {
			log_err("%s:%u: invalid health_check_timeout '%s': expected a duration "
				"such as 60s or 5min, not 0.",
				path, line, value);
			return -REFUSE_INPUT;
		}
		c->health_check_timeout = n;
	} else if (streq(key, "merge")) {
		if (streq(value, "background"))
			c->merge_foreground = false;
		else if (streq(value, "foreground"))
			c->merge_foreground = true;
		else {
			log_err("%s:%u: invalid merge '%s': expected background or foreground.",
				path, line, value);
			return -REFUSE_INPUT;
		}
	} else if (streq(key, "auto_begin")) {
		if (streq(value, "off"))
			c->auto_begin_apt = false;
		else if (streq(value, "apt"))
			c->auto_begin_apt = true;
		else {
			log_err("%s:%u: invalid auto_begin '%s': expected off or apt.", path, line,
				value);
			return -REFUSE_INPUT;
		}
	} else if (streq(key, "auto_begin_required")) {
		if (streq(value, "yes"))
			c->auto_begin_required = true;
		else if (streq(value, "no"))
			c->auto_begin_required = false;
		else {
			log_err("%s:%u: invalid auto_begin_required '%s': expected yes or no.",
				path, line, value);
			return -REFUSE_INPUT;
		}
	} else
		log_warning("%s:%u: unknown key '%s', ignoring.", path, line, key);
	return 0;
}

int conf_load(const char *path, struct conf *c, unsigned *ret_line)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	unsigned line = 0;
	int r;

	if (!f) {
		if (errno == ENOENT) {
			log_debug("%s not found, using defaults.", path);
			return 0;
		}
		return log_err_errno(-errno, "Failed to open %s: %m", path);
	}
	while (getline(&buf, &size, f) >= 0) {
		char *l, *eq, *key, *value;

		line++;
		l = buf;
		l[strcspn(l, "#")] = '\0';
		l = strstrip(l);
		if (!*l)
			continue;
		eq = strchr(l, '=');
		if (!eq) {
			log_err("%s:%u: expected 'key = value'.", path, line);
			r = -REFUSE_INPUT;
			goto fail;
		}
		*eq = '\0';
		key = strstrip(l);
		value = strstrip(eq + 1);
		if (!*key) {
			log_err("%s:%u: missing key before '='.", path, line);
			r = -REFUSE_INPUT;
			goto fail;
		}
		r = conf_set(c, key, value, path, line);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	if (ret_line)
		*ret_line = line;
	return r;
}
