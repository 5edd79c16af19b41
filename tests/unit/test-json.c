/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * txn-json.c: the structs of status and of the boot's outcome as JSON, with the field names and
 * shapes scripts use; the outcome file read back as it was written; status's table made from the
 * same structs, with the progress of a merge under way.
 */
#include <errno.h>
#include <json-c/json.h>

#include "cli-run.h"
#include "json-shape.h"
#include "test.h"
#include "txn.h"
#include "util.h"

static struct lvm *L;

static unsigned root(void)
{
	return 0;
}

/* T1 of vg0/root (/) and vg1/data (/srv), as `rewind begin` makes it. */
static void begin_both(void)
{
	test_stdout_begin();
	CHECK_EQ_INT(RUN_CLI("begin", "--name", "T1", "/", "/srv"), 0);
	test_stdout_end();
}

static void add_result(struct txn_results *res, const char *vg, const char *origin,
		       enum txn_action a, double seconds, bool is_root)
{
	_cleanup_free_ char *name = strdup_printf("%s-rewind-T1", origin);
	struct lvm_lv lv = {.vg = (char *)vg, .name = name, .origin = (char *)origin};
	struct txn_snap s = {.lv = &lv, .tags.root = is_root};

	CHECK_EQ_INT(txn_result_add(res, &s, a, NULL, seconds), 0);
}

/* What boot did: root merged, data merging in the background, a member without a snapshot. */
static void results(struct txn_results *res)
{
	*res = (struct txn_results){.txid = "T1", .pinned = true};
	add_result(res, "vg0", "root", TXN_MERGED, 1.5, true);
	add_result(res, "vg1", "data", TXN_MERGING, 0.25, false);
	CHECK_EQ_INT(txn_result_add_member(res, "vg2/logs", TXN_FAILED, "no VG"), 0);
}

static char *outcome_line(const struct txn_outcome *o)
{
	char *s = NULL;

	CHECK_EQ_INT(txn_outcome_to_json(o, true, &s), 0);
	return s;
}

/* The outcome file as the initramfs has always written it: names, order, what is left out. */
TEST(test_outcome_shape)
{
	_cleanup_(txn_outcome_done) struct txn_outcome o = {};
	_cleanup_free_ char *line = NULL;
	struct txn_results res;

	results(&res);
	CHECK_EQ_INT(txn_outcome_from_results(&res, 1790000000, &o), 0);
	txn_results_done(&res);
	line = outcome_line(&o);
	CHECK_STREQ(line, "{\"txid\":\"T1\",\"pinned\":true,\"result\":\"partial\",\"volumes\":["
			  "{\"volume\":\"vg0/root\",\"snapshot\":\"root-rewind-T1\",\"result\":"
			  "\"rolled-back\",\"seconds\":1.5,\"root\":true},"
			  "{\"volume\":\"vg1/data\",\"snapshot\":\"data-rewind-T1\",\"result\":"
			  "\"rolled-back\",\"merging\":true,\"seconds\":0.25},"
			  "{\"volume\":\"vg2/logs\",\"snapshot\":\"\",\"result\":\"failed\","
			  "\"error\":\"no VG\",\"seconds\":0.0}],\"time\":1790000000}");
	/* A result knows root from a snapshot's tag only: not recorded as "not root". */
	CHECK(o.n_volumes == 3 && o.volumes[1].root == -1 && o.volumes[2].root == -1);
}

/* Written to path_rundir()/outcome.json and read back: the same struct, the same text. */
TEST(test_outcome_round_trip)
{
	_cleanup_(txn_outcome_done) struct txn_outcome o = {}, back = {};
	_cleanup_free_ char *a = NULL, *b = NULL, *pretty = NULL, *path = NULL;
	struct txn_results res;

	CHECK_EQ_INT(txn_outcome_load(&back), 0); /* none yet */
	results(&res);
	CHECK_EQ_INT(txn_outcome_from_results(&res, 1790000000, &o), 0);
	txn_results_done(&res);
	CHECK_EQ_INT(txn_outcome_write(&o), 0);
	CHECK_EQ_INT(txn_outcome_load(&back), 1);
	CHECK_STREQ(back.txid, "T1");
	CHECK(back.pinned == 1 && back.result == TXN_OUTCOME_PARTIAL && back.time == 1790000000);
	CHECK_EQ_INT(back.n_volumes, 3);
	if (back.n_volumes == 3) {
		CHECK_STREQ(back.volumes[0].volume, "vg0/root");
		CHECK_STREQ(back.volumes[0].snapshot, "root-rewind-T1");
		CHECK(back.volumes[0].result == TXN_OUTCOME_ROLLED_BACK);
		CHECK(back.volumes[0].root == 1 && !back.volumes[0].merging);
		CHECK(back.volumes[0].seconds == 1.5 && !back.volumes[0].error);
		CHECK(back.volumes[1].merging && back.volumes[1].root == -1);
		CHECK(back.volumes[2].result == TXN_OUTCOME_FAILED);
		CHECK_STREQ(back.volumes[2].error, "no VG");
	}
	a = outcome_line(&o);
	b = outcome_line(&back);
	CHECK_STREQ(a, b);
	/* the file is the pretty form of the same */
	path = strdup_printf("%s/outcome.json", getenv("REWIND_RUNDIR"));
	CHECK_EQ_INT(txn_outcome_to_json(&o, false, &pretty), 0);
	txn_outcome_done(&back);
	CHECK_EQ_INT(txn_outcome_read(path, &back), 0);
	CHECK(pretty && strchr(pretty, '\n'));
	free(b);
	b = NULL;
	CHECK_EQ_INT(txn_outcome_to_json(&back, false, &b), 0);
	CHECK_STREQ(b, pretty);
}

