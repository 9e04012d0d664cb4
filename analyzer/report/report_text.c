/* report_text.c: `report` as aligned text tables for a terminal or a log (the default format). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report.h"

/* Wider first cells (long C++ names) are cut: the JSON keeps them whole. */
#define FIRST_COL_MAX 60
#define WRAP 100

struct out {
	FILE *f;
	bool color;
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

/* A row that only continues the one above (a caller frame): its first cell may run past the column. */
static void print_table(const struct out *o, const struct hp_table *t, bool with_title);

bool hp_color_wanted(int fd)
{
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	return isatty(fd) && !(no_color && *no_color) && !(term && !strcmp(term, "dumb"));
}

static bool continuation(const struct hp_table *t, const char *const *cells)
{
	if (strncmp(cells[0], "  ", 2) != 0)
		return false;
	for (size_t c = 1; c < t->ncols; c++)
		if (cells[c][0])
			return false;
	return true;
}

void hp_table_print_text(FILE *f, const struct hp_table *t, bool with_title, bool color)
{
	const struct out o = {f, color};
	print_table(&o, t, with_title);
}

static void print_table(const struct out *o, const struct hp_table *t, bool with_title)
{
	size_t w[32] = {0};
	bool head = false;

	if (with_title)
		fprintf(o->f, "\n%s%s%s\n", sgr(o, BOLD), t->title, sgr(o, RESET));
	if (t->nrows == 0) {
		fprintf(o->f, "  %s\n", t->empty ? t->empty : "none");
		return;
	}
	for (size_t c = 0; c < t->ncols && c < 32; c++) {
		w[c] = strlen(t->head[c]);
		head |= w[c] > 0;
		for (size_t r = 0; r < t->nrows; r++) {
			const char *const *cells = (const char *const *)t->cells + r * t->ncols;
			size_t len = strlen(cells[c]);
			if (len > w[c] && !continuation(t, cells))
				w[c] = len;
		}
	}
	if (w[0] > FIRST_COL_MAX)
		w[0] = FIRST_COL_MAX;
	for (size_t r = head ? 0 : 1; r <= t->nrows; r++) {
		const char *const *cells = r == 0 ? t->head : (const char *const *)t->cells + (r - 1) * t->ncols;
		size_t last = 0;
		/* Nothing is printed after the last non-empty cell: no trailing blanks. */
		for (size_t c = 0; c < t->ncols; c++)
			if (cells[c][0])
				last = c;
		fputs(r == 0 ? sgr(o, BOLD) : "", o->f);
		fputs("  ", o->f);
		if (r > 0 && continuation(t, cells)) {
			fputs(cells[0], o->f);
			last = 0;
		}
		for (size_t c = 0; c <= last && !(r > 0 && continuation(t, cells)); c++) {
			const char *s = cells[c];
			size_t len = strlen(s);
			if (c > 0)
				fputs("  ", o->f);
			if (c == 0 && len > w[0])
				fprintf(o->f, "%.*s...", (int)w[0] - 3, s);
			else if (t->align[c] == 'r')
				fprintf(o->f, "%*s", (int)w[c], s);
			else if (c == last)
				fputs(s, o->f);
			else
				fprintf(o->f, "%-*s", (int)w[c], s);
		}
		fputs(r == 0 ? sgr(o, RESET) : "", o->f);
		fputc('\n', o->f);
	}
}

/* Prints text from column `indent`, broken between words before column WRAP. */
static void print_wrapped(FILE *f, const char *text, int indent)
{
	const char *p = text;
	int col = indent;

	fprintf(f, "%*s", indent, "");
	while (*p) {
		const char *sp = strchr(p, ' ');
		int len = sp ? (int)(sp - p) : (int)strlen(p);
		if (col > indent && col + 1 + len > WRAP) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, (size_t)len, f);
		col += len;
		p += len;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

static void print_recommendations(const struct out *o, const struct hp_report *r)
{
	fprintf(o->f, "\n%sRecommendations (%zu)%s\n", sgr(o, BOLD), r->nrecs, sgr(o, RESET));
	if (r->nrecs == 0)
		fputs("  none: no rule found anything to change\n", o->f);
	for (size_t i = 0; i < r->nrecs; i++) {
		const struct hp_recommendation *rec = &r->recs[i];
		const char *col = rec->severity == HP_SEV_CRITICAL ? RED : rec->severity == HP_SEV_WARNING ? YELLOW : "";
		fprintf(o->f, "  %s%-8s%s  %s%s%s\n", sgr(o, col), hp_severity_name(rec->severity), sgr(o, RESET),
			sgr(o, BOLD), rec->title, sgr(o, RESET));
		print_wrapped(o->f, rec->detail, 12);
		fprintf(o->f, "            at: %s  [%s]\n", rec->location, rec->rule);
	}
}

static int print_process(const struct out *o, const struct hp_report *r, const struct hp_report_opts *opts)
{
	const struct hp_profile *p = r->profile;
	struct hp_table t;
	char spark[81];

	fprintf(o->f, "%shookprof report: %s (pid %u)%s\n", sgr(o, BOLD), p->summary.program ? p->summary.program : "?",
		(unsigned)p->summary.pid, sgr(o, RESET));

	for (int id = 0; id < HP_TABLE_COUNT; id++) {
		if (hp_table_build(&t, (enum hp_table_id)id, r, opts) < 0)
			return -1;
		if (id == HP_TABLE_SCORE) {
			const char *cat = r->score.value >= 75 ? GREEN : r->score.value >= 60 ? YELLOW : RED;
			fprintf(o->f, "\n%s%s%s\n", sgr(o, cat), t.title, sgr(o, RESET));
			print_table(o, &t, false);
		} else {
			print_table(o, &t, true);
		}
		hp_table_release(&t);
		if (id == HP_TABLE_SCORE)
			print_recommendations(o, r);
		if (id == HP_TABLE_REALLOCS && p->ntimeline) {
			fprintf(o->f, "\n%sHeap and RSS over the run%s (each column the highest of its stretch)\n",
				sgr(o, BOLD), sgr(o, RESET));
			fprintf(o->f, "  heap |%s|\n", hp_sparkline(spark, 72, p, false));
			fprintf(o->f, "  RSS  |%s|\n", hp_sparkline(spark, 72, p, true));
		}
	}
	if (r->nwarnings) {
		fprintf(o->f, "\n%sWarnings%s\n", sgr(o, BOLD), sgr(o, RESET));
		for (size_t i = 0; i < r->nwarnings; i++)
			fprintf(o->f, "  %s\n", r->warnings[i]);
	}
	return 0;
}

int hp_report_write_text(FILE *f, const struct hp_report *root, const struct hp_report *children,
			 size_t nchildren, const struct hp_report_opts *opts)
{
	struct out o = {f, opts->color};

	if (print_process(&o, root, opts) < 0)
		return -1;
	for (size_t i = 0; i < nchildren; i++) {
		const struct hp_profile *p = children[i].profile;
		fprintf(f, "\n%s==== child process %u (parent %u): %s, trace %s ====%s\n", sgr(&o, BOLD),
			(unsigned)p->summary.pid, (unsigned)p->defs.process.ppid,
			p->summary.program ? p->summary.program : "?", p->path, sgr(&o, RESET));
		if (print_process(&o, &children[i], opts) < 0)
			return -1;
	}
	return ferror(f) ? -1 : 0;
}
