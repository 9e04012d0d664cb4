/* process_table.c: the processes of a run, those that matter first, as one table (text and Markdown). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpt_format.h"
#include "read/trace_warnings.h"
#include "report/elide.h"
#include "report/report.h"

/* How much a process matters: the points its score misses, times its allocations. A tiny shell with
 * a low score (its few blocks not freed) comes after the program that did the work. */
static double weight(const struct hp_report *r)
{
	return (double)(100 - r->score.value) * (double)r->profile->summary.allocations;
}

/* The processes that matter first: by weight, then the most allocations, then by pid. */
static int cmp_process(const void *a, const void *b)
{
	const struct hp_report *x = *(const struct hp_report *const *)a, *y = *(const struct hp_report *const *)b;
	const struct hp_summary *sx = &x->profile->summary, *sy = &y->profile->summary;

	if (weight(x) != weight(y))
		return weight(x) > weight(y) ? -1 : 1;
	if (sx->allocations != sy->allocations)
		return sx->allocations > sy->allocations ? -1 : 1;
	if (sx->pid != sy->pid)
		return sx->pid < sy->pid ? -1 : 1;
	return strcmp(x->profile->path, y->profile->path);
}

/* "exit 0", "signal 9", "exec", "_exit 3", "stopped" when recording stopped before the program
 * restricted its system calls (seccomp), or "not recorded" when the trace stops before the end. */
static const char *ended_text(char *buf, size_t len, const struct hp_profile *p)
{
	const struct hp_summary *s = &p->summary;

	if (!s->ended && p->defs.process.stopped)
		snprintf(buf, len, "stopped");
	else if (!s->ended)
		snprintf(buf, len, "not recorded");
	else if (s->end_how == HPT_END_EXEC)
		snprintf(buf, len, "exec");
	else
		snprintf(buf, len, "%s %lld", hp_end_how_name(s->end_how), (long long)s->end_status);
	return buf;
}

/* The command line the process started with, its program's directory left out (the program's path
 * when argv was not recorded). */
static const char *command_text(char *buf, size_t len, const struct hp_profile *p)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; i < p->defs.process.argc; i++) {
		const char *arg = i ? p->defs.process.argv[i] : hp_basename(p->defs.process.argv[i]);
		int n = snprintf(buf + at, len - at, "%s%s", i ? " " : "", arg);
		if (n < 0 || (size_t)n >= len - at) { /* longer than the buffer: its end marked as cut */
			at = len - sizeof(HP_ELLIPSIS);
			while (at && ((unsigned char)buf[at] & 0xc0) == 0x80)
				at--;
			memcpy(buf + at, HP_ELLIPSIS, sizeof(HP_ELLIPSIS));
			return buf;
		}
		at += (size_t)n;
	}
	if (!buf[0])
		snprintf(buf, len, "%s", p->summary.program ? p->summary.program : "?");
	return buf;
}

int hp_table_processes(struct hp_table *t, const struct hp_report *const *order, size_t n)
{
	static const char *const head[] = {"pid", "parent", "command", "ended", "run time", "allocs", "peak",
					   "not freed", "score"};
	char cmd[4096], c[9][HP_FMT_MAX];
	int rc = 0;

	hp_table_init(t, head, "rrllrrrrr", NULL);
	/* The command shortened first; parent, run time, peak and not freed go before it is too short. */
	hp_table_fit(t, 2, 1, 4, 6, 7, -1);
	t->fit_keep = 24; /* the figures matter more than a long command line */
	snprintf(t->title, sizeof(t->title), "Processes (%zu, those that matter first: allocations x (100 - score))", n);
	for (size_t i = 0; i < n; i++) {
		const struct hp_profile *p = order[i]->profile;
		const struct hp_summary *s = &p->summary;
		snprintf(c[0], HP_FMT_MAX, "%u", (unsigned)s->pid);
		snprintf(c[1], HP_FMT_MAX, "%u", (unsigned)p->defs.process.ppid);
		snprintf(c[5], HP_FMT_MAX, "%llu", (unsigned long long)s->allocations);
		snprintf(c[8], HP_FMT_MAX, "%d", order[i]->score.value);
		/* Unknown, not zero: allocations that were not recorded (HOOKPROF_RECORD, its own malloc). */
		bool heap = !hp_allocs_not_recorded(&p->defs);
		rc |= hp_table_row(t, c[0], c[1], command_text(cmd, sizeof(cmd), p), ended_text(c[3], HP_FMT_MAX, p),
				   hp_fmt_ns(c[4], s->run_ns), heap ? c[5] : "-",
				   heap ? hp_fmt_bytes(c[6], s->peak_heap_bytes) : "-",
				   heap ? hp_fmt_bytes(c[7], s->leaked_bytes) : "-", c[8]);
	}
	return rc;
}

const struct hp_report **hp_report_process_order(const struct hp_report *root, const struct hp_report *children,
						 size_t nchildren)
{
	const struct hp_report **order = malloc((nchildren + 1) * sizeof(*order));

	if (!order)
		return NULL;
	order[0] = root;
	for (size_t i = 0; i < nchildren; i++)
		order[i + 1] = &children[i];
	qsort(order, nchildren + 1, sizeof(*order), cmp_process);
	return order;
}
