/* report_json.c: `report --format json`: the whole report as one JSON object (docs/json-schema.md). */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/json_out.h"
#include "model/leak_classify.h"
#include "report/alloc_functions.h"
#include "report/report.h"

/* ---- sections ---- */

/* Where a frame is: function, file, line and module; null (line 0) without a frame. */
static void write_frame_place(struct hp_jw *w, const struct hp_frame *f)
{
	hp_jw_str(w, "function", f ? f->function : NULL);
	hp_jw_str(w, "file", f ? f->file : NULL);
	hp_jw_u64(w, "line", f ? f->line : 0);
	hp_jw_str(w, "module", f ? f->module : NULL);
}

/* {bytes, blocks} under key: a kind of leak, or of reachability. */
static void write_bytes_blocks(struct hp_jw *w, const char *key, uint64_t bytes, uint64_t blocks)
{
	hp_jw_obj(w, key);
	hp_jw_u64(w, "bytes", bytes);
	hp_jw_u64(w, "blocks", blocks);
	hp_jw_end_obj(w);
}

static void write_stack(struct hp_jw *w, const struct hp_stack_frames *s)
{
	hp_jw_arr(w, "stack");
	for (size_t i = 0; s && i < s->nframes; i++) {
		const struct hp_frame *f = s->frames[i];
		hp_jw_obj(w, NULL);
		write_frame_place(w, f);
		char ip[32];
		snprintf(ip, sizeof(ip), "0x%" PRIx64, f->ip);
		hp_jw_str(w, "ip", ip);
		/* module+offset is the same in every run, ip moves with ASLR: the name of a frame without one. */
		char off[32];
		snprintf(off, sizeof(off), "0x%" PRIx64, f->module_offset);
		hp_jw_str(w, "module_offset", f->module ? off : NULL);
		hp_jw_bool(w, "inlined", f->inlined);
		hp_jw_end_obj(w);
	}
	hp_jw_end_arr(w);
	hp_jw_u64(w, "user_frame", s ? s->user_frame : 0);
}

