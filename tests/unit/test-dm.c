/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "dm.h"
#include "test.h"

TEST(test_snapshot_status)
{
	struct devmap_snap_status s;

	CHECK_EQ_INT(devmap_snap_status_parse("snapshot", "512/2048 16", &s), 0);
	CHECK_EQ_INT(s.allocated, 512);
	CHECK_EQ_INT(s.total, 2048);
	CHECK_EQ_INT(s.metadata, 16);
	CHECK(devmap_snap_fill_percent(&s) == 25.0);
	CHECK(!s.invalid);
	CHECK_EQ_INT(devmap_snap_status_parse("snapshot", "Invalid", &s), 0);
	CHECK(s.invalid);
	CHECK(devmap_snap_fill_percent(&s) == 100.0);
	CHECK_EQ_INT(devmap_snap_status_parse("snapshot", "Overflow", &s), 0);
	CHECK(s.overflow);
	CHECK_EQ_INT(devmap_snap_status_parse("snapshot-merge", "Merge failed", &s), 0);
	CHECK(s.merge_failed);
}

TEST(test_merge_progress)
{
	struct devmap_snap_status s;

	CHECK_EQ_INT(devmap_snap_status_parse("snapshot-merge", "300/2048 16", &s), 0);
	CHECK(!devmap_snap_merge_done(&s));
	CHECK_EQ_INT(devmap_snap_status_parse("snapshot-merge", "16/2048 16", &s), 0);
	CHECK(devmap_snap_merge_done(&s));
}

TEST(test_status_garbage)
{
	struct devmap_snap_status s;

	CHECK_EQ_INT(devmap_snap_status_parse("linear", "", &s), -EMEDIUMTYPE);
	CHECK_EQ_INT(devmap_snap_status_parse("snapshot", "", &s), -EBADMSG);
	CHECK_EQ_INT(devmap_snap_status_parse("snapshot", "12/0 1", &s), -EBADMSG);
	CHECK_EQ_INT(devmap_snap_status_parse("snapshot", "3000/2048 16", &s), -EBADMSG);
	CHECK_EQ_INT(devmap_snap_status_parse("snapshot", "10/2048 16", &s), -EBADMSG);
	CHECK_EQ_INT(devmap_snap_status_parse("snapshot", "100/2048 16 x", &s), -EBADMSG);
	CHECK_EQ_INT(devmap_snap_status_parse("snapshot", "a/b c", &s), -EBADMSG);
	CHECK_EQ_INT(devmap_snap_status_parse(NULL, "1/2 1", &s), -EINVAL);
}

int main(void)
{
	int n_failed = 0;

	RUN(test_snapshot_status);
	RUN(test_merge_progress);
	RUN(test_status_garbage);
	return n_failed ? 1 : 0;
}
