/* cmd_history.c: `hookprof-analyze history`: runs kept over time in a database: add, show (text, JSON, Markdown, HTML), check. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "cmd/options.h"
#include "report/config.h"
#include "history/history_db.h"
#include "history/history_judge.h"
#include "history/history_view.h"
#include "util/json_out.h"
#include "util/output_file.h"
#include "report/report.h"
#include "model/run.h"
#include "read/trace_warnings.h"
#include "report/score.h"

static const char usage_line[] =
	"usage: hookprof-analyze history add TRACE... [--db FILE] [--label TEXT] [--window FROM..TO]\n"
	"                                    [--no-children] [--config FILE] [--suppressions FILE]\n"
	"       hookprof-analyze history [show] [--db FILE] [--function NAME] [--format text|json|md]\n"
	"                                    [--html FILE]\n"
	"       hookprof-analyze history check [--db FILE] --max-regression PCT [--window N]";

static void help(void)
{
	printf("%s\n\n"
	       "Keeps runs over time in an SQLite database (docs/history.md): the default is\n"
	       "hookprof-history.db in the current directory, or $HOOKPROF_HISTORY.\n\n"
	       "add    stores each process of each TRACE (and of its child traces): summary, score, every\n"
	       "       function's statistics and every allocation place's totals\n"
	       "  --label TEXT        a name for the run (a commit, a version)\n"
	       "  --window FROM..TO   store the statistics of that stretch only (see report --help)\n"
	       "  --no-children       the given traces only, not their child traces\n"
	       "  --config FILE       score thresholds and weights (docs/config.md)\n"
	       HP_RUN_LEAK_OPTIONS_HELP
	       "show   the runs in order (the default): run time, CPU, allocations, peak heap, leaks and\n"
	       "       score of each root process, the change from the run before and the trend\n"
	       "  --function NAME     that function over the runs: calls, mean, p95, p99, CPU time\n"
	       "  --format F          text (default), json or md\n"
	       "  --html FILE         a self-contained page plotting the runs (mean and p95 of --function)\n"
	       "check  exit 1, one line per regression, when the latest run is worse than the runs before:\n"
	       "       a function's mean time, bytes allocated, peak heap or leaked bytes above the mean of\n"
	       "       the N runs before by more than PCT and by more than their run-to-run spread allows\n"
	       "       (2 standard deviations of one more run); judged from 3 earlier runs on\n"
	       "  --max-regression PCT  e.g. 10%%\n"
	       "  --window N          how many earlier runs make the baseline (default 10)\n",
	       usage_line);
}

#define usage_error(...) hp_usage_error("history", __VA_ARGS__)

#define DEFAULT_DB "hookprof-history.db"
#define DEFAULT_BASELINE_RUNS 10

static const char *db_path(const char *given)
{
	const char *env = getenv("HOOKPROF_HISTORY");

	return given ? given : env && *env ? env : DEFAULT_DB;
}

static void print_child_error(const char *msg, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "hookprof: %s\n", msg);
}

/* ---- add ------------------------------------------------------------------------------------- */

static int add_trace(struct hp_history *h, const char *trace, const char *label, bool children,
		     const struct hp_config *cfg, const char *db)
{
	struct hp_run run;
	char err[1024];
	int64_t id;

	if (hp_run_load(&run, trace, children, NULL, 0, print_child_error, NULL, err, sizeof(err))) {
		fprintf(stderr, "hookprof: %s\n", err);
		return 1;
	}
	size_t n = 1 + run.nchildren;
	struct hp_profile **profiles = calloc(n, sizeof(*profiles));
	int *scores = calloc(n, sizeof(*scores));
	int rc = 1;
	if (!profiles || !scores) {
		fprintf(stderr, "hookprof: %s: %s\n", trace, strerror(ENOMEM));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct hp_score s;
		profiles[i] = i ? run.children[i - 1] : run.root;
		hp_score_profile(profiles[i], cfg, &s);
		scores[i] = s.value;
		hp_profile_print_warnings(profiles[i]);
	}
	struct hp_history_add in = {trace, label, hp_run_window(), profiles, scores, n};
	if (hp_history_add_run(h, &in, &id, err, sizeof(err))) {
		fprintf(stderr, "hookprof: %s\n", err);
		goto out;
	}
	fprintf(stderr, "hookprof: run %" PRId64 " added to %s: %s, %zu process%s\n", id, db,
		hp_basename(run.root->summary.program) ? hp_basename(run.root->summary.program) : trace, n,
		n == 1 ? "" : "es");
	rc = 0;
out:
	free(profiles);
	free(scores);
	hp_run_release(&run);
	return rc;
}

