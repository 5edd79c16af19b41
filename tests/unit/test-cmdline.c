/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel command line parser (cmdline.c): what the boot stage, boot-failed and begin read. */
#include <errno.h>

#include "cmdline.h"
#include "test.h"
#include "txn.h"
#include "util.h"

static struct cmdline parse(const char *text)
{
	struct cmdline c;

	cmdline_parse(text, strlen(text), REWIND_LOG_WARNING, &c);
	return c;
}

TEST(test_defaults)
{
	struct cmdline c = parse("BOOT_IMAGE=/vmlinuz root=/dev/mapper/vg0-root ro quiet\n");

	CHECK(!c.disabled && !c.rollback_given && !c.stay && !c.shell && !c.panic_reboots);
	CHECK_STREQ(c.rollback, "");
	CHECK_EQ_INT(c.wait, CMDLINE_WAIT_DEFAULT);
	c = parse("");
	CHECK_EQ_INT(c.wait, CMDLINE_WAIT_DEFAULT);
	cmdline_parse(NULL, 0, REWIND_LOG_DEBUG, &c);
	CHECK_EQ_INT(c.wait, CMDLINE_WAIT_DEFAULT);
}

TEST(test_rewind_words)
{
	struct cmdline c;

	c = parse("ro rd.rewind=0");
	CHECK(c.disabled);
	CHECK(parse("rd.rewind=no").disabled);
	CHECK(parse("rd.rewind=0 rd.rewind=1").disabled); /* any of them */
	CHECK(!parse("rd.rewind=1 rd.rewind=00 rd.rewind rd.rewind=").disabled);

	c = parse("rd.rewind.rollback=T1 ro rd.rewind.wait=120");
	CHECK_STREQ(c.rollback, "T1");
	CHECK(c.rollback_given);
	CHECK_EQ_INT(c.wait, 120);
	/* the last valid one; an invalid one is ignored, with a warning, and still "given" */
	test_log_reset();
	c = parse("rd.rewind.rollback=T1 rd.rewind.rollback=T2 rd.rewind.rollback=$(reboot)");
	CHECK_STREQ(c.rollback, "T2");
	CHECK(test_log_contains("Ignoring invalid rd.rewind.rollback=$(reboot)."));
	c = parse("rd.rewind.rollback=-x rd.rewind.rollback=x+1 rd.rewind.rollback=");
	CHECK_STREQ(c.rollback, "");
	CHECK(c.rollback_given);
	c = parse("rd.rewind.rollback=123456789012345678901234567890123");
	CHECK_STREQ(c.rollback, "");

	test_log_reset();
	c = parse("rd.rewind.wait=0 rd.rewind.wait=3601 rd.rewind.wait=-1 rd.rewind.wait=1x");
	CHECK_EQ_INT(c.wait, 0);
	CHECK(test_log_contains("Ignoring invalid rd.rewind.wait=3601."));
	CHECK(test_log_contains("Ignoring invalid rd.rewind.wait=1x."));
	CHECK_EQ_INT(parse("rd.rewind.wait=3600").wait, 3600);
	CHECK_EQ_INT(parse("rd.rewind.wait=99999999999999999999999").wait, CMDLINE_WAIT_DEFAULT);

	CHECK(parse("quiet rd.rewind.stay").stay);
	CHECK(!parse("rd.rewind.stay=1 rd.rewind.stayx").stay);
	/* nothing else of rd.rewind. is a word of ours */
	c = parse("rd.rewind.debug rd.rewind.rollback rd.rewind.wait");
	CHECK(!c.disabled && !c.rollback_given && !c.stay && c.wait == CMDLINE_WAIT_DEFAULT);
}

TEST(test_shell_words)
{
	static const char *const yes[] = {"emergency",
					  "rescue",
					  "single",
					  "s",
					  "S",
					  "1",
					  "-b",
					  "systemd.unit=emergency.target",
					  "systemd.unit=rescue.target",
					  "\"emergency\""};
	static const char *const no[] = {
	    "xemergency",   "rescue=0",	       "2", "-bb", "S1", "systemd.unit=multi-user.target",
	    "systemd.unit", "emergency.target"};

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		_cleanup_free_ char *s = strdup_printf("ro %s quiet", yes[i]);
		CHECK(parse(s).shell);
	}
	for (size_t i = 0; i < ELEMENTSOF(no); i++) {
		_cleanup_free_ char *s = strdup_printf("ro %s quiet", no[i]);
		CHECK(!parse(s).shell);
	}
}

TEST(test_panic)
{
	CHECK(!parse("ro").panic_reboots);
	CHECK(parse("panic=10").panic_reboots);
	CHECK(parse("panic=-1").panic_reboots);
	CHECK(parse("panic=0x10").panic_reboots);
	CHECK(!parse("panic=0").panic_reboots);
	CHECK(!parse("panic=00").panic_reboots);
	CHECK(!parse("panic=0x0").panic_reboots);
	CHECK(!parse("panic=10 panic=0").panic_reboots); /* the last one */
	CHECK(parse("panic=0 panic=10").panic_reboots);
	/* what the kernel cannot read as an int changes nothing */
	CHECK(
	    parse("panic=10 panic= panic=x panic=1x panic=\" 0\" panic=9999999999").panic_reboots);
	CHECK(!parse("panic=0 panic=abc").panic_reboots);
	CHECK(!parse("xpanic=10 panic_on_oops=1").panic_reboots);
}

