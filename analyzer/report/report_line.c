/* report_line.c: `report --format line`: one logfmt line per process, for logs and CI output. */
#include <inttypes.h>
#include <string.h>

#include "report/report.h"

/* logfmt: a value with a blank, a quote, '=' or a control character goes in quotes. */
static void value(FILE *f, const char *s)
{
	if (*s && !strpbrk(s, " \"=\\\t\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* "4.5 MiB" reads as 4.5MiB here: one token per value. */
static const char *nospace(char *buf)
{
	char *sp = strchr(buf, ' ');
	if (sp)
		memmove(sp, sp + 1, strlen(sp));
	return buf;
}

static void line(FILE *f, const struct hp_report *r)
{
	const struct hp_summary *s = &r->profile->summary;
	char a[HP_FMT_MAX];

	fputs("hookprof program=", f);
	value(f, s->program ? s->program : "?");
	fprintf(f, " pid=%" PRIu32 " run=%s", s->pid, nospace(hp_fmt_ns(a, s->run_ns)));
	fprintf(f, " allocations=%" PRIu64, s->allocations);
	fprintf(f, " peak=%s", nospace(hp_fmt_bytes(a, s->peak_heap_bytes)));
	fprintf(f, " leaked=%s leaked_blocks=%" PRIu64, nospace(hp_fmt_bytes(a, s->leaked_bytes)), s->leaked_blocks);
	fprintf(f, " definitely_lost=%s", nospace(hp_fmt_bytes(a, s->leak_bytes[HP_LEAK_DEFINITE])));
	fprintf(f, " events_lost=%" PRIu64, s->events_lost);
	fprintf(f, " score=%d category=%s", r->score.value, r->score.category);
	fprintf(f, " recommendations=%zu warnings=%zu\n", r->nrecs, r->nwarnings);
}

int hp_report_write_line(FILE *f, const struct hp_report *root, const struct hp_report *children,
			 size_t nchildren, const struct hp_report_opts *o)
{
	(void)o;
	line(f, root);
	for (size_t i = 0; i < nchildren; i++)
		line(f, &children[i]);
	return ferror(f) ? -1 : 0;
}