/* An outcome of an older rewind (no root flag, no pinned, no seconds) is read as it is, and
 * written out again without fields it did not have; what is no JSON object is refused. */
TEST(test_outcome_lenient)
{
	static const char old[] = "{\"txid\":\"T1\",\"result\":\"rolled-back\",\"volumes\":["
				  "{\"volume\":\"vg0/root\",\"result\":\"rolled-back\"}]}";
	_cleanup_(txn_outcome_done) struct txn_outcome o = {};
	_cleanup_free_ char *line = NULL;

	CHECK_EQ_INT(txn_outcome_from_json(old, &o), 0);
	CHECK(o.pinned == -1 && o.time == 0 && o.n_volumes == 1);
	CHECK(o.n_volumes == 1 && o.volumes[0].root == -1 && o.volumes[0].seconds == -1 &&
	      !o.volumes[0].snapshot);
	line = outcome_line(&o);
	CHECK_STREQ(line, old);
	txn_outcome_done(&o);
	/* wrong types are not recorded; a volume that is no object is skipped */
	CHECK_EQ_INT(txn_outcome_from_json("{\"txid\":5,\"pinned\":\"yes\",\"result\":\"maybe\","
					   "\"volumes\":[1,{\"root\":1,\"seconds\":-2}],"
					   "\"time\":\"now\"}",
					   &o),
		     0);
	CHECK(!o.txid && o.pinned == -1 && o.result == _TXN_OUTCOME_RESULT_UNKNOWN && o.time == 0);
	CHECK(o.n_volumes == 1 && o.volumes[0].root == -1 && o.volumes[0].seconds == -1 &&
	      o.volumes[0].result == _TXN_OUTCOME_RESULT_UNKNOWN);
	txn_outcome_done(&o);
	CHECK_EQ_INT(txn_outcome_from_json("{ not json", &o), -EBADMSG);
	CHECK_EQ_INT(txn_outcome_from_json("[]", &o), -EBADMSG);
	CHECK_EQ_INT(txn_outcome_from_json("", &o), -EBADMSG);
	test_write("run/outcome.json", "{ not json");
	CHECK_EQ_INT(txn_outcome_load(&o), -EBADMSG);
}

#define S json_type_string
#define I json_type_int
#define D json_type_double
#define B json_type_boolean
#define A json_type_array
#define O json_type_object
#define N json_type_null

/* status --json: every name and type scripts, rewind(8) and rewind-units(7) rely on. */
TEST(test_status_json_shape)
{
	_cleanup_(txn_status_done) struct txn_status st = {};
	_cleanup_(txn_outcome_done) struct txn_outcome o = {};
	_cleanup_free_ char *text = NULL, *list = NULL;
	json_object *root, *t, *v, *last;
	struct txn_results res;

	test_machine();
	begin_both();
	test_write("rewind.conf", "auto_commit_after = 1d\n");
	results(&res);
	CHECK_EQ_INT(txn_outcome_from_results(&res, 1790000000, &o), 0);
	txn_results_done(&res);
	CHECK_EQ_INT(txn_outcome_write(&o), 0);
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK_EQ_INT(txn_status_to_json(&st, false, &text), 0);
	root = text ? json_tokener_parse(text) : NULL;
	CHECK(root != NULL);
	if (!root)
		return;
	members(root,
		(const char *const[]){"transactions", "esp_restore_pending", "last_boot", "health",
				      NULL},
		(const json_type[]){A, A, O, N});
	t = json_object_array_get_idx(member(root, "transactions", A), 0);
	members(t,
		(const char *const[]){"txid", "state", "members", "missing", "time", "baseline",
				      "restores", "volumes", "boot", "auto", "packages", NULL},
		(const json_type[]){S, S, A, A, I, B, I, A, N, O, N});
	CHECK_STREQ(json_object_get_string(member(t, "state", S)), "open");
	members(member(t, "auto", O),
		(const char *const[]){"pending_boots", "good_boots", "auto_rollback_boots",
				      "auto_rollback_boots_recorded", "auto_commit_after",
				      "auto_commit_not_before", NULL},
		(const json_type[]){I, I, I, B, I, I});
	v = json_object_array_get_idx(member(t, "volumes", A), 0);
	members(v,
		(const char *const[]){"vg", "origin", "snapshot", "state", "size", "fill_percent",
				      "invalid", "merging", "merge_remaining_sectors", "mount",
				      "root", "time", "thin_pool", NULL},
		(const json_type[]){S, S, S, S, I, D, B, B, N, S, B, I, N});
	CHECK_STREQ(json_object_get_string(member(v, "fill_percent", D)), "3.20");
	CHECK_STREQ(json_object_get_string(member(v, "mount", S)), "/");
	/* last_boot is the outcome as the file has it */
	last = member(root, "last_boot", O);
	members(last, (const char *const[]){"txid", "pinned", "result", "volumes", "time", NULL},
		(const json_type[]){S, B, S, A, I});
	json_object_put(root);
	/* list --json: the transactions alone */
	CHECK_EQ_INT(txn_status_to_json(&st, true, &list), 0);
	root = list ? json_tokener_parse(list) : NULL;
	CHECK(json_object_is_type(root, json_type_array) && json_object_array_length(root) == 1);
	json_object_put(root);
}

