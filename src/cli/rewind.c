/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholder main until the verb table lands; keeps the tree building. */
#include <stdio.h>

int main(int argc, char **argv)
{
	fprintf(stderr, "rewind: not built yet\n");
	return 1;
}
