/* history_view.c: `history show`: the runs and one function over time, with their change and trend, in every format. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history/history_judge.h"
#include "history/history_view.h"
#include "report/html_page.h"
#include "util/json_out.h"
#include "report/report.h"

/* The page's sources, analyzer/report/html/history.*, compiled in by scripts/embed-files. */
extern const unsigned char hp_html_history_html[], hp_html_history_js[];
extern const size_t hp_html_history_html_len, hp_html_history_js_len;

int hp_history_view_load(struct hp_history_view *v, struct hp_history *h, const char *db, const char *function,
			 char *err, size_t errlen)
{
	memset(v, 0, sizeof(*v));
	v->db = db;
	v->function = function;
	if (hp_history_runs(h, &v->runs, &v->nruns, err, errlen))
		return -1;
	if (!function)
		return 0;
	v->points = calloc(v->nruns + 1, sizeof(*v->points));
	v->point_run = calloc(v->nruns + 1, sizeof(*v->point_run));
	if (!v->points || !v->point_run) {
		snprintf(err, errlen, "'%s': %s", db, strerror(ENOMEM));
		goto fail;
	}
	for (size_t i = 0; i < v->nruns; i++) {
		struct hp_history_function *fns;
		size_t n;
		if (hp_history_functions(h, v->runs[i].root.id, function, &fns, &n, err, errlen))
			goto fail;
		if (n) {
			/* Ordered by total: the first is the one kept; the others are freed. */
			v->points[v->npoints] = fns[0];
			v->point_run[v->npoints++] = i;
			memset(&fns[0], 0, sizeof(fns[0]));
		}
		hp_history_functions_free(fns, n);
	}
	return 0;
fail:
	hp_history_view_release(v);
	return -1;
}

void hp_history_view_release(struct hp_history_view *v)
{
	hp_history_runs_free(v->runs, v->nruns);
	hp_history_functions_free(v->points, v->npoints);
	free(v->point_run);
	memset(v, 0, sizeof(*v));
}

static char *fmt_date(char *buf, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || !strftime(buf, HP_FMT_MAX, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, HP_FMT_MAX, "%" PRId64, t);
	return buf;
}

static char *fmt_u64(char *buf, uint64_t v)
{
	snprintf(buf, HP_FMT_MAX, "%" PRIu64, v);
	return buf;
}

/* "+12.3%" of now over before; "-" without a before. */
static char *fmt_change(char *buf, bool have, double before, double now)
{
	if (!have)
		snprintf(buf, HP_FMT_MAX, "-");
	else if (before == now)
		snprintf(buf, HP_FMT_MAX, "0%%");
	else if (before == 0)
		snprintf(buf, HP_FMT_MAX, "from 0");
	else
		snprintf(buf, HP_FMT_MAX, "%+.1f%%", 100 * (now - before) / before);
	return buf;
}

/* The run before i of the same program (its root process), or -1. */
static long previous_run(const struct hp_history_view *v, size_t i)
{
	for (size_t k = i; k-- > 0;)
		if (!strcmp(v->runs[k].root.program, v->runs[i].root.program))
			return (long)k;
	return -1;
}

/* The least-squares trend of the runs of the latest run's program, as a share of the mean per run,
 * of run time, bytes allocated and peak heap; n: how many runs. */
struct trend {
	size_t n;
	double run_time, bytes, peak;
};

static int runs_trend(const struct hp_history_view *v, struct trend *t)
{
	double *x = calloc(v->nruns + 1, 3 * sizeof(double));
	const char *program = v->nruns ? v->runs[v->nruns - 1].root.program : NULL;

	memset(t, 0, sizeof(*t));
	if (!x)
		return -1;
	for (size_t i = 0; program && i < v->nruns; i++) {
		const struct hp_history_process *p = &v->runs[i].root;
		if (strcmp(p->program, program))
			continue;
		x[t->n] = (double)p->run_ns;
		x[v->nruns + 1 + t->n] = (double)p->bytes_allocated;
		x[2 * (v->nruns + 1) + t->n] = (double)p->peak_heap_bytes;
		t->n++;
	}
	t->run_time = hp_trend_slope(x, t->n);
	t->bytes = hp_trend_slope(x + v->nruns + 1, t->n);
	t->peak = hp_trend_slope(x + 2 * (v->nruns + 1), t->n);
	free(x);
	return 0;
}

static double point_mean_slope(const struct hp_history_view *v, bool p95)
{
	double *x = calloc(v->npoints + 1, sizeof(double));
	double s;

	if (!x)
		return 0;
	for (size_t i = 0; i < v->npoints; i++)
		x[i] = p95 ? (double)v->points[i].p95_ns : v->points[i].mean_ns;
	s = hp_trend_slope(x, v->npoints);
	free(x);
	return s;
}

