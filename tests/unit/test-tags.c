/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "tags.h"
#include "test.h"
#include "util.h"

static int decode(const char *const *tags, struct txn_tags *t)
{
	return txn_tags_decode((char *const *)tags, t);
}

TEST(test_roundtrip)
{
	char *members[] = {(char *)"vg0/root", (char *)"vg1/data", NULL};
	struct txn_tags t = {.state = TXN_STATE_ARMED,
			     .time = 1795644544,
			     .root = true,
			     .members = members,
			     .boot_id = "0123456789abcdef0123456789abcdef",
			     .auto_boots = 3},
			d;
	_cleanup_strv_ char **tags = NULL;

	strcpy(t.txid, "20261125-101010");
	t.mnt = (char *)"/srv/my data#1,x";
	CHECK_EQ_INT(txn_tags_encode(&t, &tags), 0);
	CHECK_EQ_INT(strv_length(tags), 9);
	CHECK_STREQ(tags[0], "rewind:txn=20261125-101010");
	CHECK_STREQ(tags[1], "rewind:state=armed");
	CHECK_STREQ(tags[2], "rewind:time=1795644544");
	CHECK_STREQ(tags[3], "rewind:mnt=/srv/my#20data#231#2cx");
	CHECK_STREQ(tags[4], "rewind:root");
	CHECK_STREQ(tags[5], "rewind:member=vg0/root");
	CHECK_STREQ(tags[6], "rewind:member=vg1/data");
	CHECK_STREQ(tags[7], "rewind:boot=0123456789abcdef0123456789abcdef");
	CHECK_STREQ(tags[8], "rewind:autoboots=3");
	for (size_t i = 0; tags[i]; i++)
		CHECK_EQ_INT(name_valid_tag(tags[i]), 0);
	CHECK_EQ_INT(txn_tags_decode(tags, &d), 0);
	CHECK(d.present);
	CHECK_STREQ(d.txid, "20261125-101010");
	CHECK_EQ_INT(d.state, TXN_STATE_ARMED);
	CHECK_EQ_INT(d.time, 1795644544);
	CHECK_STREQ(d.mnt, "/srv/my data#1,x");
	CHECK(d.root);
	CHECK_EQ_INT(strv_length(d.members), 2);
	CHECK(strv_contains(d.members, "vg1/data"));
	CHECK_STREQ(d.boot_id, "0123456789abcdef0123456789abcdef");
	CHECK_EQ_INT(d.auto_boots, 3);
	txn_tags_done(&d);
}

TEST(test_phases_and_members)
{
	struct txn_tags t;

	CHECK_EQ_INT(
	    decode((const char *const[]){"rewind:txn=A", "rewind:state=creating", NULL}, &t), 0);
	CHECK_EQ_INT(t.state, TXN_STATE_CREATING);
	CHECK_EQ_INT(t.auto_boots, -1); /* not recorded */
	CHECK(t.members == NULL);
	txn_tags_done(&t);
	CHECK_EQ_INT(
	    decode((const char *const[]){"rewind:txn=A", "rewind:state=committing", NULL}, &t), 0);
	CHECK_EQ_INT(t.state, TXN_STATE_COMMITTING);
	txn_tags_done(&t);
	/* Garbage is refused as a whole, not half trusted. */
	CHECK_EQ_INT(
	    decode((const char *const[]){"rewind:txn=A", "rewind:state=opening", NULL}, &t),
	    -EBADMSG);
	CHECK_EQ_INT(decode((const char *const[]){"rewind:txn=A", "rewind:state=open",
						  "rewind:member=vg0", NULL},
			    &t),
		     -EBADMSG);
	CHECK_EQ_INT(decode((const char *const[]){"rewind:txn=A", "rewind:state=open",
						  "rewind:member=vg0/-x", NULL},
			    &t),
		     -EBADMSG);
	CHECK_EQ_INT(decode((const char *const[]){"rewind:txn=A", "rewind:state=open",
						  "rewind:boot=0123", NULL},
			    &t),
		     -EBADMSG);
	CHECK_EQ_INT(
	    decode((const char *const[]){"rewind:txn=A", "rewind:state=open",
					 "rewind:boot=0123456789ABCDEF0123456789abcdef", NULL},
		   &t),
	    -EBADMSG);
	CHECK_EQ_INT(decode((const char *const[]){"rewind:txn=A", "rewind:state=open",
						  "rewind:autoboots=2", "rewind:autoboots=3", NULL},
			    &t),
		     -EBADMSG);
	CHECK_EQ_INT(decode((const char *const[]){"rewind:txn=A", "rewind:state=open",
						  "rewind:autoboots=99999", NULL},
			    &t),
		     -EBADMSG);
}

