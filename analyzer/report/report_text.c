/* report_text.c: `report` as aligned text tables for a terminal or a log (the default format). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpt_format.h"
#include "report/elide.h"
#include "report/report.h"

/* Tables start this far in, with this much between columns. */
#define INDENT 2
#define GAP 2
/* Without a width (o->width 0), the first column stops here: the JSON keeps names whole. */
#define FIRST_COL_MAX 60
/* Prose (recommendations, warnings) is wrapped before this column when no width is given. */
#define WRAP 100
/* The shortened column keeps at least this share of the width before other columns are dropped. */
#define FIT_SHARE 0.5

struct out {
	FILE *f;
	bool color;
	size_t width; /* 0: no limit */
};

static const char *sgr(const struct out *o, const char *code)
{
	return o->color ? code : "";
}
#define BOLD "\033[1m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define GREEN "\033[32m"
#define RESET "\033[0m"

bool hp_color_wanted(int fd)
{
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	return isatty(fd) && !(no_color && *no_color) && !(term && !strcmp(term, "dumb"));
}

/* A row that only continues the one above (a caller frame): its first cell may run past the column. */
static bool continuation(const struct hp_table *t, const char *const *cells)
{
	if (strncmp(cells[0], "  ", 2) != 0)
		return false;
	for (size_t c = 1; c < t->ncols; c++)
		if (cells[c][0])
			return false;
	return true;
}

/* s in at most width columns (0: as is), padded to pad columns on the side align says. */
static void put_cell(FILE *f, const char *s, size_t width, size_t pad, char align)
{
	char buf[1024];
	const char *text = width ? hp_elide(buf, sizeof(buf), s, width) : s;
	size_t cols = hp_text_width(text);

	if (align == 'r')
		fprintf(f, "%*s", (int)(pad > cols ? pad - cols : 0), "");
	fputs(text, f);
	if (align == 'l')
		fprintf(f, "%*s", (int)(pad > cols ? pad - cols : 0), "");
}

static size_t row_width(const size_t *w, const bool *shown, size_t ncols)
{
	size_t sum = INDENT, n = 0;

	for (size_t c = 0; c < ncols; c++)
		if (shown[c]) {
			sum += w[c];
			n++;
		}
	return sum + (n ? (n - 1) * GAP : 0);
}

/* Column widths for t within width: columns t->drop lists go, in order, until the rows fit with the
 * shortened column t->fit keeping FIT_SHARE of the width; then that column takes what is left. */
static void fit_columns(const struct hp_table *t, size_t width, size_t *w, bool *shown)
{
	for (size_t c = 0; c < t->ncols; c++)
		shown[c] = true;
	if (!width) {
		if (w[0] > FIRST_COL_MAX)
			w[0] = FIRST_COL_MAX;
		return;
	}
	size_t keep = t->fit < 0 ? 0 : t->fit_keep ? t->fit_keep : (size_t)((double)width * FIT_SHARE);
	if (t->fit >= 0 && keep > w[t->fit])
		keep = w[t->fit];
	for (size_t k = 0; k < t->ndrop; k++) {
		size_t need = row_width(w, shown, t->ncols) - (t->fit >= 0 ? w[t->fit] - keep : 0);
		if (need <= width)
			break;
		shown[t->drop[k]] = false;
	}
	size_t total = row_width(w, shown, t->ncols);
	if (t->fit >= 0 && total > width)
		w[t->fit] = total - width < w[t->fit] - 1 ? w[t->fit] - (total - width) : 2;
}

static void print_wrapped(const struct out *o, const char *text, size_t indent);

static void print_table(const struct out *o, const struct hp_table *t, bool with_title)
{
	size_t w[32] = {0};
	bool shown[32], head = false;
	size_t ncols = t->ncols < 32 ? t->ncols : 32;
	char buf[1024];

	if (with_title)
		fprintf(o->f, "\n%s%s%s\n", sgr(o, BOLD),
			o->width ? hp_elide(buf, sizeof(buf), t->title, o->width) : t->title, sgr(o, RESET));
	if (t->nrows == 0) {
		print_wrapped(o, t->empty ? t->empty : "none", INDENT);
		return;
	}
	for (size_t c = 0; c < ncols; c++) {
		w[c] = hp_text_width(t->head[c]);
		head |= w[c] > 0;
		for (size_t r = 0; r < t->nrows; r++) {
			const char *const *cells = (const char *const *)t->cells + r * t->ncols;
			size_t len = hp_text_width(cells[c]);
			if (len > w[c] && !continuation(t, cells))
				w[c] = len;
		}
	}
	fit_columns(t, o->width, w, shown);
	for (size_t r = head ? 0 : 1; r <= t->nrows; r++) {
		const char *const *cells = r == 0 ? t->head : (const char *const *)t->cells + (r - 1) * t->ncols;
		bool cont = r > 0 && continuation(t, cells);
		size_t last = 0, col = 0;
		/* Nothing is printed after the last non-empty cell: no trailing blanks. */
		for (size_t c = 0; c < ncols; c++)
			if (cells[c][0] && shown[c])
				last = c;
		fputs(r == 0 ? sgr(o, BOLD) : "", o->f);
		fputs("  ", o->f);
		if (cont)
			put_cell(o->f, cells[0], o->width ? o->width - INDENT : 0, 0, 'l');
		size_t at = INDENT; /* the column the next cell starts at */
		bool wrapped = false;
		for (size_t c = 0; c <= last && !cont; c++) {
			if (!shown[c])
				continue;
			if (col++ > 0) {
				fputs("  ", o->f);
				at += 2;
			}
			if (t->fit_wraps && (int)c == t->fit && c == last && o->width && hp_text_width(cells[c]) > w[c]) {
				hp_print_wrapped_from(o->f, cells[c], at, at, o->width);
				wrapped = true;
				break;
			}
			/* The first column is shortened without a width too (FIRST_COL_MAX). */
			bool shorten = (int)c == t->fit || (c == 0 && !o->width);
			put_cell(o->f, cells[c], shorten ? w[c] : 0, c == last && t->align[c] == 'l' ? 0 : w[c],
				 t->align[c]);
			at += w[c];
		}
		fputs(r == 0 ? sgr(o, RESET) : "", o->f);
		if (!wrapped)
			fputc('\n', o->f);
	}
}

