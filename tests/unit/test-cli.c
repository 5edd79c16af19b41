/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Exit codes of the CLI (HACKING.md table), through cli_run() over the fakes. */
#include "cli-run.h"
#include "names.h"
#include "test.h"
#include "util.h"

static unsigned not_root(void)
{
	return 1000;
}

static unsigned root(void)
{
	return 0;
}

TEST(test_usage_errors)
{
	test_machine();
	CHECK_EQ_INT(run_cli((const char *const[]){"rewind", NULL}), EXIT_USAGE);
	CHECK_EQ_INT(RUN_CLI("frobnicate"), EXIT_USAGE);
	CHECK_EQ_INT(RUN_CLI("--bogus"), EXIT_USAGE);
	CHECK_EQ_INT(RUN_CLI("begin", "--size", "lots"), EXIT_USAGE);
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "a b"), EXIT_USAGE);
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "-x"), EXIT_USAGE);
	CHECK_EQ_INT(RUN_CLI("begin", "vg0/root:huge"), EXIT_USAGE);
	CHECK_EQ_INT(RUN_CLI("begin", "vg0/nothere"), EXIT_USAGE);
	CHECK_EQ_INT(RUN_CLI("commit", "extra"), EXIT_USAGE);
	CHECK_EQ_INT(RUN_CLI("rollback", "--later"), EXIT_USAGE);
	CHECK_EQ_INT(RUN_CLI("status", "--yaml"), EXIT_USAGE);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	CHECK_EQ_INT(RUN_CLI("--version"), 0);
	CHECK_EQ_INT(RUN_CLI("--help"), 0);
}

/* A name LVM takes but systemd-boot would read as a boot counter (rewind-x+1.conf is "rewind-x"
 * with one try left): refused as bad usage before anything is created. */
TEST(test_name_boot_counter)
{
	test_machine();
	CHECK_EQ_INT(name_valid_lv("root-rewind-x+1"), 0);
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "x+1"), EXIT_USAGE);
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "x+1-2", "/", "/srv"), EXIT_USAGE);
	CHECK_EQ_INT(RUN_CLI("begin", "--name", ".x"), EXIT_USAGE);
	CHECK_EQ_INT(fake_event_count("lvm lvcreate"), 0);
	CHECK_EQ_INT(fake_n_events(), 0);
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "x+1a", "/"), 0);
	CHECK(fake_find_lv("vg0", "root-rewind-x+1a") != NULL);
}

TEST(test_not_root)
{
	test_machine();
	cli_geteuid = not_root;
	CHECK_EQ_INT(RUN_CLI("begin"), EXIT_NOT_ROOT);
	CHECK_EQ_INT(RUN_CLI("status"), EXIT_NOT_ROOT);
	cli_geteuid = root;
	CHECK_EQ_INT(fake_n_events(), 0);
}

TEST(test_state_errors)
{
	test_machine();
	CHECK_EQ_INT(RUN_CLI("commit"), EXIT_STATE);
	CHECK_EQ_INT(RUN_CLI("rollback"), EXIT_STATE);
	CHECK_EQ_INT(RUN_CLI("cancel"), EXIT_STATE);
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "T1", "/", "/srv"), 0);
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "T2"), EXIT_STATE);
	CHECK_EQ_INT(RUN_CLI("cancel"), EXIT_STATE);
	CHECK_EQ_INT(RUN_CLI("status"), 0);
	CHECK_EQ_INT(RUN_CLI("status", "--json"), 0);
	CHECK_EQ_INT(RUN_CLI("list"), 0);
	CHECK_EQ_INT(RUN_CLI("commit"), 0);
	CHECK(fake_find_lv("vg0", "root-rewind-T1") == NULL);
}

TEST(test_no_space_and_invalid)
{
	test_machine();
	CHECK_EQ_INT(RUN_CLI("begin", "--size", "3G", "/srv"), EXIT_NO_SPACE);
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "T1", "/", "/srv"), 0);
	fake_find_lv("vg1", "data-rewind-T1")->snapshot_invalid = 1;
	CHECK_EQ_INT(RUN_CLI("rollback"), EXIT_INVALID_SNAPSHOT);
	CHECK(fake_lv_has_tag(fake_find_lv("vg0", "root-rewind-T1"), "rewind:state=open"));
}

TEST(test_boot_verb)
{
	test_machine();
	CHECK_EQ_INT(RUN_CLI("boot"), 0);
	CHECK_EQ_INT(RUN_CLI("boot", "x"), EXIT_USAGE);
}

int main(void)
{
	int n_failed = 0;

	/* The initramfs check looks at the host's /boot: point it at nothing. */
	setenv("REWIND_INITRD", "/nonexistent/initrd", 1);
	cli_geteuid = root;
	RUN(test_usage_errors);
	RUN(test_name_boot_counter);
	RUN(test_not_root);
	RUN(test_state_errors);
	RUN(test_no_space_and_invalid);
	RUN(test_boot_verb);
	return n_failed ? 1 : 0;
}