static void write_summary(struct hp_jw *w, const struct hp_profile *p)
{
	const struct hp_summary *s = &p->summary;

	hp_jw_obj(w, "summary");
	hp_jw_str(w, "program", s->program);
	hp_jw_u64(w, "pid", s->pid);
	hp_jw_u64(w, "ppid", p->defs.process.ppid);
	hp_jw_arr(w, "argv");
	for (int i = 0; i < p->defs.process.argc && p->defs.process.argv; i++)
		hp_jw_str(w, NULL, p->defs.process.argv[i]);
	hp_jw_end_arr(w);
	hp_jw_u64(w, "run_ns", s->run_ns);
	hp_jw_str(w, "window", s->window);
	hp_jw_u64(w, "window_from_ns", s->window_from_ns);
	hp_jw_u64(w, "cpu_ns", s->cpu_ns);
	hp_jw_u64(w, "threads", s->threads);
	hp_jw_u64(w, "events", s->events);
	hp_jw_u64(w, "allocations", s->allocations);
	hp_jw_str(w, "malloc_owner", p->defs.process.malloc_owner);
	hp_jw_arr(w, "unrecorded_programs");
	for (size_t i = 0; i < p->defs.process.nunrecorded; i++) {
		const struct hp_unrecorded_program *u = &p->defs.process.unrecorded[i];
		hp_jw_obj(w, NULL);
		hp_jw_str(w, "path", u->path);
		hp_jw_str(w, "why", u->why == HPT_UNRECORDED_STATIC ? "static" : "unknown");
		hp_jw_u64(w, "times", u->times);
		hp_jw_end_obj(w);
	}
	hp_jw_end_arr(w);
	hp_jw_u64(w, "unrecorded_programs_more", p->defs.process.unrecorded_more);
	hp_jw_u64(w, "frees", s->frees);
	hp_jw_u64(w, "reallocs", s->reallocs);
	hp_jw_u64(w, "failed_allocations", s->failed_allocations);
	hp_jw_u64(w, "bytes_allocated", s->bytes_allocated);
	hp_jw_dbl(w, "allocations_per_second", (double)s->allocs_per_second_x1000 / 1000);
	hp_jw_u64(w, "peak_heap_bytes", s->peak_heap_bytes);
	hp_jw_u64(w, "peak_heap_ns", s->peak_heap_ns);
	hp_jw_u64(w, "peak_rss", s->peak_rss);
	hp_jw_u64(w, "temporary_allocations", s->temporary_allocations);
	hp_jw_u64(w, "leaked_bytes", s->leaked_bytes);
	hp_jw_u64(w, "leaked_blocks", s->leaked_blocks);
	hp_jw_obj(w, "leak_kinds");
	for (int k = 0; k < HP_LEAK_KINDS; k++)
		write_bytes_blocks(w, hp_leak_kind_name((enum hp_leak_kind)k), s->leak_bytes[k], s->leak_blocks[k]);
	hp_jw_end_obj(w);
	hp_jw_u64(w, "suppressed_bytes", s->suppressed_bytes);
	hp_jw_u64(w, "suppressed_blocks", s->suppressed_blocks);
	hp_jw_bool(w, "leaks_classified", p->classified);
	hp_jw_u64(w, "unmatched_frees", s->unmatched_frees);
	hp_jw_u64(w, "inherited_bytes", s->inherited_bytes);
	hp_jw_u64(w, "inherited_blocks", s->inherited_blocks);
	hp_jw_u64(w, "anomalies", s->anomalies);
	hp_jw_u64(w, "events_lost", s->events_lost);
	hp_jw_u64(w, "wait_ns", s->wait_ns);
	hp_jw_u64(w, "zone_calls", s->zone_calls);
	hp_jw_bool(w, "truncated", s->truncated || p->status.truncated);
	hp_jw_bool(w, "ended", s->ended);
	if (s->ended) {
		hp_jw_str(w, "end_how", hp_end_how_name(s->end_how));
		hp_jw_i64(w, "end_status", s->end_status);
	} else {
		hp_jw_str(w, "end_how", NULL);
		hp_jw_str(w, "end_status", NULL);
	}
	hp_jw_end_obj(w);
}

static void write_score(struct hp_jw *w, const struct hp_report *r)
{
	hp_jw_obj(w, "score");
	hp_jw_u64(w, "value", (uint64_t)r->score.value);
	hp_jw_str(w, "category", r->score.category);
	hp_jw_arr(w, "components");
	for (int i = 0; i < HP_SC_COUNT; i++) {
		const struct hp_score_component *c = &r->score.comp[i];
		hp_jw_obj(w, NULL);
		hp_jw_str(w, "name", c->name);
		hp_jw_str(w, "measures", c->what);
		hp_jw_bool(w, "applies", c->applies);
		hp_jw_dbl(w, "value", c->value);
		hp_jw_dbl(w, "score", round(c->score));
		hp_jw_dbl(w, "weight", c->weight);
		hp_jw_str(w, "where", c->where);
		hp_jw_end_obj(w);
	}
	hp_jw_end_arr(w);
	hp_jw_end_obj(w);
}

static void write_recommendations(struct hp_jw *w, const struct hp_report *r)
{
	hp_jw_arr(w, "recommendations");
	for (size_t i = 0; i < r->nrecs; i++) {
		const struct hp_recommendation *rec = &r->recs[i];
		hp_jw_obj(w, NULL);
		hp_jw_str(w, "rule", rec->rule);
		hp_jw_str(w, "severity", hp_severity_name(rec->severity));
		hp_jw_str(w, "title", rec->title);
		hp_jw_str(w, "detail", rec->detail);
		hp_jw_str(w, "location", rec->location);
		hp_jw_end_obj(w);
	}
	hp_jw_end_arr(w);
}