void hp_table_print_text(FILE *f, const struct hp_table *t, bool with_title, bool color)
{
	const struct out o = {f, color, 0};
	print_table(&o, t, with_title);
}

/* Prints text from column `indent`, broken between words before the width (WRAP without one). */
static void print_wrapped(const struct out *o, const char *text, size_t indent)
{
	hp_print_wrapped(o->f, text, indent, indent, o->width ? o->width : WRAP);
}

/* text shortened to the columns left after `used` (no limit without a width). */
static const char *fit(const struct out *o, char *buf, size_t len, const char *text, size_t used)
{
	return o->width ? hp_elide(buf, len, text, o->width > used + 2 ? o->width - used : 2) : text;
}

static void print_recommendations(const struct out *o, const struct hp_report *r)
{
	char buf[1024];

	fprintf(o->f, "\n%sRecommendations (%zu)%s\n", sgr(o, BOLD), r->nrecs, sgr(o, RESET));
	if (r->nrecs == 0)
		fputs("  none: no rule found anything to change\n", o->f);
	for (size_t i = 0; i < r->nrecs; i++) {
		const struct hp_recommendation *rec = &r->recs[i];
		const char *col = rec->severity == HP_SEV_CRITICAL ? RED : rec->severity == HP_SEV_WARNING ? YELLOW : "";
		fprintf(o->f, "  %s%-8s%s  %s%s%s\n", sgr(o, col), hp_severity_name(rec->severity), sgr(o, RESET),
			sgr(o, BOLD), fit(o, buf, sizeof(buf), rec->title, 12), sgr(o, RESET));
		print_wrapped(o, rec->detail, 12);
		fprintf(o->f, "            at: %s  [%s]\n",
			fit(o, buf, sizeof(buf), rec->location, 16 + 4 + strlen(rec->rule)), rec->rule);
	}
}

static int print_process(const struct out *o, const struct hp_report *r, const struct hp_report_opts *opts)
{
	const struct hp_profile *p = r->profile;
	struct hp_table t;
	char spark[81], head[1024], buf[1024];
	/* "  heap |" before the line and "|" after it. */
	size_t spark_cols = o->width && o->width < 72 + 9 ? o->width - 9 : 72;

	snprintf(head, sizeof(head), "hookprof report: %s (pid %u)", p->summary.program ? p->summary.program : "?",
		 (unsigned)p->summary.pid);
	fprintf(o->f, "%s%s%s\n", sgr(o, BOLD), fit(o, buf, sizeof(buf), head, 0), sgr(o, RESET));

	for (int id = 0; id < HP_TABLE_COUNT; id++) {
		if (hp_table_build(&t, (enum hp_table_id)id, r, opts) < 0)
			return -1;
		if (id == HP_TABLE_SCORE) {
			const char *cat = r->score.value >= 75 ? GREEN : r->score.value >= 60 ? YELLOW : RED;
			fprintf(o->f, "\n%s%s%s\n", sgr(o, cat), fit(o, buf, sizeof(buf), t.title, 0), sgr(o, RESET));
			print_table(o, &t, false);
		} else {
			print_table(o, &t, true);
		}
		hp_table_release(&t);
		if (id == HP_TABLE_SCORE)
			print_recommendations(o, r);
		if (id == HP_TABLE_REALLOCS && p->ntimeline) {
			fprintf(o->f, "\n%s%s%s\n", sgr(o, BOLD),
				fit(o, buf, sizeof(buf), "Heap and RSS over the run (each column the highest of its stretch)", 0),
				sgr(o, RESET));
			fprintf(o->f, "  heap |%s|\n", hp_sparkline(spark, spark_cols, p, false));
			fprintf(o->f, "  RSS  |%s|\n", hp_sparkline(spark, spark_cols, p, true));
		}
	}
	if (r->nwarnings) {
		fprintf(o->f, "\n%sWarnings%s\n", sgr(o, BOLD), sgr(o, RESET));
		for (size_t i = 0; i < r->nwarnings; i++)
			print_wrapped(o, r->warnings[i], 2);
	}
	return 0;
}

