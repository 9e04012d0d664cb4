/* report_json.c: `report --format json`: the whole report as one JSON object (docs/json-schema.md). */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "report.h"

/* A streaming writer: containers nest up to JW_DEPTH, each remembers whether it holds a value yet. */
#define JW_DEPTH 32
struct jw {
	FILE *f;
	int depth;
	bool nonempty[JW_DEPTH];
};

static void jw_indent(struct jw *w)
{
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

static void jw_key(struct jw *w, const char *key)
{
	if (w->depth > 0) {
		fputs(w->nonempty[w->depth] ? ",\n" : "\n", w->f);
		w->nonempty[w->depth] = true;
		jw_indent(w);
	}
	if (key) {
		hp_json_str(w->f, key, (size_t)-1);
		fputs(": ", w->f);
	}
}

static void jw_open(struct jw *w, const char *key, char c)
{
	jw_key(w, key);
	fputc(c, w->f);
	if (w->depth + 1 < JW_DEPTH)
		w->depth++;
	w->nonempty[w->depth] = false;
}

static void jw_close(struct jw *w, char c)
{
	bool nonempty = w->nonempty[w->depth];
	w->depth--;
	if (nonempty) {
		fputc('\n', w->f);
		jw_indent(w);
	}
	fputc(c, w->f);
}

static void jw_obj(struct jw *w, const char *key)
{
	jw_open(w, key, '{');
}

static void jw_arr(struct jw *w, const char *key)
{
	jw_open(w, key, '[');
}

static void jw_end_obj(struct jw *w)
{
	jw_close(w, '}');
}

static void jw_end_arr(struct jw *w)
{
	jw_close(w, ']');
}

static void jw_str(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	hp_json_str(w->f, s, (size_t)-1); /* NULL writes null */
}

static void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	fprintf(w->f, "%" PRIu64, v);
}

static void jw_i64(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	fprintf(w->f, "%" PRId64, v);
}

static void jw_dbl(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	if (isfinite(v))
		fprintf(w->f, "%.6g", v);
	else
		fputs("null", w->f);
}

static void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	fputs(v ? "true" : "false", w->f);
}

/* ---- sections ---- */