TEST(test_foreign_and_unknown)
{
	struct txn_tags t;

	/* Not ours at all */
	CHECK_EQ_INT(decode((const char *const[]){"backup", "owner=alice", NULL}, &t), 0);
	CHECK(!t.present);
	/* Unknown rewind: tags are ignored (a newer version may add some) */
	CHECK_EQ_INT(decode((const char *const[]){"rewind:txn=a", "rewind:state=open",
						  "rewind:future=1", "other", NULL},
			    &t),
		     0);
	CHECK(t.present);
	CHECK_EQ_INT(t.state, TXN_STATE_OPEN);
	CHECK(test_log_contains("Ignoring unknown tag 'rewind:future=1'"));
	txn_tags_done(&t);
	/* No txn tag: not a transaction */
	CHECK_EQ_INT(decode((const char *const[]){"rewind:state=open", NULL}, &t), 0);
	CHECK(!t.present);
}

TEST(test_garbage)
{
	const char *const *const bad[] = {
	    (const char *const[]){"rewind:txn=a", "rewind:txn=b", "rewind:state=open", NULL},
	    (const char *const[]){"rewind:txn=a", "rewind:state=open", "rewind:state=armed", NULL},
	    (const char *const[]){"rewind:txn=a", "rewind:state=maybe", NULL},
	    (const char *const[]){"rewind:txn=a", NULL},
	    (const char *const[]){"rewind:txn=-a", "rewind:state=open", NULL},
	    (const char *const[]){"rewind:txn=", "rewind:state=open", NULL},
	    (const char *const[]){"rewind:txn=a", "rewind:state=open", "rewind:time=12x", NULL},
	    (const char *const[]){"rewind:txn=a", "rewind:state=open", "rewind:time=", NULL},
	    (const char *const[]){"rewind:txn=a", "rewind:state=open", "rewind:mnt=/a#zz", NULL},
	    (const char *const[]){"rewind:txn=a", "rewind:state=open", "rewind:mnt=/a#2", NULL},
	    (const char *const[]){"rewind:txn=a", "rewind:state=open", "rewind:mnt=/a#00", NULL},
	    (const char *const[]){"rewind:txn=a", "rewind:state=open", "rewind:mnt=rel", NULL},
	    (const char *const[]){"rewind:txn=a", "rewind:state=open", "rewind:root", "rewind:root",
				  NULL},
	    (const char *const[]){"rewind:txn=a", "rewind:state=open", "rewind:mnt=/a",
				  "rewind:mnt=/b", NULL},
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct txn_tags t;
		int r = decode(bad[i], &t);
		if (r != -EBADMSG)
			fprintf(stderr, "  case %zu: %d\n", i, r);
		CHECK_EQ_INT(r, -EBADMSG);
		CHECK(!t.present);
		CHECK(t.mnt == NULL);
	}
}

TEST(test_escape)
{
	_cleanup_free_ char *e = tag_escape("/a b/ü");
	_cleanup_free_ char *u = NULL;

	CHECK_STREQ(e, "/a#20b/#c3#bc");
	CHECK_EQ_INT(tag_unescape(e, &u), 0);
	CHECK_STREQ(u, "/a b/ü");
}

int main(void)
{
	int n_failed = 0;

	RUN(test_roundtrip);
	RUN(test_phases_and_members);
	RUN(test_foreign_and_unknown);
	RUN(test_garbage);
	RUN(test_escape);
	return n_failed ? 1 : 0;
}