/* ---- runs of several processes ---- */

/* A process that ended by exec with at most this share of the run's allocations is one row of the
 * table of processes, never a section: its exec'd successor is the process that did the work. */
#define EXEC_BRIEF_SHARE 0.01

static bool exec_only(const struct hp_report *r, uint64_t run_allocations)
{
	const struct hp_summary *s = &r->profile->summary;
	return s->ended && s->end_how == HPT_END_EXEC &&
	       (double)s->allocations <= EXEC_BRIEF_SHARE * (double)run_allocations;
}

/* The table of every process, then the note on which of them get sections: the root unless it only
 * exec'd, then the first o->children_shown other processes of the table that did more than exec (one
 * more when the root only exec'd: its successor is the main process). Fills sections[] (room for
 * nchildren + 1) in that order; returns how many, or -1 when memory runs out. */
static long print_processes(const struct out *o, const struct hp_report *root, const struct hp_report *children,
			    size_t nchildren, const struct hp_report_opts *opts, const struct hp_report **sections)
{
	const struct hp_report **order = hp_report_process_order(root, children, nchildren);
	uint64_t run_allocations = root->profile->summary.allocations;
	size_t nsections = 0, shown_children = 0, brief = 0, more = 0;
	struct hp_table t;
	char line[1024];

	if (!order)
		return -1;
	for (size_t i = 0; i < nchildren; i++)
		run_allocations += children[i].profile->summary.allocations;
	if (hp_table_processes(&t, order, nchildren + 1) < 0) {
		hp_table_release(&t);
		free(order);
		return -1;
	}
	print_table(o, &t, true);
	hp_table_release(&t);
	bool root_brief = exec_only(root, run_allocations);
	size_t room = opts->children_shown;
	if (!root_brief)
		sections[nsections++] = root;
	else if (room < SIZE_MAX)
		room++;
	for (size_t k = 0; k <= nchildren; k++) {
		if (exec_only(order[k], run_allocations))
			brief++;
		else if (order[k] == root)
			continue;
		else if (shown_children < room) {
			sections[nsections++] = order[k];
			shown_children++;
		} else {
			more++;
		}
	}
	free(order);
	if (root_brief)
		snprintf(line, sizeof(line), "Sections follow for %zu of the %zu processes, the first of this table "
			 "(the main process, pid %u, exec'd another program).", nsections, nchildren + 1,
			 (unsigned)root->profile->summary.pid);
	else
		snprintf(line, sizeof(line), "Sections follow for the main process (pid %u) and %zu of its %zu child "
			 "processes, the first of this table.", (unsigned)root->profile->summary.pid, shown_children,
			 nchildren);
	fputc('\n', o->f);
	print_wrapped(o, line, INDENT);
	if (brief) {
		snprintf(line, sizeof(line), "%zu ended by exec with %.0f%% of the run's allocations or less: the table "
			 "says all there is.", brief, EXEC_BRIEF_SHARE * 100);
		print_wrapped(o, line, INDENT);
	}
	if (more) {
		snprintf(line, sizeof(line), "%zu more are in the table only: --children all shows every one "
			 "(--children N the first N), --format json has them all.", more);
		print_wrapped(o, line, INDENT);
	}
	return (long)nsections;
}

int hp_report_write_text(FILE *f, const struct hp_report *root, const struct hp_report *children,
			 size_t nchildren, const struct hp_report_opts *opts)
{
	struct out o = {f, opts->color, opts->width};
	char head[1024], buf[1024];
	const struct hp_report **sections = malloc((nchildren + 1) * sizeof(*sections));
	long n = 1;

	if (!sections)
		return -1;
	sections[0] = root;
	if (nchildren && (n = print_processes(&o, root, children, nchildren, opts, sections)) < 0)
		goto fail;
	for (long i = 0; i < n; i++) {
		const struct hp_profile *p = sections[i]->profile;
		if (sections[i] != root) {
			/* The program is on the line after, in the process's own header. */
			snprintf(head, sizeof(head), "==== child process %u (parent %u), trace %s ====",
				 (unsigned)p->summary.pid, (unsigned)p->defs.process.ppid, p->path);
			fprintf(f, "\n%s%s%s\n", sgr(&o, BOLD), fit(&o, buf, sizeof(buf), head, 0), sgr(&o, RESET));
		} else if (nchildren) {
			fputc('\n', f);
		}
		if (print_process(&o, sections[i], opts) < 0)
			goto fail;
	}
	free(sections);
	return ferror(f) ? -1 : 0;
fail:
	free(sections);
	return -1;
}
