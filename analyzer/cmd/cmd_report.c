/* cmd_report.c: `hookprof-analyze report`: statistics, heap, leaks, score and advice for each trace of a run. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "cmd/options.h"
#include "report/config.h"
#include "util/output_file.h"
#include "report/report.h"
#include "model/run.h"

static const char usage_line[] =
	"usage: hookprof-analyze report [--format text|json|csv|md|line] [--top N] [--threads] [--config FILE]\n"
	"                               [--section NAME] [--output DIR] [--no-children] [--children all|N]\n"
	"                               [--html FILE]\n"
	"                               [--width N]\n"
	"                               [--suppressions FILE] [--no-builtin-suppressions LIST]\n"
	"                               [--window FROM..TO] TRACE...";

static void help(void)
{
	printf("%s\n\n", usage_line);
	puts("Reports on each TRACE and, after it, on the child traces of its run found next to it\n"
	     "(TRACE.<pid>, TRACE.<pid>.<n>).\n"
	     "\n"
	     "  --format FMT     text (default; colour on a terminal unless NO_COLOR is set), json, csv,\n"
	     "                   md (Markdown) or line (one logfmt line per process)\n"
	     "  --top N          rows per table (default 20; 0: all)\n"
	     "  --threads        per-thread statistics of every function\n"
	     "  --config FILE    thresholds and weights of the score and the rules (docs/config.md)\n"
	     "  --section NAME   csv only: print one table: summary, score, recommendations, functions,\n"
	     "                   threads, counters, marks, sites, allocating_functions, sizes, timeline,\n"
	     "                   leaks or warnings\n"
	     "  --output DIR     csv only, one TRACE: write each table to its own file, DIR/NAME.csv\n"
	     "                   (DIR is created when missing; with --section, that table only)\n"
	     "  --no-children    report on TRACE only, not on its child traces\n"
	     "  --children all|N text only: after the table of every process, the sections of the main\n"
	     "                   process and of N child processes, those that matter most (default 3)\n"
	     "  --html FILE      write one TRACE's report as a self-contained web page to FILE: every\n"
	     "                   function, counter and mark; the top --top sites and leaks by each order\n"
	     "  --width N        text only: the columns every line fits in (at least 60). Without it: COLUMNS\n"
	     "                   when set, else the terminal's width when stdout is one, else 100. Long names\n"
	     "                   are shortened in the middle with an ellipsis (the JSON has them whole); the\n"
	     "                   columns that do not fit are left out, the least important first\n"
	     "                   (docs/report-guide.md lists the order)\n"
	     HP_RUN_LEAK_OPTIONS_HELP
	     HP_RUN_WINDOW_OPTION_HELP
	     "\n"
	     "With several TRACEs, --format json prints an array of reports. docs/report-guide.md explains\n"
	     "each section, the score and the rules; docs/json-schema.md the JSON.");
}

/* --children all|N into the size_t at opt->dest (all: SIZE_MAX). */
static int parse_children(const struct hp_option *opt, const char *value)
{
	if (!strcmp(value, "all")) {
		*(size_t *)opt->dest = SIZE_MAX;
		return 0;
	}
	return hp_opt_count(opt, value);
}

#define usage_error(...) hp_usage_error("report", __VA_ARGS__)

typedef int (*writer_fn)(FILE *, const struct hp_report *, const struct hp_report *, size_t,
			 const struct hp_report_opts *);

/* Prepares the reports of a loaded run and writes them to out. 0, or 1 after printing why. */
static int write_run(struct hp_run *run, const struct hp_config *cfg, writer_fn write,
		     const struct hp_report_opts *o, FILE *out)
{
	struct hp_report root, *children = calloc(run->nchildren ? run->nchildren : 1, sizeof(*children));
	size_t ready = 0;
	int rc = 1;

	if (!children || hp_report_init(&root, run->root, cfg) < 0) {
		fprintf(stderr, "hookprof: %s: %s\n", run->root->path, strerror(ENOMEM));
		free(children);
		return 1;
	}
	for (; ready < run->nchildren; ready++)
		if (hp_report_init(&children[ready], run->children[ready], cfg) < 0) {
			fprintf(stderr, "hookprof: %s: %s\n", run->children[ready]->path, strerror(ENOMEM));
			goto out;
		}
	/* The symbolizer's warnings belong to each process's report as well (on stderr, said once a run). */
	for (size_t i = 0; i <= run->nchildren; i++) {
		struct hp_report *r = i == 0 ? &root : &children[i - 1];
		const struct hp_symbol_warning *w;
		size_t n = r->profile->sym ? hp_symbolizer_warnings(r->profile->sym, &w) : 0;
		for (size_t k = 0; k < n; k++)
			if (hp_report_warn(r, "%s: %s", r->profile->path, w[k].line) < 0) {
				fprintf(stderr, "hookprof: %s: %s\n", r->profile->path, strerror(ENOMEM));
				goto out;
			}
	}
	hp_cmd_print_run_warnings(run);
	errno = 0;
	if (write(out, &root, children, run->nchildren, o) < 0) {
		fprintf(stderr, "hookprof: cannot write the report: %s\n", strerror(errno ? errno : EIO));
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < ready; i++)
		hp_report_release(&children[i]);
	free(children);
	hp_report_release(&root);
	return rc;
}