static void write_functions(struct hp_jw *w, const struct hp_profile *p, const struct hp_report_opts *o)
{
	size_t n = hp_report_rows(p->nfunctions, o->top);

	hp_jw_arr(w, "functions");
	for (size_t i = 0; i < n; i++) {
		const struct hp_function *f = &p->functions[i];
		hp_jw_obj(w, NULL);
		hp_jw_str(w, "name", f->name);
		hp_jw_str(w, "file", f->file);
		hp_jw_u64(w, "line", f->line);
		hp_jw_str(w, "kind", f->site ? "zone" : "instrumented");
		hp_jw_u64(w, "calls", f->calls);
		hp_jw_u64(w, "total_ns", f->total_ns);
		hp_jw_u64(w, "self_ns", f->self_ns);
		hp_jw_u64(w, "recorder_ns", f->recorder_ns);
		if (p->cpu_time)
			hp_jw_u64(w, "cpu_ns", f->cpu_ns);
		else
			hp_jw_str(w, "cpu_ns", NULL);
		hp_jw_dbl(w, "mean_ns", f->mean_ns);
		hp_jw_u64(w, "min_ns", f->min_ns);
		hp_jw_u64(w, "max_ns", f->max_ns);
		hp_jw_dbl(w, "stddev_ns", f->stddev_ns);
		hp_jw_u64(w, "p50_ns", f->p50_ns);
		hp_jw_u64(w, "p95_ns", f->p95_ns);
		hp_jw_u64(w, "p99_ns", f->p99_ns);
		hp_jw_dbl(w, "share", f->share);
		hp_jw_u64(w, "allocs", f->allocs);
		hp_jw_u64(w, "alloc_bytes", f->alloc_bytes);
		hp_jw_u64(w, "recursive_calls", f->recursive_calls);
		hp_jw_dbl(w, "score", f->score);
		if (o->threads) {
			hp_jw_arr(w, "threads");
			for (size_t t = 0; t < f->nthreads; t++) {
				const struct hp_thread_stats *ts = &f->threads[t];
				hp_jw_obj(w, NULL);
				hp_jw_u64(w, "tid", ts->tid);
				hp_jw_str(w, "name", ts->name);
				hp_jw_u64(w, "calls", ts->calls);
				hp_jw_u64(w, "total_ns", ts->total_ns);
				hp_jw_u64(w, "self_ns", ts->self_ns);
				hp_jw_end_obj(w);
			}
			hp_jw_end_arr(w);
		}
		hp_jw_end_obj(w);
	}
	hp_jw_end_arr(w);
}

/* Every node, so that a flame graph of zone time can be drawn from the JSON alone. */
static void write_zone_tree(struct hp_jw *w, const struct hp_profile *p)
{
	hp_jw_arr(w, "zone_tree");
	for (size_t i = 0; i < p->nzone_nodes; i++) {
		const struct hp_zone_node *n = &p->zone_tree[i];
		const struct hp_function *f = i ? &p->functions[n->function] : NULL;
		hp_jw_obj(w, NULL);
		hp_jw_i64(w, "parent", i ? (int64_t)n->parent : -1);
		hp_jw_str(w, "name", f ? f->name : NULL);
		hp_jw_str(w, "file", f ? f->file : NULL);
		hp_jw_u64(w, "line", f ? f->line : 0);
		hp_jw_u64(w, "calls", n->calls);
		hp_jw_u64(w, "total_ns", n->total_ns);
		hp_jw_u64(w, "self_ns", n->self_ns);
		hp_jw_end_obj(w);
	}
	hp_jw_end_arr(w);
	hp_jw_u64(w, "zone_nodes_dropped", p->zone_nodes_dropped);
}

static void write_counters_marks(struct hp_jw *w, const struct hp_profile *p, const struct hp_report_opts *o)
{
	hp_jw_arr(w, "counters");
	for (size_t i = 0; i < hp_report_rows(p->ncounters, o->top); i++) {
		const struct hp_counter *c = &p->counters[i];
		hp_jw_obj(w, NULL);
		hp_jw_str(w, "name", c->name);
		hp_jw_i64(w, "total", c->total);
		hp_jw_u64(w, "updates", c->updates);
		hp_jw_u64(w, "first_ns", c->first_ns);
		hp_jw_u64(w, "last_ns", c->last_ns);
		hp_jw_dbl(w, "per_second", c->per_second);
		hp_jw_end_obj(w);
	}
	hp_jw_end_arr(w);

	hp_jw_arr(w, "marks");
	for (size_t i = 0; i < hp_report_rows(p->nmarks, o->top); i++) {
		const struct hp_mark *m = &p->marks[i];
		const struct hp_thread_info *t = hp_defs_thread(&p->defs, m->stream);
		hp_jw_obj(w, NULL);
		hp_jw_u64(w, "ns", m->ns);
		hp_jw_str(w, "name", m->name);
		if (t)
			hp_jw_u64(w, "tid", t->tid);
		else
			hp_jw_str(w, "tid", NULL);
		hp_jw_end_obj(w);
	}
	hp_jw_end_arr(w);
}

