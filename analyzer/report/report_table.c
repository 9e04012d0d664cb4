/* report_table.c: the report's tables in human units, built once for the text and Markdown formats. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hpt_format.h"
#include "report/alloc_functions.h"
#include "report/elide.h"
#include "report/places.h"
#include "report/report.h"
#include "read/trace_warnings.h"
#include "util/grow.h"
#include "util/json_out.h"

/* Caller frames shown under a site or a leak in the tables (the JSON has whole stacks). */
#define TABLE_CALLERS 3
/* Rows of the sampled heap timeline. */
#define TIMELINE_ROWS 10

int hp_table_init(struct hp_table *t, const char *const *head, const char *align, const char *empty)
{
	memset(t, 0, sizeof(*t));
	t->head = head;
	t->align = align;
	t->ncols = strlen(align);
	t->empty = empty;
	t->fit = -1;
	return 0;
}

void hp_table_fit(struct hp_table *t, int fit, ...)
{
	va_list ap;
	int c;

	t->fit = fit;
	t->ndrop = 0;
	va_start(ap, fit);
	while ((c = va_arg(ap, int)) >= 0 && t->ndrop < sizeof(t->drop) / sizeof(t->drop[0]))
		t->drop[t->ndrop++] = c;
	va_end(ap);
}

void hp_table_release(struct hp_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

int hp_table_row(struct hp_table *t, ...)
{
	va_list ap;
	int rc = 0;

	/* A row of ncols cells is one element. */
	char **nc = hp_grow(t->cells, &t->cap, t->nrows + 1, t->ncols * sizeof(*nc));
	if (!nc)
		return -1;
	t->cells = nc;
	char **cells = t->cells + t->nrows * t->ncols;
	va_start(ap, t);
	for (size_t i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);
		cells[i] = strdup(s ? s : "");
		if (!cells[i])
			rc = -1;
	}
	va_end(ap);
	if (rc < 0) {
		for (size_t i = 0; i < t->ncols; i++)
			free(cells[i]);
		return -1;
	}
	t->nrows++;
	return 0;
}

__attribute__((format(printf, 2, 3))) static void title(struct hp_table *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->title, sizeof(t->title), fmt, ap);
	va_end(ap);
}

static char *u64s(char *buf, uint64_t v)
{
	snprintf(buf, HP_FMT_MAX, "%" PRIu64, v);
	return buf;
}

/* "12 of 40" or "all 12" for a title. */
static const char *shown(char *buf, size_t rows, size_t total)
{
	if (rows < total)
		snprintf(buf, HP_FMT_MAX, "top %zu of %zu", rows, total);
	else
		snprintf(buf, HP_FMT_MAX, "%zu", total);
	return buf;
}

/* ---- summary and score ---- */

