/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench/diff-tree.sh's driver: tree_diff() of two directories, timed; prints paths per second. */
#include <fcntl.h>
#include <time.h>

#include "tree-diff.h"
#include "util.h"

static int count(void *userdata, const struct tree_diff_entry *e)
{
	(*(uint64_t *)userdata)++;
	return 0;
}

int main(int argc, char **argv)
{
	struct tree_diff_stats st = {};
	struct timespec a, b;
	uint64_t n = 0;
	double s;
	unsigned flags = 0;
	int fa, fb, r;

	if (argc == 4 && streq(argv[1], "--checksum")) {
		flags = TREE_DIFF_CHECKSUM;
		argv++, argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "Usage: %s [--checksum] OLD NEW\n", argv[0]);
		return 2;
	}
	fa = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fb = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fa < 0 || fb < 0) {
		perror("open");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	r = tree_diff_full(fa, fb, flags, count, &n, &st);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (r < 0) {
		fprintf(stderr, "tree_diff: %s\n", strerror(-r));
		return 1;
	}
	s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("%llu paths compared, %llu added, %llu removed, %llu modified in %.3f s: %.0f "
	       "paths/s\n",
	       (unsigned long long)st.compared, (unsigned long long)st.added,
	       (unsigned long long)st.removed, (unsigned long long)st.modified, s,
	       s > 0 ? (double)st.compared / s : 0);
	return 0;
}