static void write_site(struct hp_jw *w, const struct hp_alloc_site *s)
{
	hp_jw_obj(w, NULL);
	hp_jw_u64(w, "stack_id", s->stack_id);
	write_frame_place(w, hp_user_frame(s->frames));
	hp_jw_u64(w, "allocs", s->allocs);
	hp_jw_u64(w, "bytes", s->bytes);
	hp_jw_u64(w, "frees", s->frees);
	hp_jw_u64(w, "temporary", s->temporary);
	hp_jw_u64(w, "min_size", s->min_size);
	hp_jw_u64(w, "max_size", s->max_size);
	hp_jw_u64(w, "live_blocks", s->live_blocks);
	hp_jw_u64(w, "live_bytes", s->live_bytes);
	hp_jw_u64(w, "peak_bytes", s->peak_bytes);
	hp_jw_u64(w, "reallocs", s->reallocs);
	hp_jw_u64(w, "realloc_const_step", s->realloc_const_step);
	hp_jw_u64(w, "failed", s->failed);
	hp_jw_u64(w, "leaked_blocks", s->leaked_blocks);
	hp_jw_u64(w, "leaked_bytes", s->leaked_bytes);
	hp_jw_dbl(w, "growth_bytes_per_second", s->growth_rate);
	hp_jw_dbl(w, "growth_r2", s->growth_r2);
	hp_jw_bool(w, "growing", s->growing);
	write_stack(w, s->frames);
	hp_jw_end_obj(w);
}

/* Reachability scans: the one at exit, and snapshots taken while the program ran. */
static void write_scans(struct hp_jw *w, const struct hp_profile *p)
{
	static const char *const reasons[] = {"exit", "signal", "api"};

	hp_jw_arr(w, "scans");
	for (size_t i = 0; i < p->nscans; i++) {
		const struct hp_scan_summary *sc = &p->scans[i];
		hp_jw_obj(w, NULL);
		hp_jw_u64(w, "ns", sc->ns);
		hp_jw_str(w, "reason", sc->reason < 3 ? reasons[sc->reason] : "unknown");
		hp_jw_u64(w, "threads_stopped", sc->threads_stopped);
		hp_jw_u64(w, "words", sc->words);
		hp_jw_u64(w, "unreadable_bytes", sc->unreadable);
		for (int k = HP_LEAK_DEFINITE; k < HP_LEAK_KINDS; k++)
			write_bytes_blocks(w, hp_leak_kind_name((enum hp_leak_kind)k), sc->bytes[k], sc->blocks[k]);
		hp_jw_obj(w, "reachable_via_heuristic");
		for (int h = 0; h < HP_HEURISTICS; h++)
			write_bytes_blocks(w, hp_leak_heuristic_name((enum hp_leak_heuristic)h), sc->heuristic_bytes[h],
					   sc->heuristic_blocks[h]);
		hp_jw_end_obj(w);
		hp_jw_arr(w, "threads");
		for (size_t t = 0; t < sc->nthreads; t++) {
			const struct hp_scan_thread *th = &sc->threads[t];
			hp_jw_obj(w, NULL);
			hp_jw_u64(w, "tid", th->tid);
			hp_jw_str(w, "how", hp_thread_scan_name(th->how));
			hp_jw_str(w, "not_stopped_because", hp_thread_unstopped_name(th->unstopped));
			hp_jw_u64(w, "stack_lo", th->lo);
			hp_jw_u64(w, "stack_hi", th->hi);
			hp_jw_end_obj(w);
		}
		hp_jw_end_arr(w);
		hp_jw_end_obj(w);
	}
	hp_jw_end_arr(w);
}