int cmd_report(int argc, const char **argv)
{
	struct hp_report_opts o = {.top = 20, .children_shown = HP_CHILDREN_SHOWN};
	struct hp_config cfg;
	const char *format = "text", *config = NULL, *html = NULL;
	struct hp_output_file page = {0};
	FILE *out = stdout;
	bool children = true;
	const char **traces = NULL;
	size_t ntraces = 0;
	char err[1024];
	int rc = 0;

	static const char *const formats[] = {"text", "json", "csv", "md", "line", NULL};
	bool no_children = false;
	const struct hp_option opts[] = {
		HP_OPT_FORMAT(formats, &format),
		HP_OPT_TOP("a number of rows (0: all)", &o.top, 0, (double)SIZE_MAX),
		HP_OPT_CONFIG(&config),
		HP_OPT_CHOICE(SECTION, hp_csv_sections, &o.section),
		HP_OPT_STRING(HTML, "a file", &html),
		HP_OPT_STRING(OUTPUT, "a directory", &o.dir),
		HP_OPT_FLAG(THREADS, &o.threads),
		HP_OPT_WIDTH(&o.width),
		HP_OPT_NO_CHILDREN(&no_children),
		HP_OPT_PARSE(CHILDREN, "all or a number of child processes", parse_children, &o.children_shown, 0,
			     (double)SIZE_MAX),
		HP_OPT_LEAK_CHECK,
		HP_OPT_WINDOW,
		HP_OPT_END,
	};
	hp_config_defaults(&cfg);
	rc = hp_options_front("report", opts, help, argc, argv, true, false, &traces, &ntraces);
	if (rc >= 0)
		return rc;
	rc = 0;
	children = !no_children;
	if (o.section && strcmp(format, "csv")) {
		rc = usage_error("--section applies to --format csv only");
		goto out;
	}
	if (o.dir && (strcmp(format, "csv") || ntraces > 1)) {
		rc = usage_error(ntraces > 1 ? "--output writes the tables of one trace" : "--output applies to --format csv only");
		goto out;
	}
	if (html && (ntraces > 1 || strcmp(format, "text") || o.section)) {
		rc = usage_error(ntraces > 1 ? "--html writes the report of one trace" : "--html and --format do not mix");
		goto out;
	}
	if (config && hp_config_load(&cfg, config, err, sizeof(err)) < 0) {
		fprintf(stderr, "hookprof: %s\n", err);
		rc = 2;
		goto out;
	}

	writer_fn write = hp_report_write_text;
	if (!strcmp(format, "json"))
		write = hp_report_write_json;
	else if (!strcmp(format, "csv"))
		write = hp_report_write_csv;
	else if (!strcmp(format, "md"))
		write = hp_report_write_md;
	else if (!strcmp(format, "line"))
		write = hp_report_write_line;
	o.color = write == hp_report_write_text && hp_color_wanted(STDOUT_FILENO);
	if (o.width && write != hp_report_write_text) {
		rc = usage_error("--width applies to the text format only");
		goto out;
	}
	if (write == hp_report_write_text)
		o.width = hp_cmd_text_width(o.width);
	/* The page goes to FILE.tmp, renamed once complete: a failure leaves no partial FILE. */
	if (html) {
		write = hp_report_write_html;
		o.color = false;
		if (hp_output_open(&page, html)) {
			fprintf(stderr, "hookprof: cannot write '%s': %s\n", html, strerror(errno));
			rc = 1;
			goto out;
		}
		out = page.f;
	}

	/* Several traces: JSON as an array of reports, other formats one after another. */
	bool array = write == hp_report_write_json && ntraces > 1;
	size_t written = 0;
	if (array)
		fputs("[\n", stdout);
	for (size_t t = 0; t < ntraces; t++) {
		struct hp_run run;
		if (hp_cmd_load_run(&run, traces, ntraces, t, children, &rc))
			continue;
		if (written > 0)
			fputs(array ? ",\n" : write == hp_report_write_line ? "" : "\n", stdout);
		if (write_run(&run, &cfg, write, &o, out) != 0)
			rc = 1;
		else
			written++;
		hp_run_release(&run);
	}
	if (array)
		fputs("]\n", stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "hookprof: cannot write the report: %s\n", strerror(errno ? errno : EIO));
		rc = 1;
	}
	if (o.dir && written == 1)
		fprintf(stderr, "hookprof: CSV tables written to %s/\n", o.dir);
	if (html) {
		bool ok = written == 1;
		if (hp_output_finish(&page, ok) && ok) {
			fprintf(stderr, "hookprof: cannot write '%s': %s\n", html, strerror(errno));
			ok = false;
		}
		if (ok)
			fprintf(stderr, "hookprof: HTML report written to %s\n", html);
		rc = ok ? rc : 1;
	}
out:
	free(traces);
	return rc;
}