static int runs_table(struct hp_table *t, const struct hp_history_view *v)
{
	static const char *const head[] = {"run",  "added", "label",  "program", "run time", "change",
					   "CPU", "allocations", "peak heap", "leaked", "score"};
	char id[HP_FMT_MAX], date[HP_FMT_MAX], rt[HP_FMT_MAX], ch[HP_FMT_MAX], cpu[HP_FMT_MAX], al[HP_FMT_MAX],
		pk[HP_FMT_MAX], lk[HP_FMT_MAX], sc[HP_FMT_MAX];

	hp_table_init(t, head, "rlllrrrrrrr", "no run yet: hookprof history add TRACE");
	snprintf(t->title, sizeof(t->title), "Runs in %s (%zu)", v->db, v->nruns);
	for (size_t i = 0; i < v->nruns; i++) {
		const struct hp_history_run *r = &v->runs[i];
		const struct hp_history_process *p = &r->root;
		long prev = previous_run(v, i);
		fmt_change(ch, prev >= 0, prev >= 0 ? (double)v->runs[prev].root.run_ns : 0, (double)p->run_ns);
		if (hp_table_row(t, fmt_u64(id, (uint64_t)r->id), fmt_date(date, r->added_at), r->label ? r->label : "",
				 p->program, hp_fmt_ns(rt, p->run_ns), ch, hp_fmt_ns(cpu, p->cpu_ns),
				 fmt_u64(al, p->allocations), hp_fmt_bytes(pk, p->peak_heap_bytes),
				 hp_fmt_bytes(lk, p->leaked_bytes), fmt_u64(sc, (uint64_t)p->score)))
			return -1;
	}
	return 0;
}

static int function_table(struct hp_table *t, const struct hp_history_view *v)
{
	static const char *const head[] = {"run", "added", "label", "calls", "mean",  "change",
					   "p50", "p95",   "p99",   "cpu",   "allocs"};
	char id[HP_FMT_MAX], date[HP_FMT_MAX], calls[HP_FMT_MAX], mean[HP_FMT_MAX], ch[HP_FMT_MAX], p50[HP_FMT_MAX],
		p95[HP_FMT_MAX], p99[HP_FMT_MAX], cpu[HP_FMT_MAX], al[HP_FMT_MAX];

	hp_table_init(t, head, "rllrrrrrrrr", NULL);
	const struct hp_history_function *f0 = v->npoints ? &v->points[0] : NULL;
	snprintf(t->title, sizeof(t->title), "%s%s%s%s over %zu runs", v->function, f0 && f0->file ? " (" : "",
		 f0 && f0->file ? f0->file : "", f0 && f0->file ? ")" : "", v->npoints);
	for (size_t i = 0; i < v->npoints; i++) {
		const struct hp_history_function *f = &v->points[i];
		const struct hp_history_run *r = &v->runs[v->point_run[i]];
		fmt_change(ch, i > 0, i ? v->points[i - 1].mean_ns : 0, f->mean_ns);
		if (hp_table_row(t, fmt_u64(id, (uint64_t)r->id), fmt_date(date, r->added_at), r->label ? r->label : "",
				 fmt_u64(calls, f->calls), hp_fmt_ns(mean, (uint64_t)f->mean_ns), ch, hp_fmt_ns(p50, f->p50_ns),
				 hp_fmt_ns(p95, f->p95_ns), hp_fmt_ns(p99, f->p99_ns), f->has_cpu ? hp_fmt_ns(cpu, f->cpu_ns) : "-",
				 fmt_u64(al, f->allocs)))
			return -1;
	}
	return 0;
}

int hp_history_write_tables(FILE *out, const struct hp_history_view *v, bool md, bool color)
{
	struct hp_table t;
	struct trend tr;

	if (runs_table(&t, v)) {
		hp_table_release(&t);
		return -1;
	}
	md ? hp_table_print_md(out, &t, true) : hp_table_print_text(out, &t, true, color);
	hp_table_release(&t);
	if (runs_trend(v, &tr))
		return -1;
	if (tr.n >= 2)
		fprintf(out, "\nTrend of %s over its %zu runs (least squares, per run): run time %+.1f%%, bytes allocated "
			"%+.1f%%, peak heap %+.1f%%\n",
			v->runs[v->nruns - 1].root.program, tr.n, 100 * tr.run_time, 100 * tr.bytes, 100 * tr.peak);
	if (!v->function)
		return 0;
	fputc('\n', out);
	if (function_table(&t, v)) {
		hp_table_release(&t);
		return -1;
	}
	md ? hp_table_print_md(out, &t, true) : hp_table_print_text(out, &t, true, color);
	hp_table_release(&t);
	if (v->npoints >= 2)
		fprintf(out, "\nTrend of %s over %zu runs (least squares, per run): mean %+.1f%%, p95 %+.1f%%\n", v->function,
			v->npoints, 100 * point_mean_slope(v, false), 100 * point_mean_slope(v, true));
	return 0;
}