/* The union of the top N sites by count, bytes, peak contribution, temporaries and reallocs, in the
 * profile's order (bytes): every site a text table would show. */
static int write_sites(struct hp_jw *w, const struct hp_profile *p, const struct hp_report_opts *o)
{
	bool *keep = malloc((p->nsites ? p->nsites : 1) * sizeof(*keep));

	if (!keep || hp_report_sites_shown(p, o->top, keep) < 0) {
		free(keep);
		return -1;
	}
	hp_jw_arr(w, "sites");
	for (size_t i = 0; i < p->nsites; i++)
		if (keep[i])
			write_site(w, &p->sites[i]);
	hp_jw_end_arr(w);
	free(keep);
	return 0;
}

static void write_frame(struct hp_jw *w, const char *key, const struct hp_frame *f)
{
	if (!f) {
		hp_jw_str(w, key, NULL);
		return;
	}
	hp_jw_obj(w, key);
	write_frame_place(w, f);
	hp_jw_end_obj(w);
}

void hp_report_json_costs(struct hp_jw *w, const struct hp_alloc_costs *c, bool live)
{
	hp_jw_u64(w, "allocs", c->allocs);
	hp_jw_u64(w, "bytes", c->bytes);
	hp_jw_u64(w, "temporary", c->temporary);
	hp_jw_u64(w, "peak_bytes", c->peak_bytes);
	if (live)
		hp_jw_u64(w, "live_bytes", c->live_bytes);
	hp_jw_u64(w, "leaked_bytes", c->leaked_bytes);
}

/* Every site counted once under its user frame's function (heaptrack's bottom-up view): the top
 * o->top functions by allocations, each with its top o->top sub-stacks by bytes. */
static int write_alloc_functions(struct hp_jw *w, const struct hp_profile *p, const struct hp_report_opts *o)
{
	struct hp_alloc_function *fn;
	size_t nf;

	if (hp_alloc_functions(p, &fn, &nf) < 0)
		return -1;
	hp_jw_arr(w, "allocating_functions");
	for (size_t i = 0; i < hp_report_rows(nf, o->top); i++) {
		const struct hp_alloc_function *f = &fn[i];
		hp_jw_obj(w, NULL);
		hp_jw_str(w, "function", f->frame ? f->frame->function : NULL);
		hp_jw_str(w, "file", f->frame ? f->frame->file : NULL);
		hp_jw_str(w, "module", f->frame ? f->frame->module : NULL);
		hp_jw_u64(w, "stack_id", f->frame ? 0 : p->sites[f->sites[0]].stack_id);
		hp_report_json_costs(w, &f->cost, true);
		hp_jw_u64(w, "sites", f->nsites);
		hp_jw_u64(w, "substacks_total", f->nsubs);
		hp_jw_arr(w, "substacks");
		for (size_t k = 0; k < hp_report_rows(f->nsubs, o->top); k++) {
			const struct hp_alloc_substack *sub = &f->subs[k];
			hp_jw_obj(w, NULL);
			hp_jw_u64(w, "line", sub->line);
			write_frame(w, "caller", sub->caller);
			hp_report_json_costs(w, &sub->cost, true);
			hp_jw_u64(w, "sites", sub->nsites);
			hp_jw_end_obj(w);
		}
		hp_jw_end_arr(w);
		hp_jw_end_obj(w);
	}
	hp_jw_end_arr(w);
	hp_alloc_functions_free(fn, nf);
	return 0;
}