/* Words as the kernel splits them: white space outside double quotes; quotes dropped. */
TEST(test_quoting)
{
	struct cmdline c;

	/* A quoted value is one word: nothing inside it is a word of its own. */
	c = parse("foo=\"a rd.rewind=0 emergency\" rd.rewind.rollback=\"T1\"");
	CHECK(!c.disabled && !c.shell);
	CHECK_STREQ(c.rollback, "T1");
	CHECK(parse("\"rd.rewind=0\"").disabled);
	CHECK(parse("rd.rewind=\"no\"").disabled);
	CHECK(parse("rd.\"rewind.stay\"").stay);
	/* An unterminated quote runs to the end. */
	c = parse("ro foo=\"bar rd.rewind=0 single");
	CHECK(!c.disabled && !c.shell);
	/* Any white space separates, several in a row too; a newline is white space. */
	c = parse("\t rd.rewind.rollback=T3\n\nrd.rewind.wait=5\r\vsingle\f");
	CHECK_STREQ(c.rollback, "T3");
	CHECK_EQ_INT(c.wait, 5);
	CHECK(c.shell);
	/* A NUL ends the text; size bounds it (not NUL-terminated). */
	c = (struct cmdline){};
	cmdline_parse("ro\0rd.rewind=0", 14, REWIND_LOG_DEBUG, &c);
	CHECK(!c.disabled);
	cmdline_parse("rd.rewind=0 single", 11, REWIND_LOG_DEBUG, &c);
	CHECK(c.disabled && !c.shell);
	cmdline_parse("single", 5, REWIND_LOG_DEBUG, &c);
	CHECK(!c.shell);
}

/* A word longer than CMDLINE_WORD_MAX matches nothing (its start may look like one of ours). */
TEST(test_long_words)
{
	char text[3 * CMDLINE_WORD_MAX];
	struct cmdline c;

	snprintf(text, sizeof(text), "rd.rewind.rollback=T1 rd.rewind.rollback=T2%0*d single",
		 CMDLINE_WORD_MAX, 0);
	c = parse(text);
	CHECK_STREQ(c.rollback, "T1");
	CHECK(c.rollback_given && c.shell);
	snprintf(text, sizeof(text), "rd.rewind=0%0*d", CMDLINE_WORD_MAX, 0);
	CHECK(!parse(text).disabled);
	/* exactly CMDLINE_WORD_MAX fits */
	snprintf(text, sizeof(text), "panic=%0*d1", CMDLINE_WORD_MAX - 7, 0);
	CHECK_EQ_INT(strlen(text), CMDLINE_WORD_MAX);
	CHECK(parse(text).panic_reboots);
}

/* The words as they stand (a boot entry's options are written out again). */
TEST(test_words_kept)
{
	const char *s = "  root=/dev/vg0/root  foo=\"a b\"\t\"c d\"e x=\"open end";
	const char *want[] = {"root=/dev/vg0/root", "foo=\"a b\"", "\"c d\"e", "x=\"open end"};
	size_t pos = 0, len, n = 0;
	const char *w;

	while (cmdline_word(s, strlen(s), &pos, &w, &len)) {
		CHECK(n < ELEMENTSOF(want) && len == strlen(want[n]) &&
		      strncmp(w, want[n], len) == 0);
		n++;
	}
	CHECK_EQ_INT(n, ELEMENTSOF(want));
	pos = 0;
	CHECK(!cmdline_word(" \t\n", 3, &pos, &w, &len));
	CHECK(!cmdline_word("", 0, &pos, &w, &len));
}

/* cmdline_read(): path_cmdline(), and the boot stage's txn_boot_cmdline() over it. */
TEST(test_read)
{
	char txid[TXID_MAX + 1];
	struct cmdline c;
	unsigned wait;
	bool disabled;

	test_unlink("cmdline");
	CHECK_EQ_INT(cmdline_read(REWIND_LOG_DEBUG, &c), -ENOENT);
	CHECK(!c.disabled && !c.shell && c.wait == CMDLINE_WAIT_DEFAULT);
	test_log_reset();
	CHECK_EQ_INT(txn_boot_cmdline(&disabled, txid, &wait), 0);
	CHECK(!disabled && !*txid && wait == CMDLINE_WAIT_DEFAULT);
	CHECK(test_log_contains("Cannot read"));

	test_write("cmdline", "BOOT_IMAGE=/vmlinuz ro rd.rewind.rollback=T1 rd.rewind.wait=7\n");
	CHECK_EQ_INT(cmdline_read(REWIND_LOG_DEBUG, &c), 0);
	CHECK_STREQ(c.rollback, "T1");
	CHECK_EQ_INT(txn_boot_cmdline(&disabled, txid, &wait), 0);
	CHECK(!disabled && wait == 7);
	CHECK_STREQ(txid, "T1");
	/* The stage warns about what it ignores; the other readers only say it in the debug log. */
	test_write("cmdline", "rd.rewind.wait=soon\n");
	rewind_log_set_priority(REWIND_LOG_INFO);
	test_log_reset();
	CHECK_EQ_INT(cmdline_read(REWIND_LOG_DEBUG, &c), 0);
	CHECK(!test_log_contains("Ignoring"));
	CHECK_EQ_INT(txn_boot_cmdline(&disabled, txid, &wait), 0);
	CHECK(test_log_contains("Ignoring invalid rd.rewind.wait=soon."));
	rewind_log_set_priority(REWIND_LOG_DEBUG);
}

int main(void)
{
	int n_failed = 0;

	RUN(test_defaults);
	RUN(test_rewind_words);
	RUN(test_shell_words);
	RUN(test_panic);
	RUN(test_quoting);
	RUN(test_long_words);
	RUN(test_words_kept);
	RUN(test_read);
	return n_failed ? 1 : 0;
}