/* The front of `show` and `check`, which take options only. Returns -1 when the subcommand goes on,
 * otherwise its exit status: 0 after help, 2 after a usage error, 1 when out of memory. */
static int parse_options_only(const char *sub, const struct hp_option *opts, int argc, const char **argv)
{
	const char **operands = calloc((size_t)argc, sizeof(*operands));
	size_t noperands = 0;

	if (!operands) {
		fprintf(stderr, "hookprof: history: %s\n", strerror(ENOMEM));
		return 1;
	}
	int parsed = hp_options_parse("history", opts, argc, argv, operands, &noperands);
	if (parsed == 0 && noperands)
		parsed = usage_error("%s: unexpected argument '%s'", sub, operands[0]);
	free((void *)operands);
	if (parsed == 1)
		help();
	return parsed ? (parsed == 1 ? 0 : 2) : -1;
}

static int history_add(int argc, const char **argv)
{
	const char *db = NULL, *label = NULL, *config = NULL;
	bool children = true;
	const char **traces = calloc((size_t)argc, sizeof(*traces));
	size_t ntraces = 0;
	char err[1024];
	int rc = 2;

	if (!traces)
		return 1;
	bool no_children = false;
	const struct hp_option opts[] = {
		HP_OPT_STRING(DB, "a file", &db),
		HP_OPT_STRING(LABEL, "a text", &label),
		HP_OPT_CONFIG(&config),
		HP_OPT_NO_CHILDREN(&no_children),
		HP_OPT_LEAK_CHECK,
		HP_OPT_WINDOW,
		HP_OPT_END,
	};
	switch (hp_options_parse("history", opts, argc, argv, traces, &ntraces)) {
	case 1:
		help();
		rc = 0;
		goto out;
	case 2:
		goto out;
	}
	children = !no_children;
	if (!ntraces) {
		usage_error("add: no trace given");
		goto out;
	}
	struct hp_config cfg;
	hp_config_defaults(&cfg);
	if (config && hp_config_load(&cfg, config, err, sizeof(err))) {
		fprintf(stderr, "hookprof: %s\n", err);
		goto out;
	}
	struct hp_history *h;
	db = db_path(db);
	if (hp_history_open(&h, db, true, err, sizeof(err))) {
		fprintf(stderr, "hookprof: %s\n", err);
		rc = 1;
		goto out;
	}
	rc = 0;
	for (size_t t = 0; t < ntraces; t++)
		rc |= add_trace(h, traces[t], label, children, &cfg, db);
	hp_history_close(h);
out:
	free(traces);
	return rc;
}

/* ---- show ------------------------------------------------------------------------------------ */

static int history_show(int argc, const char **argv)
{
	const char *db = NULL, *function = NULL, *format = "text", *html = NULL;
	char err[1024];

	static const char *const formats[] = {"text", "json", "md", NULL};
	const struct hp_option opts[] = {
		HP_OPT_FORMAT(formats, &format),
		HP_OPT_STRING(DB, "a file", &db),
		HP_OPT_STRING(FUNCTION, "a function's name", &function),
		HP_OPT_STRING(HTML, "a file", &html),
		HP_OPT_END,
	};
	int parsed = parse_options_only("show", opts, argc, argv);
	if (parsed >= 0)
		return parsed;
	if (html && strcmp(format, "text"))
		return usage_error("--html and --format do not mix");

	struct hp_history *h;
	struct hp_history_view view;
	db = db_path(db);
	if (hp_history_open(&h, db, false, err, sizeof(err))) {
		fprintf(stderr, "hookprof: %s\n", err);
		return 1;
	}
	int rc = hp_history_view_load(&view, h, db, function, err, sizeof(err));
	hp_history_close(h);
	if (rc) {
		fprintf(stderr, "hookprof: %s\n", err);
		return 1;
	}
	if (function && !view.npoints) {
		fprintf(stderr, "hookprof: no function '%s' in the runs of %s\n", function, db);
		hp_history_view_release(&view);
		return 1;
	}
	if (html) {
		struct hp_output_file page;
		if (hp_output_open(&page, html)) {
			fprintf(stderr, "hookprof: cannot write '%s': %s\n", html, strerror(errno));
			rc = 1;
		} else {
			bool ok = hp_history_write_html(page.f, &view) == 0;
			if (hp_output_finish(&page, ok) || !ok) {
				fprintf(stderr, "hookprof: cannot write '%s': %s\n", html, strerror(errno ? errno : EIO));
				rc = 1;
			} else {
				fprintf(stderr, "hookprof: history page written to %s\n", html);
			}
		}
	} else if (!strcmp(format, "json")) {
		hp_history_write_json(stdout, &view);
	} else if (hp_history_write_tables(stdout, &view, !strcmp(format, "md"),
					   hp_color_wanted(STDOUT_FILENO))) {
		fprintf(stderr, "hookprof: history: %s\n", strerror(ENOMEM));
		rc = 1;
	}
	hp_history_view_release(&view);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "hookprof: history: writing the output: %s\n", strerror(errno ? errno : EIO));
		rc = 1;
	}
	return rc;
}