static void write_stack(struct jw *w, const struct hp_stack_frames *s)
{
	jw_arr(w, "stack");
	for (size_t i = 0; s && i < s->nframes; i++) {
		const struct hp_frame *f = &s->frames[i];
		jw_obj(w, NULL);
		jw_str(w, "function", f->function);
		jw_str(w, "file", f->file);
		jw_u64(w, "line", f->line);
		jw_str(w, "module", f->module);
		char ip[32];
		snprintf(ip, sizeof(ip), "0x%" PRIx64, f->ip);
		jw_str(w, "ip", ip);
		jw_bool(w, "inlined", f->inlined);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_u64(w, "user_frame", s ? s->user_frame : 0);
}

static void write_summary(struct jw *w, const struct hp_profile *p)
{
	const struct hp_summary *s = &p->summary;

	jw_obj(w, "summary");
	jw_str(w, "program", s->program);
	jw_u64(w, "pid", s->pid);
	jw_u64(w, "ppid", p->defs.process.ppid);
	jw_arr(w, "argv");
	for (int i = 0; i < p->defs.process.argc && p->defs.process.argv; i++)
		jw_str(w, NULL, p->defs.process.argv[i]);
	jw_end_arr(w);
	jw_u64(w, "run_ns", s->run_ns);
	jw_u64(w, "cpu_ns", s->cpu_ns);
	jw_u64(w, "threads", s->threads);
	jw_u64(w, "events", s->events);
	jw_u64(w, "allocations", s->allocations);
	jw_u64(w, "frees", s->frees);
	jw_u64(w, "reallocs", s->reallocs);
	jw_u64(w, "failed_allocations", s->failed_allocations);
	jw_u64(w, "bytes_allocated", s->bytes_allocated);
	jw_dbl(w, "allocations_per_second", (double)s->allocs_per_second_x1000 / 1000);
	jw_u64(w, "peak_heap_bytes", s->peak_heap_bytes);
	jw_u64(w, "peak_heap_ns", s->peak_heap_ns);
	jw_u64(w, "peak_rss", s->peak_rss);
	jw_u64(w, "temporary_allocations", s->temporary_allocations);
	jw_u64(w, "leaked_bytes", s->leaked_bytes);
	jw_u64(w, "leaked_blocks", s->leaked_blocks);
	jw_obj(w, "leak_kinds");
	for (int k = 0; k < HP_LEAK_KINDS; k++) {
		jw_obj(w, hp_leak_kind_name((enum hp_leak_kind)k));
		jw_u64(w, "bytes", s->leak_bytes[k]);
		jw_u64(w, "blocks", s->leak_blocks[k]);
		jw_end_obj(w);
	}
	jw_end_obj(w);
	jw_u64(w, "suppressed_bytes", s->suppressed_bytes);
	jw_u64(w, "suppressed_blocks", s->suppressed_blocks);
	jw_bool(w, "leaks_classified", p->classified);
	jw_u64(w, "unmatched_frees", s->unmatched_frees);
	jw_u64(w, "anomalies", s->anomalies);
	jw_u64(w, "events_lost", s->events_lost);
	jw_u64(w, "wait_ns", s->wait_ns);
	jw_u64(w, "zone_calls", s->zone_calls);
	jw_bool(w, "truncated", s->truncated || p->status.truncated);
	jw_bool(w, "ended", s->ended);
	if (s->ended) {
		jw_str(w, "end_how", hp_end_how_name(s->end_how));
		jw_i64(w, "end_status", s->end_status);
	} else {
		jw_str(w, "end_how", NULL);
		jw_str(w, "end_status", NULL);
	}
	jw_end_obj(w);
}

static void write_score(struct jw *w, const struct hp_report *r)
{
	jw_obj(w, "score");
	jw_u64(w, "value", (uint64_t)r->score.value);
	jw_str(w, "category", r->score.category);
	jw_arr(w, "components");
	for (int i = 0; i < HP_SC_COUNT; i++) {
		const struct hp_score_component *c = &r->score.comp[i];
		jw_obj(w, NULL);
		jw_str(w, "name", c->name);
		jw_str(w, "measures", c->what);
		jw_bool(w, "applies", c->applies);
		jw_dbl(w, "value", c->value);
		jw_dbl(w, "score", round(c->score));
		jw_dbl(w, "weight", c->weight);
		jw_str(w, "where", c->where);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_end_obj(w);
}

static void write_recommendations(struct jw *w, const struct hp_report *r)
{
	jw_arr(w, "recommendations");
	for (size_t i = 0; i < r->nrecs; i++) {
		const struct hp_recommendation *rec = &r->recs[i];
		jw_obj(w, NULL);
		jw_str(w, "rule", rec->rule);
		jw_str(w, "severity", hp_severity_name(rec->severity));
		jw_str(w, "title", rec->title);
		jw_str(w, "detail", rec->detail);
		jw_str(w, "location", rec->location);
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

static void write_functions(struct jw *w, const struct hp_profile *p, const struct hp_report_opts *o)
{
	size_t n = hp_report_rows(p->nfunctions, o->top);

	jw_arr(w, "functions");
	for (size_t i = 0; i < n; i++) {
		const struct hp_function *f = &p->functions[i];
		jw_obj(w, NULL);
		jw_str(w, "name", f->name);
		jw_str(w, "file", f->file);
		jw_u64(w, "line", f->line);
		jw_str(w, "kind", f->site ? "zone" : "instrumented");
		jw_u64(w, "calls", f->calls);
		jw_u64(w, "total_ns", f->total_ns);
		jw_u64(w, "self_ns", f->self_ns);
		jw_dbl(w, "mean_ns", f->mean_ns);
		jw_u64(w, "min_ns", f->min_ns);
		jw_u64(w, "max_ns", f->max_ns);
		jw_dbl(w, "stddev_ns", f->stddev_ns);
		jw_u64(w, "p50_ns", f->p50_ns);
		jw_u64(w, "p95_ns", f->p95_ns);
		jw_u64(w, "p99_ns", f->p99_ns);
		jw_dbl(w, "share", f->share);
		jw_u64(w, "allocs", f->allocs);
		jw_u64(w, "alloc_bytes", f->alloc_bytes);
		jw_u64(w, "recursive_calls", f->recursive_calls);
		jw_dbl(w, "score", f->score);
		if (o->threads) {
			jw_arr(w, "threads");
			for (size_t t = 0; t < f->nthreads; t++) {
				const struct hp_thread_stats *ts = &f->threads[t];
				jw_obj(w, NULL);
				jw_u64(w, "tid", ts->tid);
				jw_str(w, "name", ts->name);
				jw_u64(w, "calls", ts->calls);
				jw_u64(w, "total_ns", ts->total_ns);
				jw_u64(w, "self_ns", ts->self_ns);
				jw_end_obj(w);
			}
			jw_end_arr(w);
		}
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

static void write_counters_marks(struct jw *w, const struct hp_profile *p, const struct hp_report_opts *o)
{
	jw_arr(w, "counters");
	for (size_t i = 0; i < hp_report_rows(p->ncounters, o->top); i++) {
		const struct hp_counter *c = &p->counters[i];
		jw_obj(w, NULL);
		jw_str(w, "name", c->name);
		jw_i64(w, "total", c->total);
		jw_u64(w, "updates", c->updates);
		jw_u64(w, "first_ns", c->first_ns);
		jw_u64(w, "last_ns", c->last_ns);
		jw_dbl(w, "per_second", c->per_second);
		jw_end_obj(w);
	}
	jw_end_arr(w);

	jw_arr(w, "marks");
	for (size_t i = 0; i < hp_report_rows(p->nmarks, o->top); i++) {
		const struct hp_mark *m = &p->marks[i];
		const struct hp_thread_info *t = hp_defs_thread(&p->defs, m->stream);
		jw_obj(w, NULL);
		jw_u64(w, "ns", m->ns);
		jw_str(w, "name", m->name);
		if (t)
			jw_u64(w, "tid", t->tid);
		else
			jw_str(w, "tid", NULL);
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

static void write_site(struct jw *w, const struct hp_alloc_site *s)
{
	const struct hp_frame *uf = hp_user_frame(s->frames);

	jw_obj(w, NULL);
	jw_u64(w, "stack_id", s->stack_id);
	jw_str(w, "function", uf ? uf->function : NULL);
	jw_str(w, "file", uf ? uf->file : NULL);
	jw_u64(w, "line", uf ? uf->line : 0);
	jw_str(w, "module", uf ? uf->module : NULL);
	jw_u64(w, "allocs", s->allocs);
	jw_u64(w, "bytes", s->bytes);
	jw_u64(w, "frees", s->frees);
	jw_u64(w, "temporary", s->temporary);
	jw_u64(w, "min_size", s->min_size);
	jw_u64(w, "max_size", s->max_size);
	jw_u64(w, "live_blocks", s->live_blocks);
	jw_u64(w, "live_bytes", s->live_bytes);
	jw_u64(w, "peak_bytes", s->peak_bytes);
	jw_u64(w, "reallocs", s->reallocs);
	jw_u64(w, "realloc_const_step", s->realloc_const_step);
	jw_u64(w, "failed", s->failed);
	jw_u64(w, "leaked_blocks", s->leaked_blocks);
	jw_u64(w, "leaked_bytes", s->leaked_bytes);
	jw_dbl(w, "growth_bytes_per_second", s->growth_rate);
	jw_dbl(w, "growth_r2", s->growth_r2);
	jw_bool(w, "growing", s->growing);
	write_stack(w, s->frames);
	jw_end_obj(w);
}

/* Reachability scans: the one at exit, and snapshots taken while the program ran. */
static void write_scans(struct jw *w, const struct hp_profile *p)
{
	static const char *const reasons[] = {"exit", "signal", "api"};

	jw_arr(w, "scans");
	for (size_t i = 0; i < p->nscans; i++) {
		const struct hp_scan_summary *sc = &p->scans[i];
		jw_obj(w, NULL);
		jw_u64(w, "ns", sc->ns);
		jw_str(w, "reason", sc->reason < 3 ? reasons[sc->reason] : "unknown");
		jw_u64(w, "threads_stopped", sc->threads_stopped);
		jw_u64(w, "words", sc->words);
		jw_u64(w, "unreadable_bytes", sc->unreadable);
		for (int k = HP_LEAK_DEFINITE; k < HP_LEAK_KINDS; k++) {
			jw_obj(w, hp_leak_kind_name((enum hp_leak_kind)k));
			jw_u64(w, "bytes", sc->bytes[k]);
			jw_u64(w, "blocks", sc->blocks[k]);
			jw_end_obj(w);
		}
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

/* The union of the top N sites by count, bytes, peak contribution, temporaries and reallocs, in the
 * profile's order (bytes): every site a text table would show. */
static int write_sites(struct jw *w, const struct hp_profile *p, const struct hp_report_opts *o)
{
	bool *keep = malloc((p->nsites ? p->nsites : 1) * sizeof(*keep));

	if (!keep || hp_report_sites_shown(p, o->top, keep) < 0) {
		free(keep);
		return -1;
	}
	jw_arr(w, "sites");
	for (size_t i = 0; i < p->nsites; i++)
		if (keep[i])
			write_site(w, &p->sites[i]);
	jw_end_arr(w);
	free(keep);
	return 0;
}

static void write_heap(struct jw *w, const struct hp_profile *p)
{
	jw_arr(w, "size_histogram");
	for (int i = 0; i < HP_SIZE_BUCKETS; i++) {
		if (!p->size_hist[i])
			continue;
		jw_obj(w, NULL);
		jw_u64(w, "min_size", i == 0 ? 0 : UINT64_C(1) << i);
		jw_u64(w, "max_size", (UINT64_C(1) << (i + 1)) - 1);
		jw_u64(w, "count", p->size_hist[i]);
		jw_end_obj(w);
	}
	jw_end_arr(w);

	jw_arr(w, "timeline");
	for (size_t i = 0; i < p->ntimeline; i++) {
		const struct hp_timeline_point *t = &p->timeline[i];
		jw_obj(w, NULL);
		jw_u64(w, "ns", t->ns);
		jw_u64(w, "heap_bytes", t->heap_bytes);
		jw_u64(w, "rss", t->rss);
		jw_u64(w, "cpu_ns", t->cpu_ns);
		jw_u64(w, "allocs", t->allocs);
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

static void write_leaks(struct jw *w, const struct hp_profile *p, const struct hp_report_opts *o)
{
	size_t shown = 0;

	jw_arr(w, "leaks");
	for (size_t i = 0; i < p->nleaks && (o->top == 0 || shown < o->top); i++) {
		const struct hp_leak *l = &p->leaks[i];
		if (!hp_leak_shown(l))
			continue;
		shown++;
		jw_obj(w, NULL);
		jw_str(w, "kind", hp_leak_kind_name(l->kind));
		jw_u64(w, "bytes", l->bytes);
		jw_u64(w, "blocks", l->blocks);
		jw_u64(w, "stack_id", l->stack_id);
		write_stack(w, l->frames);
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

static int write_process(struct jw *w, const struct hp_report *r, const struct hp_report_opts *o)
{
	const struct hp_profile *p = r->profile;
	int rc;

	jw_str(w, "trace", p->path);
	write_summary(w, p);
	write_score(w, r);
	write_recommendations(w, r);
	write_functions(w, p, o);
	write_counters_marks(w, p, o);
	rc = write_sites(w, p, o);
	write_heap(w, p);
	write_leaks(w, p, o);
	write_scans(w, p);
	jw_arr(w, "warnings");
	for (size_t i = 0; i < r->nwarnings; i++)
		jw_str(w, NULL, r->warnings[i]);
	jw_end_arr(w);
	return rc;
}

int hp_report_write_json(FILE *out, const struct hp_report *root, const struct hp_report *children,
			 size_t nchildren, const struct hp_report_opts *o)
{
	struct jw w = {.f = out};
	int rc = 0;

	jw_obj(&w, NULL);
	rc |= write_process(&w, root, o);
	jw_arr(&w, "children");
	for (size_t i = 0; i < nchildren; i++) {
		jw_obj(&w, NULL);
		rc |= write_process(&w, &children[i], o);
		jw_end_obj(&w);
	}
	jw_end_arr(&w);
	jw_end_obj(&w);
	fputc('\n', out);
	if (rc < 0)
		return -1;
	return ferror(out) ? -1 : 0;
}