static void write_heap(struct hp_jw *w, const struct hp_profile *p)
{
	hp_jw_arr(w, "size_histogram");
	for (int i = 0; i < HP_SIZE_BUCKETS; i++) {
		if (!p->size_hist[i])
			continue;
		hp_jw_obj(w, NULL);
		hp_jw_u64(w, "min_size", i == 0 ? 0 : UINT64_C(1) << i);
		hp_jw_u64(w, "max_size", (UINT64_C(1) << (i + 1)) - 1);
		hp_jw_u64(w, "count", p->size_hist[i]);
		hp_jw_end_obj(w);
	}
	hp_jw_end_arr(w);

	hp_jw_arr(w, "timeline");
	for (size_t i = 0; i < p->ntimeline; i++) {
		const struct hp_timeline_point *t = &p->timeline[i];
		hp_jw_obj(w, NULL);
		hp_jw_u64(w, "ns", t->ns);
		hp_jw_u64(w, "heap_bytes", t->heap_bytes);
		hp_jw_u64(w, "rss", t->rss);
		hp_jw_u64(w, "cpu_ns", t->cpu_ns);
		hp_jw_u64(w, "allocs", t->allocs);
		hp_jw_end_obj(w);
	}
	hp_jw_end_arr(w);
}

static void write_leaks(struct hp_jw *w, const struct hp_profile *p, const struct hp_report_opts *o)
{
	size_t shown = 0;

	hp_jw_arr(w, "leaks");
	for (size_t i = 0; i < p->nleaks && (o->top == 0 || shown < o->top); i++) {
		const struct hp_leak *l = &p->leaks[i];
		if (!hp_leak_shown(l))
			continue;
		shown++;
		hp_jw_obj(w, NULL);
		hp_jw_str(w, "kind", hp_leak_kind_name(l->kind));
		hp_jw_u64(w, "bytes", l->bytes);
		hp_jw_u64(w, "blocks", l->blocks);
		hp_jw_u64(w, "stack_id", l->stack_id);
		write_stack(w, l->frames);
		hp_jw_end_obj(w);
	}
	hp_jw_end_arr(w);
}

static int write_process(struct hp_jw *w, const struct hp_report *r, const struct hp_report_opts *o,
			 const struct hp_json_ext *ext)
{
	const struct hp_profile *p = r->profile;
	/* The page's tables of sites and leaks are capped apart from the others (ext->sites_top). */
	struct hp_report_opts capped = *o;
	int rc;

	if (ext)
		capped.top = ext->sites_top;

	hp_jw_str(w, "trace", p->path);
	write_summary(w, p);
	write_score(w, r);
	write_recommendations(w, r);
	write_functions(w, p, o);
	write_zone_tree(w, p);
	write_counters_marks(w, p, o);
	rc = write_sites(w, p, &capped);
	rc |= write_alloc_functions(w, p, o);
	write_heap(w, p);
	write_leaks(w, p, &capped);
	write_scans(w, p);
	hp_jw_arr(w, "warnings");
	for (size_t i = 0; i < r->nwarnings; i++)
		hp_jw_str(w, NULL, r->warnings[i]);
	hp_jw_end_arr(w);
	if (ext && rc == 0)
		rc = ext->extra(w, r, ext);
	return rc;
}

int hp_report_write_json(FILE *out, const struct hp_report *root, const struct hp_report *children,
			 size_t nchildren, const struct hp_report_opts *o)
{
	return hp_report_write_json_ext(out, root, children, nchildren, o, NULL);
}

int hp_report_write_json_ext(FILE *out, const struct hp_report *root, const struct hp_report *children,
			     size_t nchildren, const struct hp_report_opts *o, const struct hp_json_ext *ext)
{
	struct hp_jw w = {.f = out};
	int rc = 0;

	hp_jw_obj(&w, NULL);
	/* The shape of this object, docs/report.schema.json: raised when a field is removed or renamed. */
	hp_jw_u64(&w, "format_version", HP_REPORT_FORMAT_VERSION);
	rc |= write_process(&w, root, o, ext);
	hp_jw_arr(&w, "children");
	for (size_t i = 0; i < nchildren; i++) {
		hp_jw_obj(&w, NULL);
		rc |= write_process(&w, &children[i], o, ext);
		hp_jw_end_obj(&w);
	}
	hp_jw_end_arr(&w);
	hp_jw_end_obj(&w);
	fputc('\n', out);
	if (rc < 0)
		return -1;
	return ferror(out) ? -1 : 0;
}