static int t_summary(struct hp_table *t, const struct hp_report *r)
{
	static const char *const head[] = {"", ""};
	const struct hp_profile *p = r->profile;
	const struct hp_summary *s = &p->summary;
	char a[HP_FMT_MAX], b[HP_FMT_MAX], v[256];
	int rc = 0;

	hp_table_init(t, head, "ll", NULL);
	hp_table_fit(t, 1, -1);
	t->fit_wraps = true; /* "threads at the last scan" says how each kind of thread was read */
	title(t, "Summary");
	rc |= hp_table_row(t, "program", s->program ? s->program : "?");
	snprintf(v, sizeof(v), "%" PRIu32 " (parent %" PRIu32 ")", s->pid, p->defs.process.ppid);
	rc |= hp_table_row(t, "pid", v);
	rc |= hp_table_row(t, "trace", p->path);
	if (!s->ended && p->defs.process.stopped)
		snprintf(v, sizeof(v), "not recorded: recording stopped %s into the run (seccomp)", hp_fmt_ns(a, s->run_ns));
	else if (!s->ended)
		snprintf(v, sizeof(v), "not recorded (the trace stops %s into the run)", hp_fmt_ns(a, s->run_ns));
	else if (s->end_how == HPT_END_SIGNAL)
		snprintf(v, sizeof(v), "killed by signal %" PRId64, s->end_status);
	else if (s->end_how == HPT_END_EXEC)
		snprintf(v, sizeof(v), "replaced by exec");
	else
		snprintf(v, sizeof(v), "%s, status %" PRId64, hp_end_how_name(s->end_how), s->end_status);
	rc |= hp_table_row(t, "end", v);
	rc |= hp_table_row(t, "run time", hp_fmt_ns(a, s->run_ns));
	if (s->window) {
		snprintf(v, sizeof(v), "%s: %s from %s (every figure but leaks)", s->window, hp_fmt_ns(a, s->run_ns),
			 hp_fmt_ns(b, s->window_from_ns));
		rc |= hp_table_row(t, "window", v);
	}
	if (s->cpu_ns)
		rc |= hp_table_row(t, "CPU time", hp_fmt_ns(a, s->cpu_ns));
	rc |= hp_table_row(t, "threads", u64s(a, s->threads));
	rc |= hp_table_row(t, "events", u64s(a, s->events));
	snprintf(v, sizeof(v), "%" PRIu64 "%s", s->events_lost, s->events_lost ? "  (should be 0)" : "");
	rc |= hp_table_row(t, "events lost", v);
	rc |= hp_table_row(t, "recorder wait", hp_fmt_ns(a, s->wait_ns));
	if (hp_allocs_not_recorded(&p->defs)) {
		/* Unknown, not zero: no "every block was freed". */
		rc |= hp_table_row(t, "allocations", hp_allocs_not_recorded_text(&p->defs));
		if (s->peak_rss)
			rc |= hp_table_row(t, "peak RSS", hp_fmt_bytes(a, s->peak_rss));
		goto zones;
	}
	rc |= hp_table_row(t, "allocations", u64s(a, s->allocations));
	rc |= hp_table_row(t, "frees", u64s(a, s->frees));
	rc |= hp_table_row(t, "reallocs", u64s(a, s->reallocs));
	if (s->inherited_blocks) {
		snprintf(v, sizeof(v), "%s in %" PRIu64 " blocks (its parent's at the fork)",
			 hp_fmt_bytes(a, s->inherited_bytes), s->inherited_blocks);
		rc |= hp_table_row(t, "inherited", v);
	}
	if (s->failed_allocations)
		rc |= hp_table_row(t, "failed allocations", u64s(a, s->failed_allocations));
	rc |= hp_table_row(t, "bytes allocated", hp_fmt_bytes(a, s->bytes_allocated));
	snprintf(v, sizeof(v), "%s/s", hp_fmt_si(a, (double)s->allocs_per_second_x1000 / 1000));
	rc |= hp_table_row(t, "allocation rate", v);
	snprintf(v, sizeof(v), "%s at %s", hp_fmt_bytes(a, s->peak_heap_bytes), hp_fmt_ns(b, s->peak_heap_ns));
	rc |= hp_table_row(t, "peak heap", v);
	if (p->ntimeline)
		rc |= hp_table_row(t, "steady heap", hp_fmt_bytes(a, hp_steady_heap(p)));
	rc |= hp_table_row(t, "peak RSS", s->peak_rss ? hp_fmt_bytes(a, s->peak_rss) : "not sampled");
	snprintf(v, sizeof(v), "%" PRIu64 " (%s of allocations)", s->temporary_allocations,
		 hp_fmt_pct(a, s->allocations ? (double)s->temporary_allocations / (double)s->allocations : 0));
	rc |= hp_table_row(t, "temporary allocations", v);
	snprintf(v, sizeof(v), "%s in %" PRIu64 " blocks", hp_fmt_bytes(a, s->leaked_bytes), s->leaked_blocks);
	rc |= hp_table_row(t, "not freed at exit", v);
	for (int k = HP_LEAK_DEFINITE; k < HP_LEAK_KINDS; k++)
		if (s->leak_blocks[k]) {
			snprintf(v, sizeof(v), "%s in %" PRIu64 " blocks", hp_fmt_bytes(a, s->leak_bytes[k]),
				 s->leak_blocks[k]);
			snprintf(b, sizeof(b), "  %s", hp_leak_kind_phrase((enum hp_leak_kind)k));
			rc |= hp_table_row(t, b, v);
		}
	if (s->leak_blocks[HP_LEAK_UNCLASSIFIED] && s->leak_blocks[HP_LEAK_UNCLASSIFIED] != s->leaked_blocks) {
		snprintf(v, sizeof(v), "%s in %" PRIu64 " blocks", hp_fmt_bytes(a, s->leak_bytes[0]), s->leak_blocks[0]);
		rc |= hp_table_row(t, "  not classified", v);
	}
	if (s->suppressed_blocks) {
		snprintf(v, sizeof(v), "%s in %" PRIu64 " blocks", hp_fmt_bytes(a, s->suppressed_bytes),
			 s->suppressed_blocks);
		rc |= hp_table_row(t, "  suppressed", v);
	}
	if (p->nscans)
		rc |= hp_table_row(t, "  threads at the last scan", hp_scan_threads_text(&p->scans[p->nscans - 1], v, sizeof(v)));
	else
		rc |= hp_table_row(t, "  reachability scan", s->ended && s->end_how == HPT_END_EXEC
								     ? "none: ended by exec (nothing leaked)"
								     : "none: leaks not known");
zones:
	if (s->zone_calls)
		rc |= hp_table_row(t, "zone calls", u64s(a, s->zone_calls));
	return rc;
}

