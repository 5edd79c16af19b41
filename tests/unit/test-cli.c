/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Exit codes of the CLI (HACKING.md table), through cli_run() over the fakes. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli-run.h"
#include "names.h"
#include "refusal.h"
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

/* Only the library's refusals (refusal.h) have exit codes of their own; an errno is a failure,
 * whichever it is. (It was guessed from the errno: ENOENT read as "wrong state", EPERM and EACCES
 * as "not root", EINVAL as "bad input".) */
TEST(test_exit_code_contract)
{
	static const int errnos[] = {EINVAL, ENODEV, ENAMETOOLONG, EEXIST, ENOENT, EALREADY, EPERM,
				     EACCES, ENOSPC, ESTALE,	   ENOPKG, EIO,	   EBUSY,    4095};

	for (size_t i = 0; i < ELEMENTSOF(errnos); i++) {
		/* (a copy: strerror() of an unknown errno reuses its buffer) */
		_cleanup_free_ char *text = strdup(rewind_strerror(-errnos[i]));

		CHECK_EQ_INT(cli_exit_code(-errnos[i]), EXIT_FAILED);
		CHECK(!refusal_is(-errnos[i]));
		CHECK_STREQ(text, strerror(errnos[i]));
	}
	CHECK_EQ_INT(cli_exit_code(0), 0);
	CHECK_EQ_INT(cli_exit_code(-REFUSE_INPUT), EXIT_USAGE);
	CHECK_EQ_INT(cli_exit_code(-REFUSE_TXN_EXISTS), EXIT_STATE);
	CHECK_EQ_INT(cli_exit_code(-REFUSE_NO_TXN), EXIT_STATE);
	CHECK_EQ_INT(cli_exit_code(-REFUSE_UNFINISHED), EXIT_STATE);
	CHECK_EQ_INT(cli_exit_code(-REFUSE_NO_SPACE), EXIT_NO_SPACE);
	CHECK_EQ_INT(cli_exit_code(-REFUSE_SNAPSHOT), EXIT_INVALID_SNAPSHOT);
	CHECK_EQ_INT(cli_exit_code(-REFUSE_NO_MODULE), EXIT_NO_MODULE);
	CHECK_EQ_INT(cli_exit_code(-_REFUSE_END), EXIT_FAILED);
	for (int r = REFUSAL_BASE; r < _REFUSE_END; r++) {
		CHECK(refusal_is(-r));
		CHECK(cli_exit_code(-r) != EXIT_FAILED);
		CHECK(rewind_strerror(-r) && !startswith(rewind_strerror(-r), "Unknown error"));
	}
	CHECK(!refusal_is(-_REFUSE_END));
	CHECK_STREQ(rewind_strerror(-REFUSE_NO_TXN), "No transaction is open");
}

/* A system error on the way is exit 1, never one of the documented refusals. */
TEST(test_system_errors_fail)
{
	char link[512], dir[600];

	test_machine();
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "T1", "/srv"), 0);
	/* umount(2) refused by the kernel (a container without CAP_SYS_ADMIN) as the command runs
	 * as root: the rollback failed. It was exit 4, "not running as root". */
	fake_mnt_fail("/srv", EPERM);
	CHECK_EQ_INT(RUN_CLI("rollback", "--now"), EXIT_FAILED);
	/* The mount went away meanwhile (was 3, "wrong state"), or the kernel says EINVAL (was 2).
	 */
	fake_mnt_fail("/srv", ENOENT);
	CHECK_EQ_INT(RUN_CLI("rollback", "--now"), EXIT_FAILED);
	fake_mnt_fail("/srv", EINVAL);
	CHECK_EQ_INT(RUN_CLI("rollback", "--now"), EXIT_FAILED);
	fake_mnt_busy(NULL);
	CHECK(fake_lv_has_tag(fake_find_lv("vg1", "data-rewind-T1"), "rewind:state=open"));
	CHECK_EQ_INT(fake_event_count("lvm lvconvert"), 0);
	CHECK_EQ_INT(RUN_CLI("commit"), 0);

	/* boot-finish cannot create the history's directory: ENOENT (under a dangling link) from
	 * mkdir(2) was exit 3, "wrong state". */
	snprintf(link, sizeof(link), "%s/dangling", test_tmpdir);
	snprintf(dir, sizeof(dir), "%s/state", link);
	(void)unlink(link);
	CHECK_EQ_INT(symlink("/nonexistent/rewind-test", link), 0);
	setenv("REWIND_STATEDIR", dir, 1);
	test_write("run/outcome.json", "{\"txid\": \"T1\", \"volumes\": [], \"result\": "
				       "\"failed\", \"time\": 1790000000}\n");
	CHECK_EQ_INT(RUN_CLI("boot-finish"), EXIT_FAILED);
	test_unlink("run/outcome.json");
	(void)unlink(link);
}

/* rollback --now --reboot whose merge failed past the point of no return: the next boot finishes
 * it, and --reboot asked for that boot. */
TEST(test_rollback_now_reboot_after_failed_merge)
{
	_cleanup_free_ char *bin = strdup_printf("%s/bin-reboot", test_tmpdir);
	_cleanup_free_ char *path = NULL, *args = NULL, *argsf = NULL, *script = NULL;
	const char *orig = getenv("PATH");

	test_machine();
	CHECK(bin && mkdir_p(bin, 0755) >= 0);
	argsf = strdup_printf("%s/systemctl.args", bin);
	unlink(argsf);
	script = strdup_printf("#!/bin/sh\necho \"$@\" >'%s'\n", argsf);
	CHECK(script && chmod(test_write("bin-reboot/systemctl", script), 0755) == 0);
	path = strdup_printf("%s:%s", bin, orig);
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "T1", "/srv"), 0);
	fake_fail_command("lvconvert", 1, true);
	setenv("PATH", path, 1);
	CHECK_EQ_INT(RUN_CLI("rollback", "--now", "--reboot"), EXIT_FAILED);
	setenv("PATH", orig, 1);
	CHECK(read_one_line_file(argsf, &args) >= 0 && streq(args, "reboot"));
	/* A refusal before the point of no return reboots nothing. */
	free(args);
	args = NULL;
	unlink(argsf);
	CHECK_EQ_INT(RUN_CLI("commit"), EXIT_STATE);
	setenv("PATH", path, 1);
	CHECK(RUN_CLI("rollback", "--now", "--reboot") != 0);
	setenv("PATH", orig, 1);
	CHECK(access(argsf, F_OK) < 0);
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
	RUN(test_exit_code_contract);
	RUN(test_system_errors_fail);
	RUN(test_rollback_now_reboot_after_failed_merge);
	RUN(test_boot_verb);
	return n_failed ? 1 : 0;
}