/* A merge under way: what device-mapper has left to copy back, in the struct, the JSON and the
 * table. */
TEST(test_status_merging)
{
	_cleanup_(txn_status_done) struct txn_status st = {};
	_cleanup_free_ char *text = NULL;
	struct fake_lv *origin;
	const char *out;

	test_machine();
	begin_both();
	/* root's merge started: LVM shows the snapshot merging, device-mapper maps the origin as
	 * snapshot-merge with 4112 sectors allocated, 16 of them metadata: 2 MiB left */
	fake_find_lv("vg0", "root-rewind-T1")->attr[0] = 'S';
	origin = fake_find_lv("vg0", "root");
	snprintf(origin->dm_target, sizeof(origin->dm_target), "snapshot-merge");
	snprintf(origin->dm_params, sizeof(origin->dm_params), "4112/8192 16");
	CHECK_EQ_INT(txn_status(L, &st), 0);
	CHECK(st.n_txns == 1 && st.txns[0].n_volumes == 2);
	if (st.n_txns != 1 || st.txns[0].n_volumes != 2)
		return;
	for (size_t i = 0; i < 2; i++) {
		const struct txn_status_volume *v = &st.txns[0].volumes[i];

		if (streq(v->vg, "vg0"))
			CHECK(v->merging && v->merge_remaining_sectors == 4096);
		else
			CHECK(!v->merging && v->merge_remaining_sectors == -1);
	}
	CHECK_EQ_INT(txn_status_to_json(&st, false, &text), 0);
	CHECK(text && strstr(text, "\"merge_remaining_sectors\":4096"));
	CHECK(text && strstr(text, "\"merge_remaining_sectors\":null"));
	test_stdout_begin();
	CHECK_EQ_INT(RUN_CLI("status"), 0);
	out = test_stdout_end();
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "    status printed:\n%s", out);
	CHECK(strstr(out, "  merging, 2 MiB left\n"));
	/* merging, but device-mapper does not say how far (not mapped as snapshot-merge) */
	origin->dm_target[0] = '\0';
	test_stdout_begin();
	CHECK_EQ_INT(RUN_CLI("status"), 0);
	out = test_stdout_end();
	CHECK(strstr(out, "  merging\n"));
}

/* The table: the last boot's outcome, from the struct read back. */
TEST(test_status_table_last_boot)
{
	_cleanup_(txn_outcome_done) struct txn_outcome o = {};
	struct txn_results res;
	const char *out;

	test_machine();
	results(&res);
	CHECK_EQ_INT(txn_outcome_from_results(&res, 1790000000, &o), 0);
	txn_results_done(&res);
	CHECK_EQ_INT(txn_outcome_write(&o), 0);
	test_stdout_begin();
	CHECK_EQ_INT(RUN_CLI("status"), 0);
	out = test_stdout_end();
	CHECK(strstr(out, "No transaction is open.\n"));
	CHECK(strstr(out, "): transaction T1 partly rolled back\n"));
	CHECK(strstr(out, "  vg2/logs             failed: no VG\n"));
}

int main(void)
{
	int n_failed = 0;

	if (lvm_new(&L) < 0)
		return 1;
	cli_geteuid = root;
	RUN(test_outcome_shape);
	RUN(test_outcome_round_trip);
	RUN(test_outcome_lenient);
	RUN(test_status_json_shape);
	RUN(test_status_merging);
	RUN(test_status_table_last_boot);
	lvm_free(L);
	return n_failed ? 1 : 0;
}