static int t_score(struct hp_table *t, const struct hp_report *r)
{
	static const char *const head[] = {"component", "measured", "score", "weight", "what it measures"};
	char a[HP_FMT_MAX], b[HP_FMT_MAX], c[HP_PLAIN_MAX], what[256];
	int rc = 0;

	hp_table_init(t, head, "lrrrl", NULL);
	hp_table_fit(t, 4, 3, 1, -1);
	title(t, "Score: %d/100 (%s)%s", r->score.value, r->score.category,
	      hp_allocs_not_recorded(&r->profile->defs) ? ", without the heap: allocations were not recorded" : "");
	for (int i = 0; i < HP_SC_COUNT; i++) {
		const struct hp_score_component *k = &r->score.comp[i];
		if (k->where)
			snprintf(what, sizeof(what), "%s: %s", k->what, k->where);
		else
			snprintf(what, sizeof(what), "%s", k->what);
		snprintf(b, sizeof(b), "%.0f", k->score);
		hp_fmt_plain(c, k->weight);
		rc |= hp_table_row(t, k->name, hp_fmt_component(a, k), k->applies ? b : "n/a", c, what);
	}
	return rc;
}

/* ---- functions, counters, marks ---- */

static int t_functions(struct hp_table *t, const struct hp_report *r, const struct hp_report_opts *o)
{
	static const char *const head[] = {"function", "calls", "total", "self", "mean", "min", "max", "stddev",
					   "p50", "p95", "p99", "share", "allocs", "bytes", "score", "cpu"};
	const struct hp_profile *p = r->profile;
	size_t n = hp_report_rows(p->nfunctions, o->top);
	char loc[4096], c[16][HP_FMT_MAX];
	int rc = 0;

	/* The cpu column (thread CPU time inside, as total) only when the trace has it: record --cpu-time.
	 * Rows always pass its cell; a table of 15 columns does not read it. */
	hp_table_init(t, head, p->cpu_time ? "lrrrrrrrrrrrrrrr" : "lrrrrrrrrrrrrrr",
		   "none recorded (tag functions with HP_FUNC() or HP_ZONE(), or build with -finstrument-functions)");
	/* Kept longest: the name, total, self and calls, what profilers show first, and cpu, which the
	 * user asked for (record --cpu-time). */
	hp_table_fit(t, 0, 7, 5, 8, 6, 9, 4, 11, 10, 12, 13, 14, 15, 3, 1, -1);
	title(t, "Functions (%s, by total time)", shown(c[0], n, p->nfunctions));
	for (size_t i = 0; i < n; i++) {
		const struct hp_function *f = &p->functions[i];
		hp_fmt_function(loc, sizeof(loc), f);
		snprintf(c[14], HP_FMT_MAX, "%.0f", f->score);
		rc |= hp_table_row(t, loc, u64s(c[1], f->calls), hp_fmt_ns(c[2], f->total_ns), hp_fmt_ns(c[3], f->self_ns),
			  hp_fmt_ns(c[4], (uint64_t)(f->mean_ns + 0.5)), hp_fmt_ns(c[5], f->min_ns),
			  hp_fmt_ns(c[6], f->max_ns), hp_fmt_ns(c[7], (uint64_t)(f->stddev_ns + 0.5)),
			  hp_fmt_ns(c[8], f->p50_ns), hp_fmt_ns(c[9], f->p95_ns), hp_fmt_ns(c[10], f->p99_ns),
			  hp_fmt_pct(c[11], f->share), u64s(c[12], f->allocs), hp_fmt_bytes(c[13], f->alloc_bytes), c[14],
			  hp_fmt_ns(c[15], f->cpu_ns));
		for (size_t k = 0; o->threads && k < f->nthreads; k++) {
			const struct hp_thread_stats *ts = &f->threads[k];
			if (ts->name)
				snprintf(loc, sizeof(loc), "  thread %" PRIu32 " (%s)", ts->tid, ts->name);
			else
				snprintf(loc, sizeof(loc), "  thread %" PRIu32, ts->tid);
			rc |= hp_table_row(t, loc, u64s(c[1], ts->calls), hp_fmt_ns(c[2], ts->total_ns), hp_fmt_ns(c[3], ts->self_ns),
				  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
		}
	}
	return rc;
}

static int t_counters(struct hp_table *t, const struct hp_report *r, const struct hp_report_opts *o)
{
	static const char *const head[] = {"counter", "total", "updates", "per second", "first", "last"};
	const struct hp_profile *p = r->profile;
	size_t n = hp_report_rows(p->ncounters, o->top);
	char c[6][HP_FMT_MAX];
	int rc = 0;

	hp_table_init(t, head, "lrrrrr", "none (HP_COUNT)");
	hp_table_fit(t, 0, 4, 5, 2, 3, -1);
	title(t, "Counters (%s)", shown(c[0], n, p->ncounters));
	for (size_t i = 0; i < n; i++) {
		const struct hp_counter *k = &p->counters[i];
		snprintf(c[1], HP_FMT_MAX, "%" PRId64, k->total);
		snprintf(c[3], HP_FMT_MAX, "%s/s", hp_fmt_si(c[0], k->per_second));
		rc |= hp_table_row(t, k->name, c[1], u64s(c[2], k->updates), c[3], hp_fmt_ns(c[4], k->first_ns),
			  hp_fmt_ns(c[5], k->last_ns));
	}
	return rc;
}

static int t_marks(struct hp_table *t, const struct hp_report *r, const struct hp_report_opts *o)
{
	static const char *const head[] = {"time", "thread", "mark"};
	const struct hp_profile *p = r->profile;
	size_t n = hp_report_rows(p->nmarks, o->top);
	char a[HP_FMT_MAX], b[HP_FMT_MAX];
	int rc = 0;

	hp_table_init(t, head, "rrl", "none (HP_MARK)");
	hp_table_fit(t, 2, 1, -1);
	if (n < p->nmarks + p->marks_dropped)
		title(t, "Marks (first %zu of %" PRIu64 ")", n, (uint64_t)p->nmarks + p->marks_dropped);
	else
		title(t, "Marks (%zu)", n);
	for (size_t i = 0; i < n; i++) {
		const struct hp_mark *m = &p->marks[i];
		const struct hp_thread_info *th = hp_defs_thread(&p->defs, m->stream);
		if (th)
			u64s(b, th->tid);
		else
			snprintf(b, sizeof(b), "?");
		rc |= hp_table_row(t, hp_fmt_ns(a, m->ns), b, m->name);
	}
	return rc;
}

/* ---- heap ---- */

static int callers(struct hp_table *t, const struct hp_stack_frames *s, int max, size_t ncols)
{
	char frame[4096], line[4200];
	int rc = 0;

	if (!s || s->nframes == 0)
		return 0;
	for (size_t i = s->user_frame + 1; i < s->nframes && i <= s->user_frame + (size_t)max; i++) {
		hp_fmt_fit(line, sizeof(line), "  from %s", hp_fmt_frame(frame, sizeof(frame), s->frames[i]));
		if (ncols == 8)
			rc |= hp_table_row(t, line, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
		else
			rc |= hp_table_row(t, line, NULL, NULL, NULL);
	}
	return rc;
}

static int t_sites(struct hp_table *t, const struct hp_report *r, const struct hp_report_opts *o,
		   enum hp_site_order key)
{
	static const char *const head[] = {"site", "module", "allocs", "bytes", "mean", "temporary", "at peak", "live"};
	static const char *const names[] = {"count", "bytes", "peak contribution", "temporary allocations"};
	const struct hp_profile *p = r->profile;
	char loc[4096], c[8][HP_FMT_MAX];
	int rc = 0;

	hp_table_init(t, head, "llrrrrrr", "none");
	/* The column the table is ordered by stays; the others go, least telling first. */
	static const int key_col[] = {[HP_BY_COUNT] = 2, [HP_BY_BYTES] = 3, [HP_BY_PEAK] = 6, [HP_BY_TEMPORARY] = 5};
	int order[] = {4, 1, 7, 5, 6, 3, 2}, k = 0;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (order[i] != key_col[key])
			order[k++] = order[i];
	hp_table_fit(t, 0, order[0], order[1], order[2], order[3], order[4], order[5], -1);
	size_t np = 0;
	struct hp_place *pl = hp_site_places(p, false, &np);
	if (!pl)
		return -1;
	size_t nz = hp_places_by(pl, np, key);
	size_t n = hp_report_rows(nz, o->top);
	title(t, "Allocation sites by %s (%s)", names[key], shown(c[0], n, nz));
	for (size_t i = 0; i < n; i++) {
		const struct hp_place *s = &pl[i];
		const struct hp_frame *uf = hp_user_frame(s->frames);
		hp_fmt_site(loc, sizeof(loc), s->frames, s->stack_id);
		rc |= hp_table_row(t, loc, uf && uf->module ? hp_basename(uf->module) : "?", u64s(c[0], s->cost.allocs),
			  hp_fmt_bytes(c[1], s->cost.bytes),
			  hp_fmt_bytes(c[2], s->cost.allocs ? s->cost.bytes / s->cost.allocs : 0),
			  u64s(c[3], s->cost.temporary), hp_fmt_bytes(c[4], s->cost.peak_bytes),
			  hp_fmt_bytes(c[5], s->cost.live_bytes));
		if (key != HP_BY_BYTES)
			continue;
		if (s->paths > 1) {
			snprintf(loc, sizeof(loc), "  over %zu call paths, the largest:", s->paths);
			rc |= hp_table_row(t, loc, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
		}
		rc |= callers(t, s->frames, TABLE_CALLERS, 8);
	}
	free(pl);
	return rc;
}

/* Bars at most this long; shorter when the width asks for it (the other columns take about 48). */
#define BAR_MAX 40
#define SIZES_OTHER_COLS 48

/* Sub-stacks shown under each allocating function. */
#define FUNCTION_SUBSTACKS 3

/* One sub-stack: the function's line and its caller ("  at line 42 from load (loader.c:10)"). */
static char *substack(char *buf, size_t len, const struct hp_alloc_substack *sub)
{
	char frame[2048];

	if (sub->caller)
		hp_fmt_fit(buf, len, "  at line %u from %s", sub->line, hp_fmt_frame(frame, sizeof(frame), sub->caller));
	else
		snprintf(buf, len, "  at line %u", sub->line);
	return buf;
}

static int t_alloc_functions(struct hp_table *t, const struct hp_report *r, const struct hp_report_opts *o)
{
	static const char *const head[] = {"function", "module", "allocs", "bytes", "temporary", "at peak",
					   "not freed", "sites"};
	const struct hp_profile *p = r->profile;
	struct hp_alloc_function *fn;
	size_t nf;
	char loc[4096], c[8][HP_FMT_MAX];
	int rc = 0;

	hp_table_init(t, head, "llrrrrrr", "none");
	hp_table_fit(t, 0, 7, 1, 6, 4, 5, -1);
	if (hp_alloc_functions(p, &fn, &nf) < 0)
		return -1;
	size_t n = hp_report_rows(nf, o->top);
	title(t, "Allocating functions (%s, sites merged by function, by allocations)", shown(c[0], n, nf));
	for (size_t i = 0; i < n; i++) {
		const struct hp_alloc_function *f = &fn[i];
		if (!f->frame)
			snprintf(loc, sizeof(loc), "stack #%" PRIu32 " (not symbolized)", p->sites[f->sites[0]].stack_id);
		else if (f->frame->function && f->frame->file)
			hp_fmt_fit(loc, sizeof(loc), "%s (%s)", f->frame->function, hp_basename(f->frame->file));
		else
			hp_fmt_frame(loc, sizeof(loc), f->frame);
		rc |= hp_table_row(t, loc, f->frame && f->frame->module ? hp_basename(f->frame->module) : "?",
				   u64s(c[0], f->cost.allocs), hp_fmt_bytes(c[1], f->cost.bytes),
				   u64s(c[2], f->cost.temporary), hp_fmt_bytes(c[3], f->cost.peak_bytes),
				   hp_fmt_bytes(c[4], f->cost.leaked_bytes), u64s(c[5], f->nsites));
		for (size_t k = 0; k < f->nsubs && k < FUNCTION_SUBSTACKS; k++) {
			const struct hp_alloc_substack *sub = &f->subs[k];
			rc |= hp_table_row(t, substack(loc, sizeof(loc), sub), NULL, u64s(c[0], sub->cost.allocs),
					   hp_fmt_bytes(c[1], sub->cost.bytes), u64s(c[2], sub->cost.temporary),
					   hp_fmt_bytes(c[3], sub->cost.peak_bytes),
					   hp_fmt_bytes(c[4], sub->cost.leaked_bytes), u64s(c[5], sub->nsites));
		}
		if (f->nsubs > FUNCTION_SUBSTACKS) {
			size_t more = f->nsubs - FUNCTION_SUBSTACKS;
			snprintf(loc, sizeof(loc), "  and %zu more sub-stack%s", more, more == 1 ? "" : "s");
			rc |= hp_table_row(t, loc, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
		}
	}
	hp_alloc_functions_free(fn, nf);
	return rc;
}

static int t_sizes(struct hp_table *t, const struct hp_report *r, const struct hp_report_opts *o)
{
	static const char *const head[] = {"size", "allocations", "share", ""};
	const struct hp_profile *p = r->profile;
	uint64_t total = 0, max = 0;
	char range[2 * HP_FMT_MAX + 8], a[HP_FMT_MAX], b[HP_FMT_MAX], bar[BAR_MAX + 1];
	size_t bar_max = BAR_MAX;
	int rc = 0;

	if (o->width && o->width < SIZES_OTHER_COLS + BAR_MAX)
		bar_max = o->width > SIZES_OTHER_COLS + 8 ? o->width - SIZES_OTHER_COLS : 8;
	hp_table_init(t, head, "rrrl", "no allocations");
	hp_table_fit(t, -1, 3, -1);
	title(t, "Allocation sizes");
	for (int i = 0; i < HP_SIZE_BUCKETS; i++) {
		total += p->size_hist[i];
		if (p->size_hist[i] > max)
			max = p->size_hist[i];
	}
	for (int i = 0; i < HP_SIZE_BUCKETS; i++) {
		uint64_t n = p->size_hist[i];
		if (!n)
			continue;
		snprintf(range, sizeof(range), "%s .. %s", hp_fmt_bytes(a, i ? UINT64_C(1) << i : 0),
			 hp_fmt_bytes(b, (UINT64_C(1) << (i + 1)) - 1));
		size_t len = (size_t)((double)n * (double)bar_max / (double)max + 0.5);
		memset(bar, '#', len ? len : 1);
		bar[len ? len : 1] = '\0';
		rc |= hp_table_row(t, range, u64s(a, n), hp_fmt_pct(b, (double)n / (double)total), bar);
	}
	return rc;
}

static int t_reallocs(struct hp_table *t, const struct hp_report *r, const struct hp_report_opts *o)
{
	static const char *const head[] = {"site", "reallocs", "constant step", "largest"};
	const struct hp_profile *p = r->profile;
	char loc[4096], c[4][HP_FMT_MAX];
	int rc = 0;

	hp_table_init(t, head, "lrrr", "none");
	hp_table_fit(t, 0, 3, 2, -1);
	size_t *idx = malloc((p->nsites ? p->nsites : 1) * sizeof(*idx));
	if (!idx)
		return -1;
	size_t nz = hp_report_sites_by(p, HP_BY_REALLOCS, idx);
	size_t n = hp_report_rows(nz, o->top);
	title(t, "Realloc chains (%s sites)", shown(c[0], n, nz));
	for (size_t i = 0; i < n; i++) {
		const struct hp_alloc_site *s = &p->sites[idx[i]];
		hp_fmt_site(loc, sizeof(loc), s->frames, s->stack_id);
		rc |= hp_table_row(t, loc, u64s(c[0], s->reallocs),
			  s->realloc_const_step ? hp_fmt_bytes(c[1], s->realloc_const_step) : "no (varies)",
			  hp_fmt_bytes(c[2], s->max_size));
	}
	free(idx);
	return rc;
}

static int t_timeline(struct hp_table *t, const struct hp_report *r)
{
	static const char *const head[] = {"time", "heap", "RSS", "CPU", "allocations", ""};
	const struct hp_profile *p = r->profile;
	char c[5][HP_FMT_MAX];
	size_t n = p->ntimeline, rows = n < TIMELINE_ROWS ? n : TIMELINE_ROWS, peak = 0;
	int rc = 0;

	hp_table_init(t, head, "rrrrrl", "no samples");
	hp_table_fit(t, -1, 3, 4, 2, -1);
	if (!n)
		return 0; /* HOOKPROF_RECORD without samples, or a trace cut before its first one */
	for (size_t i = 1; i < n; i++)
		if (p->timeline[i].heap_bytes > p->timeline[peak].heap_bytes)
			peak = i;
	title(t, "Heap timeline (%zu of %zu points)", rows, n);
	/* Evenly spaced points, first and last included; the highest heap point replaces the nearest
	 * inner one when it is not among them. */
	size_t pick[TIMELINE_ROWS];
	bool have = false;
	for (size_t k = 0; k < rows; k++) {
		pick[k] = rows > 1 ? k * (n - 1) / (rows - 1) : 0;
		have |= pick[k] == peak;
	}
	if (!have) {
		size_t lo = rows > 2 ? 1 : 0, hi = rows > 2 ? rows - 2 : rows - 1, best = lo;
		for (size_t k = lo; k <= hi; k++) {
			size_t d = pick[k] > peak ? pick[k] - peak : peak - pick[k];
			size_t bd = pick[best] > peak ? pick[best] - peak : peak - pick[best];
			if (d < bd)
				best = k;
		}
		pick[best] = peak;
	}
	for (size_t k = 0; k < rows; k++) {
		const struct hp_timeline_point *pt = &p->timeline[pick[k]];
		rc |= hp_table_row(t, hp_fmt_ns(c[0], pt->ns), hp_fmt_bytes(c[1], pt->heap_bytes),
			  pt->rss ? hp_fmt_bytes(c[2], pt->rss) : "-", hp_fmt_ns(c[3], pt->cpu_ns), u64s(c[4], pt->allocs),
			  pick[k] == peak ? "<- peak" : NULL);
	}
	return rc;
}

char *hp_sparkline(char *buf, size_t width, const struct hp_profile *p, bool rss)
{
	static const char levels[] = " .:-=+*#%@";
	uint64_t max = 0;
	size_t n = p->ntimeline;

	buf[0] = '\0';
	if (n == 0 || width == 0)
		return buf;
	if (width > n)
		width = n;
	for (size_t i = 0; i < n; i++) {
		uint64_t v = rss ? p->timeline[i].rss : p->timeline[i].heap_bytes;
		if (v > max)
			max = v;
	}
	for (size_t col = 0; col < width; col++) {
		/* Each column shows the highest point of its stretch of the timeline. */
		size_t from = col * n / width, to = (col + 1) * n / width;
		uint64_t v = 0;
		for (size_t i = from; i < to; i++) {
			uint64_t x = rss ? p->timeline[i].rss : p->timeline[i].heap_bytes;
			if (x > v)
				v = x;
		}
		buf[col] = levels[max ? (size_t)((double)v * 9 / (double)max + 0.5) : 0];
	}
	buf[width] = '\0';
	return buf;
}

static int t_leaks(struct hp_table *t, const struct hp_report *r, const struct hp_report_opts *o)
{
	static const char *const head[] = {"kind", "bytes", "blocks", "allocated at"};
	const struct hp_profile *p = r->profile;
	size_t total = 0, n;
	char loc[4096], a[HP_FMT_MAX], b[HP_FMT_MAX];
	int rc = 0;

	for (size_t i = 0; i < p->nleaks; i++)
		total += hp_leak_shown(&p->leaks[i]);
	n = hp_report_rows(total, o->top);
	hp_table_init(t, head, "lrrl",
		      hp_allocs_not_recorded(&p->defs) ? hp_allocs_not_recorded_text(&p->defs) : "none: every block was freed");
	hp_table_fit(t, 3, 2, 0, -1);
	title(t, "Not freed at exit (%s groups, by bytes)", shown(a, n, total));
	for (size_t i = 0, k = 0; i < p->nleaks && k < n; i++) {
		const struct hp_leak *l = &p->leaks[i];
		if (!hp_leak_shown(l))
			continue;
		k++;
		hp_fmt_site(loc, sizeof(loc), l->frames, l->stack_id);
		rc |= hp_table_row(t, hp_leak_kind_phrase(l->kind), hp_fmt_bytes(a, l->bytes), u64s(b, l->blocks), loc);
		rc |= callers(t, l->frames, TABLE_CALLERS, 4);
	}
	return rc;
}

int hp_table_build(struct hp_table *t, enum hp_table_id id, const struct hp_report *r,
		   const struct hp_report_opts *o)
{
	int rc = -1;

	memset(t, 0, sizeof(*t));
	switch (id) {
	case HP_TABLE_SUMMARY:
		rc = t_summary(t, r);
		break;
	case HP_TABLE_SCORE:
		rc = t_score(t, r);
		break;
	case HP_TABLE_FUNCTIONS:
		rc = t_functions(t, r, o);
		break;
	case HP_TABLE_COUNTERS:
		rc = t_counters(t, r, o);
		break;
	case HP_TABLE_MARKS:
		rc = t_marks(t, r, o);
		break;
	case HP_TABLE_SITES_BY_COUNT:
		rc = t_sites(t, r, o, HP_BY_COUNT);
		break;
	case HP_TABLE_SITES_BY_BYTES:
		rc = t_sites(t, r, o, HP_BY_BYTES);
		break;
	case HP_TABLE_SITES_BY_PEAK:
		rc = t_sites(t, r, o, HP_BY_PEAK);
		break;
	case HP_TABLE_SITES_BY_TEMPORARY:
		rc = t_sites(t, r, o, HP_BY_TEMPORARY);
		break;
	case HP_TABLE_ALLOC_FUNCTIONS:
		rc = t_alloc_functions(t, r, o);
		break;
	case HP_TABLE_SIZES:
		rc = t_sizes(t, r, o);
		break;
	case HP_TABLE_REALLOCS:
		rc = t_reallocs(t, r, o);
		break;
	case HP_TABLE_TIMELINE:
		rc = t_timeline(t, r);
		break;
	case HP_TABLE_LEAKS:
		rc = t_leaks(t, r, o);
		break;
	case HP_TABLE_COUNT:
		break;
	}
	if (rc < 0)
		hp_table_release(t);
	return rc < 0 ? -1 : 0;
}
