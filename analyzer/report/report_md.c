/* report_md.c: `report --format md`: the report as Markdown, for pull requests, wikis and CI summaries. */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

/* Cell text with the characters Markdown tables and inline text would interpret escaped. */
static void md_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (strchr("|\\`*_[]<>#", *s))
			fputc('\\', f);
		if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

void hp_table_print_md(FILE *f, const struct hp_table *t, bool with_title)
{
	bool head = false;

	if (with_title) {
		fputs("\n### ", f);
		md_text(f, t->title);
		fputs("\n\n", f);
	}
	if (t->nrows == 0) {
		md_text(f, t->empty ? t->empty : "none");
		fputc('\n', f);
		return;
	}
	for (size_t c = 0; c < t->ncols; c++)
		head |= t->head[c][0] != '\0';
	/* Markdown tables need a header row: a table without one (the summary) gets "item | value". */
	fputc('|', f);
	for (size_t c = 0; c < t->ncols; c++) {
		fputc(' ', f);
		md_text(f, head ? t->head[c] : c == 0 ? "item" : "value");
		fputs(" |", f);
	}
	fputs("\n|", f);
	for (size_t c = 0; c < t->ncols; c++)
		fputs(t->align[c] == 'r' ? " ---: |" : " --- |", f);
	fputc('\n', f);
	for (size_t r = 0; r < t->nrows; r++) {
		fputc('|', f);
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			fputc(' ', f);
			/* Continuation rows (callers, threads) start with two spaces, which Markdown drops. */
			if (c == 0 && strncmp(s, "  ", 2) == 0) {
				fputs("&emsp;", f);
				s += 2;
			}
			md_text(f, s);
			fputs(" |", f);
		}
		fputc('\n', f);
	}
}

static int md_process(FILE *f, const struct hp_report *r, const struct hp_report_opts *o, bool child)
{
	const struct hp_profile *p = r->profile;
	struct hp_table t;
	char spark[81];

	fputs(child ? "\n## Child process " : "\n## Process ", f);
	md_text(f, p->summary.program ? p->summary.program : "?");
	if (child)
		fprintf(f, " (pid %u, parent %u)\n", (unsigned)p->summary.pid, (unsigned)p->defs.process.ppid);
	else
		fprintf(f, " (pid %u)\n", (unsigned)p->summary.pid);

	for (int id = 0; id < HP_TABLE_COUNT; id++) {
		if (hp_table_build(&t, (enum hp_table_id)id, r, o) < 0)
			return -1;
		hp_table_print_md(f, &t, true);
		hp_table_release(&t);
		if (id == HP_TABLE_SCORE) {
			fprintf(f, "\n### Recommendations (%zu)\n\n", r->nrecs);
			if (r->nrecs == 0)
				fputs("None: no rule found anything to change.\n", f);
			for (size_t i = 0; i < r->nrecs; i++) {
				const struct hp_recommendation *rec = &r->recs[i];
				fprintf(f, "- **%s**: ", hp_severity_name(rec->severity));
				md_text(f, rec->title);
				fputs("  \n  ", f);
				md_text(f, rec->detail);
				fputs("  \n  at `", f);
				/* Inside a code span only backquotes matter. */
				for (const char *s = rec->location; *s; s++)
					fputc(*s == '`' ? '\'' : *s, f);
				fprintf(f, "` (rule `%s`)\n", rec->rule);
			}
		}
		if (id == HP_TABLE_REALLOCS && p->ntimeline) {
			fputs("\n### Heap and RSS over the run\n\n```\n", f);
			fprintf(f, "heap |%s|\n", hp_sparkline(spark, 72, p, false));
			fprintf(f, "RSS  |%s|\n```\n", hp_sparkline(spark, 72, p, true));
		}
	}
	if (r->nwarnings) {
		fputs("\n### Warnings\n\n", f);
		for (size_t i = 0; i < r->nwarnings; i++) {
			fputs("- ", f);
			md_text(f, r->warnings[i]);
			fputc('\n', f);
		}
	}
	return 0;
}

int hp_report_write_md(FILE *f, const struct hp_report *root, const struct hp_report *children,
		       size_t nchildren, const struct hp_report_opts *o)
{
	fputs("# hookprof report\n", f);
	if (nchildren) {
		/* The text report's table of processes, in its order; every process's section follows. */
		const struct hp_report **order = hp_report_process_order(root, children, nchildren);
		struct hp_table t;
		if (!order)
			return -1;
		int rc = hp_table_processes(&t, order, nchildren + 1);
		free(order);
		if (rc == 0) {
			fputs("\n## ", f);
			md_text(f, t.title);
			fputs("\n\n", f);
			hp_table_print_md(f, &t, false);
		}
		hp_table_release(&t);
		if (rc < 0)
			return -1;
	}
	if (md_process(f, root, o, false) < 0)
		return -1;
	for (size_t i = 0; i < nchildren; i++)
		if (md_process(f, &children[i], o, true) < 0)
			return -1;
	return ferror(f) ? -1 : 0;
}