/* ---- check ----------------------------------------------------------------------------------- */

struct checker {
	struct hp_history *h;
	double limit;
	int64_t run_id;
	size_t judged, regressions;
};

/* One quantity of the latest run against the same in the earlier ones; a line when it regressed. */
static void judge(struct checker *c, const char *what, const double *earlier, size_t n, double latest,
		  char *(*fmt)(char *, uint64_t), const char *unit)
{
	struct hp_trend t;
	char b1[HP_FMT_MAX], b2[HP_FMT_MAX], b3[HP_FMT_MAX];

	hp_trend_judge(earlier, n, latest, c->limit, &t);
	if (t.verdict == HP_VERDICT_FEW_CALLS)
		return;
	c->judged++;
	if (t.verdict != HP_VERDICT_SLOWER)
		return;
	c->regressions++;
	char change[32];
	if (t.base > 0)
		snprintf(change, sizeof(change), "+%.1f%%", 100 * t.change);
	else
		snprintf(change, sizeof(change), "from 0");
	printf("hookprof: history check failed: %s %s%s in run %" PRId64 ", %s over the %zu runs before (%s, beyond "
	       "--max-regression %.1f%% and the %s their spread allows)\n",
	       what, fmt(b1, (uint64_t)llround(latest)), unit, c->run_id, fmt(b2, (uint64_t)llround(t.base)), t.n,
	       change, 100 * c->limit, fmt(b3, (uint64_t)llround(t.noise)));
}

/* The functions of a process of the latest run against the same functions (name and file) before. */
static int check_functions(struct checker *c, const struct hp_history_process *p, const int64_t *earlier,
			   size_t nearlier, char *err, size_t errlen)
{
	struct hp_history_function *now, **before = calloc(nearlier + 1, sizeof(*before));
	size_t nnow, *nbefore = calloc(nearlier + 1, sizeof(*nbefore));
	double *values = calloc(nearlier + 1, sizeof(*values));
	int rc = -1;
	size_t loaded = 0;

	if (!before || !nbefore || !values) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		goto out;
	}
	if (hp_history_functions(c->h, p->id, NULL, &now, &nnow, err, errlen))
		goto out;
	for (; loaded < nearlier; loaded++)
		if (hp_history_functions(c->h, earlier[loaded], NULL, &before[loaded], &nbefore[loaded], err, errlen))
			goto out_now;
	for (size_t i = 0; i < nnow; i++) {
		const struct hp_history_function *f = &now[i];
		size_t n = 0;
		for (size_t r = 0; r < nearlier; r++)
			for (size_t k = 0; k < nbefore[r]; k++) {
				const struct hp_history_function *g = &before[r][k];
				bool same_file = (!f->file && !g->file) || (f->file && g->file && !strcmp(f->file, g->file));
				if (!strcmp(f->name, g->name) && same_file) {
					values[n++] = g->mean_ns;
					break;
				}
			}
		char what[600];
		snprintf(what, sizeof(what), "%s%s%s%s in %s: mean", f->name, f->file ? " (" : "", f->file ? f->file : "",
			 f->file ? ")" : "", p->program);
		judge(c, what, values, n, f->mean_ns, hp_fmt_ns, " per call");
	}
	rc = 0;
out_now:
	hp_history_functions_free(now, nnow);
out:
	for (size_t r = 0; r < loaded; r++)
		hp_history_functions_free(before[r], nbefore[r]);
	free(before);
	free(nbefore);
	free(values);
	return rc;
}

