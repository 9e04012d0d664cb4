/* report_text.c: `report` as aligned text tables for a terminal or a log (the default format). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	size_t keep = t->fit >= 0 ? (size_t)((double)width * FIT_SHARE) : 0;
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
		for (size_t c = 0; c <= last && !cont; c++) {
			if (!shown[c])
				continue;
			if (col++ > 0)
				fputs("  ", o->f);
			/* The first column is shortened without a width too (FIRST_COL_MAX). */
			bool shorten = (int)c == t->fit || (c == 0 && !o->width);
			put_cell(o->f, cells[c], shorten ? w[c] : 0, c == last && t->align[c] == 'l' ? 0 : w[c],
				 t->align[c]);
		}
		fputs(r == 0 ? sgr(o, RESET) : "", o->f);
		fputc('\n', o->f);
	}
}

void hp_table_print_text(FILE *f, const struct hp_table *t, bool with_title, bool color)
{
	const struct out o = {f, color, 0};
	print_table(&o, t, with_title);
}

/* Prints text from column `indent`, broken between words before the width (WRAP without one); a word
 * longer than a line is shortened in the middle. */
static void print_wrapped(const struct out *o, const char *text, size_t indent)
{
	size_t wrap = o->width ? o->width : WRAP, col = indent;
	const char *p = text;
	char word[4096], fit[4096];

	fprintf(o->f, "%*s", (int)indent, "");
	while (*p) {
		size_t len = strcspn(p, " ");
		snprintf(word, sizeof(word), "%.*s", (int)len, p);
		const char *w = hp_elide(fit, sizeof(fit), word, wrap - indent);
		size_t cols = hp_text_width(w);
		if (col > indent && col + 1 + cols > wrap) {
			fprintf(o->f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', o->f);
			col++;
		}
		fputs(w, o->f);
		col += cols;
		p += len;
		while (*p == ' ')
			p++;
	}
	fputc('\n', o->f);
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

int hp_report_write_text(FILE *f, const struct hp_report *root, const struct hp_report *children,
			 size_t nchildren, const struct hp_report_opts *opts)
{
	struct out o = {f, opts->color, opts->width};
	char head[1024], buf[1024];

	if (print_process(&o, root, opts) < 0)
		return -1;
	for (size_t i = 0; i < nchildren; i++) {
		const struct hp_profile *p = children[i].profile;
		snprintf(head, sizeof(head), "==== child process %u (parent %u): %s, trace %s ====",
			 (unsigned)p->summary.pid, (unsigned)p->defs.process.ppid,
			 p->summary.program ? p->summary.program : "?", p->path);
		fprintf(f, "\n%s%s%s\n", sgr(&o, BOLD), fit(&o, buf, sizeof(buf), head, 0), sgr(&o, RESET));
		if (print_process(&o, &children[i], opts) < 0)
			return -1;
	}
	return ferror(f) ? -1 : 0;
}