static void json_process(struct hp_jw *w, const struct hp_history_process *p)
{
	hp_jw_str(w, "program", p->program);
	hp_jw_u64(w, "run_ns", p->run_ns);
	hp_jw_u64(w, "cpu_ns", p->cpu_ns);
	hp_jw_u64(w, "allocations", p->allocations);
	hp_jw_u64(w, "bytes_allocated", p->bytes_allocated);
	hp_jw_u64(w, "peak_heap_bytes", p->peak_heap_bytes);
	hp_jw_u64(w, "peak_rss", p->peak_rss);
	hp_jw_u64(w, "leaked_bytes", p->leaked_bytes);
	hp_jw_u64(w, "leaked_blocks", p->leaked_blocks);
	hp_jw_u64(w, "events_lost", p->events_lost);
	hp_jw_i64(w, "score", p->score);
}

void hp_history_write_json(FILE *out, const struct hp_history_view *v)
{
	struct hp_jw w = {.f = out};
	struct trend tr = {0};

	runs_trend(v, &tr);
	hp_jw_obj(&w, NULL);
	hp_jw_str(&w, "database", v->db);
	hp_jw_i64(&w, "schema", HP_HISTORY_SCHEMA);
	hp_jw_arr(&w, "runs");
	for (size_t i = 0; i < v->nruns; i++) {
		const struct hp_history_run *r = &v->runs[i];
		hp_jw_obj(&w, NULL);
		hp_jw_i64(&w, "id", r->id);
		hp_jw_i64(&w, "added_at", r->added_at);
		hp_jw_str(&w, "label", r->label);
		hp_jw_str(&w, "trace", r->trace);
		hp_jw_str(&w, "window", r->window);
		json_process(&w, &r->root);
		hp_jw_end_obj(&w);
	}
	hp_jw_end_arr(&w);
	hp_jw_obj(&w, "trend");
	hp_jw_str(&w, "program", tr.n ? v->runs[v->nruns - 1].root.program : NULL);
	hp_jw_u64(&w, "runs", tr.n);
	hp_jw_dbl(&w, "run_ns_per_run", tr.run_time);
	hp_jw_dbl(&w, "bytes_allocated_per_run", tr.bytes);
	hp_jw_dbl(&w, "peak_heap_per_run", tr.peak);
	hp_jw_end_obj(&w);
	if (v->function) {
		hp_jw_obj(&w, "function");
		hp_jw_str(&w, "name", v->function);
		hp_jw_str(&w, "file", v->npoints ? v->points[0].file : NULL);
		hp_jw_dbl(&w, "mean_per_run", point_mean_slope(v, false));
		hp_jw_arr(&w, "points");
		for (size_t i = 0; i < v->npoints; i++) {
			const struct hp_history_function *f = &v->points[i];
			hp_jw_obj(&w, NULL);
			hp_jw_i64(&w, "run", v->runs[v->point_run[i]].id);
			hp_jw_u64(&w, "calls", f->calls);
			hp_jw_u64(&w, "total_ns", f->total_ns);
			hp_jw_u64(&w, "self_ns", f->self_ns);
			hp_jw_dbl(&w, "mean_ns", f->mean_ns);
			hp_jw_dbl(&w, "stddev_ns", f->stddev_ns);
			hp_jw_u64(&w, "p50_ns", f->p50_ns);
			hp_jw_u64(&w, "p95_ns", f->p95_ns);
			hp_jw_u64(&w, "p99_ns", f->p99_ns);
			if (f->has_cpu)
				hp_jw_u64(&w, "cpu_ns", f->cpu_ns);
			else
				hp_jw_str(&w, "cpu_ns", NULL);
			hp_jw_u64(&w, "allocs", f->allocs);
			hp_jw_u64(&w, "alloc_bytes", f->alloc_bytes);
			hp_jw_end_obj(&w);
		}
		hp_jw_end_arr(&w);
		hp_jw_end_obj(&w);
	}
	hp_jw_end_obj(&w);
	fputc('\n', out);
}

static int write_view_data(FILE *data, const void *ctx)
{
	hp_history_write_json(data, ctx);
	return ferror(data) ? -1 : 0;
}

int hp_history_write_html(FILE *out, const struct hp_history_view *v)
{
	return hp_html_page(out, hp_html_history_html, hp_html_history_html_len, hp_html_history_js,
			    hp_html_history_js_len, write_view_data, v);
}
