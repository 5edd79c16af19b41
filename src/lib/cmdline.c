/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel command line (cmdline.h): read once, split as the kernel does, looked up. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmdline.h"
#include "log.h"
#include "paths.h"
#include "util.h"

void cmdline_init(struct cmdline *ret)
{
	*ret = (struct cmdline){.wait = CMDLINE_WAIT_DEFAULT};
}

static bool at_end(const char *text, size_t size, size_t i)
{
	return i >= size || text[i] == '\0';
}

bool cmdline_word(const char *text, size_t size, size_t *pos, const char **ret_word,
		  size_t *ret_len)
{
	size_t i = *pos, start;
	bool quoted = false;

	while (!at_end(text, size, i) && isspace((unsigned char)text[i]))
		i++;
	*pos = i;
	if (at_end(text, size, i))
		return false;
	start = i;
	for (; !at_end(text, size, i) && (quoted || !isspace((unsigned char)text[i])); i++)
		if (text[i] == '"')
			quoted = !quoted;
	*ret_word = text + start;
	*ret_len = i - start;
	*pos = i;
	return true;
}

/* The word without its double quotes in buf; false (buf cut short) when it is too long. */
static bool unquote(const char *w, size_t len, char buf[static CMDLINE_WORD_MAX + 1])
{
	size_t k = 0;

	for (size_t i = 0; i < len; i++) {
		if (w[i] == '"')
			continue;
		if (k == CMDLINE_WORD_MAX) {
			buf[k] = '\0';
			return false;
		}
		buf[k++] = w[i];
	}
	buf[k] = '\0';
	return true;
}

/* The value of "KEY=VALUE" when word is one, else NULL. */
static const char *value_of(const char *word, const char *key_eq)
{
	return startswith(word, key_eq) ? word + strlen(key_eq) : NULL;
}

/* An int as the kernel's kstrtoint(s, 0) reads one: decimal, 0x hex or 0 octal, a sign. */
static bool parse_int(const char *s, long *ret)
{
	char *end;

	errno = 0;
	*ret = strtol(s, &end, 0);
	return *s && !isspace((unsigned char)*s) && !*end && errno == 0 && *ret >= INT32_MIN &&
	       *ret <= INT32_MAX;
}

void cmdline_parse(const char *text, size_t size, int ignored_prio, struct cmdline *ret)
{
	static const char *const shell_words[] = {"emergency", "rescue", "single", "s",
						  "S",	       "1",	 "-b"};
	char buf[CMDLINE_WORD_MAX + 1];
	const char *w, *v;
	size_t pos = 0, len;
	struct cmdline c;
	uint64_t u;
	long n;

	cmdline_init(&c);
	while (text && cmdline_word(text, MIN(size, (size_t)CMDLINE_MAX), &pos, &w, &len)) {
		/* Cut short: no value of ours is that long, no word we look for either. */
		bool whole = unquote(w, len, buf);

		if ((v = value_of(buf, "rd.rewind="))) {
			if (whole && (streq(v, "0") || streq(v, "no")))
				c.disabled = true;
		} else if ((v = value_of(buf, "rd.rewind.rollback="))) {
			c.rollback_given = true;
			if (!whole || name_valid_txid(v) < 0)
				log_full(ignored_prio, "Ignoring invalid rd.rewind.rollback=%.40s.",
					 v);
			else
				strcpy(c.rollback, v);
		} else if ((v = value_of(buf, "rd.rewind.wait="))) {
			if (!whole || safe_atou64(v, &u) < 0 || u > CMDLINE_WAIT_MAX)
				log_full(ignored_prio, "Ignoring invalid %.40s.", buf);
			else
				c.wait = (unsigned)u;
		} else if ((v = value_of(buf, "systemd.unit="))) {
			if (whole && (streq(v, "emergency.target") || streq(v, "rescue.target")))
				c.shell = true;
		} else if ((v = value_of(buf, "panic="))) {
			if (whole && parse_int(v, &n))
				c.panic_reboots = n != 0;
		} else if (whole && streq(buf, "rd.rewind.stay"))
			c.stay = true;
		else
			for (size_t k = 0; whole && k < ELEMENTSOF(shell_words); k++)
				c.shell = c.shell || streq(buf, shell_words[k]);
	}
	*ret = c;
}

int cmdline_read(int ignored_prio, struct cmdline *ret)
{
	_cleanup_close_ int fd = open(path_cmdline(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	size_t n;
	int r;

	cmdline_init(ret);
	if (fd < 0)
		return -errno;
	buf = malloc(CMDLINE_MAX);
	if (!buf)
		return -ENOMEM;
	r = read_full(fd, buf, CMDLINE_MAX, &n);
	if (r < 0)
		return r;
	cmdline_parse(buf, n, ignored_prio, ret);
	return 0;
}
