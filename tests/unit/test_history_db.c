/* test_history_db.c: the history store: schema and version, runs written and read back, foreign files refused untouched, the judge. */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fixture_profile.h"
#include "history/history_db.h"
#include "history/history_judge.h"

static char dir[64], path[128];
static struct fixture fx, child;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hp-unit-history-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/h.db", dir);
	fixture_clean(&fx);
	fixture_clean(&child);
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int64_t add(struct hp_history *h, const char *label)
{
	struct hp_profile *profiles[] = {&fx.p, &child.p};
	int scores[] = {91, 80};
	struct hp_history_add in = {"app.hpt", label, NULL, profiles, scores, 2};
	char err[512];
	int64_t id = -1;

	assert_int_equal(hp_history_add_run(h, &in, &id, err, sizeof(err)), 0);
	return id;
}

static void runs_round_trip(void **state)
{
	struct hp_history *h;
	struct hp_history_run *runs;
	struct hp_history_process *procs;
	struct hp_history_function *fns;
	size_t n, np, nf;
	char err[512];

	(void)state;
	/* Reading a history that does not exist: refused, and not created. */
	assert_int_equal(hp_history_open(&h, path, false, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no history here"));
	assert_int_not_equal(access(path, F_OK), 0);

	assert_int_equal(hp_history_open(&h, path, true, err, sizeof(err)), 0);
	fx.p.functions[1].mean_ns = 800000;
	assert_int_equal(add(h, "v1"), 1);
	fx.p.functions[1].mean_ns = 900000;
	child.p.summary.program = "/usr/bin/app"; /* the same program twice: nth 0 and 1 */
	assert_int_equal(add(h, NULL), 2);
	hp_history_close(h);

	assert_int_equal(hp_history_open(&h, path, false, err, sizeof(err)), 0);
	assert_int_equal(hp_history_runs(h, &runs, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(runs[0].label, "v1");
	assert_null(runs[1].label);
	assert_string_equal(runs[0].trace, "app.hpt");
	assert_string_equal(runs[0].root.program, "app");
	assert_true(runs[0].root.root);
	assert_int_equal(runs[0].root.score, 91);
	assert_int_equal(runs[0].root.run_ns, fx.p.summary.run_ns);
	assert_int_equal(runs[0].root.peak_heap_bytes, fx.p.summary.peak_heap_bytes);
	assert_int_equal(runs[0].root.allocations, fx.p.summary.allocations);

	assert_int_equal(hp_history_processes(h, runs[1].id, &procs, &np, err, sizeof(err)), 0);
	assert_int_equal(np, 2);
	assert_true(procs[0].root);
	assert_int_equal(procs[0].nth, 0);
	assert_int_equal(procs[1].nth, 1);
	assert_int_equal(procs[1].score, 80);

	int64_t ids[4];
	size_t nids;
	assert_int_equal(hp_history_earlier(h, runs[1].id, "app", 0, 4, ids, &nids, err, sizeof(err)), 0);
	assert_int_equal(nids, 1);
	assert_int_equal(ids[0], runs[0].root.id);

	assert_int_equal(hp_history_functions(h, procs[0].id, "process_batch", &fns, &nf, err, sizeof(err)), 0);
	assert_int_equal(nf, 1);
	assert_string_equal(fns[0].file, "parser.c");
	assert_int_equal(fns[0].calls, 1000);
	assert_true(fabs(fns[0].mean_ns - 900000) < 1e-6);
	assert_int_equal(fns[0].p99_ns, 1200000);
	assert_false(fns[0].has_cpu); /* not recorded: null */
	hp_history_functions_free(fns, nf);
	hp_history_processes_free(procs, np);
	hp_history_runs_free(runs, n);
	hp_history_close(h);

	/* Stored as the schema says (read with SQLite directly): version, mark, sites by place. */
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM pragma_user_version),"
					    " (SELECT application_id FROM pragma_application_id),"
					    " (SELECT sum(bytes) FROM sites)", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), HP_HISTORY_SCHEMA);
	assert_int_equal(sqlite3_column_int(st, 1), HP_HISTORY_APP_ID);
	assert_int_equal(sqlite3_column_int64(st, 2), 4 * (int64_t)fx.p.sites[0].bytes);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void cpu_time_is_stored_when_recorded(void **state)
{
	struct hp_history *h;
	struct hp_history_function *fns;
	size_t nf;
	char err[512];

	(void)state;
	assert_int_equal(hp_history_open(&h, path, true, err, sizeof(err)), 0);
	fx.p.cpu_time = true;
	fx.p.functions[0].cpu_ns = 123456;
	add(h, "cpu");
	struct hp_history_run *runs;
	size_t n;
	assert_int_equal(hp_history_runs(h, &runs, &n, err, sizeof(err)), 0);
	assert_int_equal(hp_history_functions(h, runs[0].root.id, "main", &fns, &nf, err, sizeof(err)), 0);
	assert_int_equal(nf, 1);
	assert_true(fns[0].has_cpu);
	assert_int_equal(fns[0].cpu_ns, 123456);
	hp_history_functions_free(fns, nf);
	hp_history_runs_free(runs, n);
	hp_history_close(h);
}

static char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	char *buf = malloc(1 << 16);
	assert_non_null(f);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	return buf;
}

static void refused_untouched(const char *why)
{
	struct hp_history *h;
	char err[512];
	size_t n0, n1;
	char *before = slurp(path, &n0);

	for (int create = 0; create < 2; create++) {
		assert_int_equal(hp_history_open(&h, path, create, err, sizeof(err)), -1);
		assert_null(h);
		assert_non_null(strstr(err, why));
	}
	char *after = slurp(path, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(before, after, n0);
	free(before);
	free(after);
}

static void foreign_files_refused(void **state)
{
	(void)state;
	FILE *f = fopen(path, "w");
	fputs("hello, not a database at all, but long enough to hold a header of a hundred bytes ..........\n", f);
	fclose(f);
	refused_untouched("not an SQLite database");

	sqlite3 *db;
	unlink(path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x); INSERT INTO t VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	refused_untouched("another application");

	/* A history written by a newer hookprof. */
	struct hp_history *h;
	char err[512];
	unlink(path);
	assert_int_equal(hp_history_open(&h, path, true, err, sizeof(err)), 0);
	hp_history_close(h);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 7", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	refused_untouched("history schema 7 is newer");
}

static void empty_file_becomes_a_history(void **state)
{
	struct hp_history *h;
	char err[512];

	(void)state;
	close(open(path, O_CREAT | O_WRONLY, 0644)); /* what a concurrent creator may leave for a moment */
	assert_int_equal(hp_history_open(&h, path, true, err, sizeof(err)), 0);
	assert_int_equal(add(h, "x"), 1);
	hp_history_close(h);
}

static void judge_rule(void **state)
{
	const double ten[] = {10.1e6, 10.0e6, 10.2e6, 10.1e6};
	const double noisy[] = {6e6, 14e6, 8e6, 12e6};
	struct hp_trend t;

	(void)state;
	hp_trend_judge(ten, 4, 16e6, 0.20, &t);
	assert_int_equal(t.verdict, HP_VERDICT_SLOWER);
	assert_true(fabs(t.base - 10.1e6) < 1);
	assert_true(t.noise > 0 && t.noise < 1e6);
	hp_trend_judge(ten, 4, 10.1e6, 0.20, &t);
	assert_int_equal(t.verdict, HP_VERDICT_SAME);
	hp_trend_judge(ten, 3, 16e6, 0.20, &t); /* three earlier runs are enough */
	assert_int_equal(t.verdict, HP_VERDICT_SLOWER);
	hp_trend_judge(ten, 2, 16e6, 0.20, &t); /* two are not */
	assert_int_equal(t.verdict, HP_VERDICT_FEW_CALLS);
	hp_trend_judge(noisy, 4, 16e6, 0.20, &t); /* +60%, but runs spread that much */
	assert_int_equal(t.verdict, HP_VERDICT_NOISE);
	const double zero[] = {0, 0, 0};
	hp_trend_judge(zero, 3, 100, 0.20, &t); /* leaking from nothing */
	assert_int_equal(t.verdict, HP_VERDICT_SLOWER);
	const double line[] = {1, 2, 3, 4};
	assert_true(fabs(hp_trend_slope(line, 4) - 1 / 2.5) < 1e-12);
	assert_true(hp_trend_slope(line, 1) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(runs_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(cpu_time_is_stored_when_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(foreign_files_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_file_becomes_a_history, setup, teardown),
		cmocka_unit_test(judge_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