static int check_process(struct checker *c, const struct hp_history_process *p, size_t window, char *err,
			 size_t errlen)
{
	int64_t *ids = calloc(window, sizeof(*ids));
	struct hp_history_process *before = calloc(window, sizeof(*before));
	double *v[3] = {calloc(window, sizeof(double)), calloc(window, sizeof(double)), calloc(window, sizeof(double))};
	size_t n = 0, loaded = 0;
	int rc = -1;

	if (!ids || !before || !v[0] || !v[1] || !v[2]) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		goto out;
	}
	if (hp_history_earlier(c->h, c->run_id, p->program, p->nth, window, ids, &n, err, errlen))
		goto out;
	if (n < HP_TREND_MIN_RUNS) {
		fprintf(stderr, "hookprof: history check: %s: %zu earlier run%s, %d needed to judge from their spread\n",
			p->program, n, n == 1 ? "" : "s", HP_TREND_MIN_RUNS);
		rc = 0;
		goto out;
	}
	for (; loaded < n; loaded++) {
		if (hp_history_process(c->h, ids[loaded], &before[loaded], err, errlen))
			goto out;
		v[0][loaded] = (double)before[loaded].bytes_allocated;
		v[1][loaded] = (double)before[loaded].peak_heap_bytes;
		v[2][loaded] = (double)before[loaded].leaked_bytes;
	}
	char what[300];
	snprintf(what, sizeof(what), "%s: bytes allocated", p->program);
	judge(c, what, v[0], n, (double)p->bytes_allocated, hp_fmt_bytes, "");
	snprintf(what, sizeof(what), "%s: peak heap", p->program);
	judge(c, what, v[1], n, (double)p->peak_heap_bytes, hp_fmt_bytes, "");
	snprintf(what, sizeof(what), "%s: leaked", p->program);
	judge(c, what, v[2], n, (double)p->leaked_bytes, hp_fmt_bytes, "");
	rc = check_functions(c, p, ids, n, err, errlen);
out:
	for (size_t i = 0; i < loaded; i++)
		free(before[i].program);
	free(before);
	free(ids);
	for (int i = 0; i < 3; i++)
		free(v[i]);
	return rc;
}

static int history_check(int argc, const char **argv)
{
	const char *db = NULL;
	double limit = -1;
	size_t window = DEFAULT_BASELINE_RUNS;
	char err[1024];

	char window_takes[64];
	snprintf(window_takes, sizeof(window_takes), "a number of earlier runs, %d to 10000", HP_TREND_MIN_RUNS);
	const struct hp_option opts[] = {
		HP_OPT_STRING(DB, "a file", &db),
		HP_OPT_PARSE(MAX_REGRESSION, "a percentage, e.g. 10%", hp_opt_percent, &limit, 0, HUGE_VAL),
		HP_OPT_PARSE(WINDOW, window_takes, hp_opt_count, &window, HP_TREND_MIN_RUNS, 10000),
		HP_OPT_END,
	};
	int parsed = parse_options_only("check", opts, argc, argv);
	if (parsed >= 0)
		return parsed;
	if (limit < 0)
		return usage_error("check needs --max-regression PCT");

	struct hp_history *h;
	struct hp_history_run *runs;
	struct hp_history_process *procs = NULL;
	size_t nruns, nprocs = 0;
	int rc = 1;
	db = db_path(db);
	if (hp_history_open(&h, db, false, err, sizeof(err))) {
		fprintf(stderr, "hookprof: %s\n", err);
		return 1;
	}
	if (hp_history_runs(h, &runs, &nruns, err, sizeof(err))) {
		fprintf(stderr, "hookprof: %s\n", err);
		goto out_db;
	}
	if (!nruns) {
		fprintf(stderr, "hookprof: '%s': no run in the history\n", db);
		goto out_runs;
	}
	struct checker c = {h, limit, runs[nruns - 1].id, 0, 0};
	if (hp_history_processes(h, c.run_id, &procs, &nprocs, err, sizeof(err))) {
		fprintf(stderr, "hookprof: %s\n", err);
		goto out_runs;
	}
	for (size_t i = 0; i < nprocs; i++)
		if (check_process(&c, &procs[i], window, err, sizeof(err))) {
			fprintf(stderr, "hookprof: %s\n", err);
			goto out_procs;
		}
	if (!c.regressions)
		printf("hookprof: history check passed: run %" PRId64 " (%s): %zu quantit%s judged against the runs before\n",
		       c.run_id, runs[nruns - 1].root.program, c.judged, c.judged == 1 ? "y" : "ies");
	rc = c.regressions ? 1 : 0;
out_procs:
	hp_history_processes_free(procs, nprocs);
out_runs:
	hp_history_runs_free(runs, nruns);
out_db:
	hp_history_close(h);
	return rc;
}

int cmd_history(int argc, const char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "add"))
		return history_add(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "check"))
		return history_check(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "show"))
		return history_show(argc - 1, argv + 1);
	return history_show(argc, argv);
}
