/* rules.c: each rule looks for one pattern in the profile and says what to change, where, and why. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/elide.h"
#include "report/places.h"
#include "report/rules.h"
#include "report/score.h"
#include "util/grow.h"

struct recs {
	struct hp_recommendation *v;
	size_t n, cap;
	size_t rule_start; /* first recommendation of the rule running now */
	int rule_index;
	int *order; /* rule index of each recommendation, for the final sort */
	size_t order_cap;
	bool oom;
};

static struct hp_recommendation *add(struct recs *r, const char *rule, enum hp_severity sev, double weight)
{
	if (r->oom)
		return NULL;
	struct hp_recommendation *nv = hp_grow(r->v, &r->cap, r->n + 1, sizeof(*nv));
	if (nv)
		r->v = nv;
	int *no = nv ? hp_grow(r->order, &r->order_cap, r->n + 1, sizeof(*no)) : NULL;
	if (!no) {
		r->oom = true;
		return NULL;
	}
	r->order = no;
	struct hp_recommendation *rec = &r->v[r->n];
	memset(rec, 0, sizeof(*rec));
	rec->rule = rule;
	rec->severity = sev;
	rec->weight = weight;
	r->order[r->n] = r->rule_index;
	r->n++;
	return rec;
}

__attribute__((format(printf, 3, 4))) static void put(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hp_vfmt_fit(dst, len, fmt, ap);
	va_end(ap);
}

static const char *whole = "whole program";

/* A site's sizes as the advice says them: "sizes 16 B to 64 B", or "all of 8 B". */
static const char *size_range(char *buf, size_t len, uint64_t min, uint64_t max)
{
	char a[HP_FMT_MAX], b[HP_FMT_MAX];

	if (min == max)
		snprintf(buf, len, "all of %s", hp_fmt_bytes(a, min));
	else
		snprintf(buf, len, "sizes %s to %s", hp_fmt_bytes(a, min), hp_fmt_bytes(b, max));
	return buf;
}

/* ", over 3 call paths" when a place is more than one. */
static const char *paths_note(char *buf, size_t len, size_t paths)
{
	if (paths > 1)
		snprintf(buf, len, ", over %zu call paths", paths);
	else
		buf[0] = '\0';
	return buf;
}

/* ---- small-allocs: many small allocations in a hot function, or at one site ---- */

static void rule_small_allocs(const struct hp_profile *p, const struct hp_config *cfg, struct recs *r)
{
	char loc[2048], b1[HP_FMT_MAX], b2[HP_FMT_MAX], sizes[2 * HP_FMT_MAX + 16], note[48];

	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct hp_function *f = &p->functions[i];
		if (f->share < cfg->hot_share || f->allocs < cfg->small_min_allocs || f->calls == 0)
			continue;
		double mean = (double)f->alloc_bytes / (double)f->allocs;
		if (mean > cfg->small_max_mean_bytes)
			continue;
		struct hp_recommendation *rec = add(r, "small-allocs", HP_SEV_WARNING, (double)f->allocs);
		if (!rec)
			return;
		hp_fmt_function(loc, sizeof(loc), f);
		put(rec->location, sizeof(rec->location), "%s", loc);
		put(rec->title, sizeof(rec->title), "Many small allocations in hot function %s", f->name);
		put(rec->detail, sizeof(rec->detail),
		    "%s made %llu allocations in %llu calls (%.1f per call), %.0f bytes on average, and takes %s of "
		    "the run time (%s in total): an arena released when the call returns, or a stack buffer for "
		    "sizes known to be small, removes most of them.",
		    f->name, (unsigned long long)f->allocs, (unsigned long long)f->calls,
		    (double)f->allocs / (double)f->calls, mean, hp_fmt_pct(b1, f->share), hp_fmt_ns(b2, f->total_ns));
	}

	size_t nplaces = 0;
	struct hp_place *pl = p->summary.allocations ? hp_site_places(p, false, &nplaces) : NULL;
	for (size_t i = 0; pl && i < nplaces; i++) {
		const struct hp_place *s = &pl[i];
		if (s->cost.allocs < cfg->small_min_allocs)
			continue;
		double mean = (double)s->cost.bytes / (double)s->cost.allocs;
		double share = (double)s->cost.allocs / (double)p->summary.allocations;
		if (mean > cfg->small_max_mean_bytes || share < cfg->small_min_site_share)
			continue;
		struct hp_recommendation *rec = add(r, "small-allocs", HP_SEV_WARNING, (double)s->cost.allocs);
		if (!rec)
			break;
		hp_fmt_site(loc, sizeof(loc), s->frames, s->stack_id);
		put(rec->location, sizeof(rec->location), "%s", loc);
		put(rec->title, sizeof(rec->title), "Many small allocations at %s", loc);
		put(rec->detail, sizeof(rec->detail),
		    "%llu allocations here (%s of the program's)%s, %.0f bytes on average (%s): allocate these "
		    "objects from an arena or a pool, or from a stack buffer when they do not outlive the function.",
		    (unsigned long long)s->cost.allocs, hp_fmt_pct(b1, share), paths_note(note, sizeof(note), s->paths), mean,
		    size_range(sizes, sizeof(sizes), s->min_size, s->max_size));
	}
	if (p->summary.allocations && !pl)
		r->oom = true;
	free(pl);
}

/* ---- temporary: blocks freed before the thread's next allocation ---- */

static void rule_temporary(const struct hp_profile *p, const struct hp_config *cfg, struct recs *r)
{
	char loc[2048], b1[HP_FMT_MAX], sizes[2 * HP_FMT_MAX + 16], note[48];
	size_t nplaces = 0;
	struct hp_place *pl = hp_site_places(p, true, &nplaces);
	if (!pl) {
		r->oom = true;
		return;
	}
	for (size_t i = 0; i < nplaces; i++) {
		const struct hp_place *s = &pl[i];
		if (s->cost.temporary < cfg->temp_min_count)
			continue;
		double ratio = (double)s->cost.temporary / (double)s->cost.allocs;
		/* Hundreds of temporaries among millions of allocations are not where the time goes. */
		double share = (double)s->cost.temporary / (double)(p->summary.allocations ? p->summary.allocations : 1);
		if (ratio < cfg->temp_min_ratio || share < cfg->temp_min_share)
			continue;
		struct hp_recommendation *rec = add(r, "temporary", HP_SEV_WARNING, (double)s->cost.temporary);
		if (!rec)
			break;
		hp_fmt_site(loc, sizeof(loc), s->frames, s->stack_id);
		put(rec->location, sizeof(rec->location), "%s", loc);
		put(rec->title, sizeof(rec->title), "Temporary allocations at %s: reuse the buffer", loc);
		put(rec->detail, sizeof(rec->detail),
		    "%llu of the %llu allocations here (%s)%s%s were freed by the same thread before its next "
		    "allocation, %s: allocate the buffer once and reuse it across calls (or use a stack buffer).",
		    (unsigned long long)s->cost.temporary, (unsigned long long)s->cost.allocs, hp_fmt_pct(b1, ratio),
		    paths_note(note, sizeof(note), s->paths), s->paths > 1 ? "," : "",
		    size_range(sizes, sizeof(sizes), s->min_size, s->max_size));
	}
	free(pl);
}

/* ---- realloc-step: a block grown by a constant step, which copies it over and over ---- */

static void rule_realloc_step(const struct hp_profile *p, const struct hp_config *cfg, struct recs *r)
{
	char loc[2048], b1[HP_FMT_MAX], b2[HP_FMT_MAX];

	for (size_t i = 0; i < p->nsites; i++) {
		const struct hp_alloc_site *s = &p->sites[i];
		/* The copies grow with the square of the steps one block takes; a block grown k times by
		 * the step is at least k steps large, so a largest block of fewer steps than the minimum
		 * says no block was grown that often (python's 10 reallocs of 8 B blocks to 64 B). */
		if (s->realloc_const_step == 0 ||
		    s->reallocs < cfg->realloc_min_reallocs ||
		    s->max_size / s->realloc_const_step < cfg->realloc_min_reallocs)
			continue;
		struct hp_recommendation *rec = add(r, "realloc-step", HP_SEV_WARNING, (double)s->reallocs);
		if (!rec)
			return;
		hp_fmt_site(loc, sizeof(loc), s->frames, s->stack_id);
		put(rec->location, sizeof(rec->location), "%s", loc);
		put(rec->title, sizeof(rec->title), "realloc grows by a constant step at %s", loc);
		put(rec->detail, sizeof(rec->detail),
		    "%llu reallocs here grow a block by the same %s each time (up to %s): every step may copy "
		    "the whole block, so the work grows with the square of the final size; grow the capacity "
		    "geometrically (double it) or reserve the final size up front.",
		    (unsigned long long)s->reallocs, hp_fmt_bytes(b1, s->realloc_const_step),
		    hp_fmt_bytes(b2, s->max_size));
	}
}

/* ---- leak: blocks alive at exit, by allocation stack ---- */

/* The shown definite and possible leaks by kind and place, each once, with what they drag along;
 * NULL when memory runs out. */
static struct hp_place *lost_places(const struct hp_profile *p, size_t *n)
{
	struct hp_place *v = calloc(p->nleaks ? p->nleaks : 1, sizeof(*v));
	size_t k = 0;

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < p->nleaks; i++) {
		const struct hp_leak *l = &p->leaks[i];
		/* Reachable blocks are not leaks; indirect ones go when their definite owner is fixed;
		 * blocks no scan classified are not known to be lost (leak findings come from scans). */
		if (!hp_leak_shown(l) || (l->kind != HP_LEAK_DEFINITE && l->kind != HP_LEAK_POSSIBLE))
			continue;
		struct hp_place *t = &v[k++];
		*t = (struct hp_place){.kind = l->kind, .frames = l->frames, .stack_id = l->stack_id,
				       .cost.bytes = l->bytes, .blocks = l->blocks, .paths = 1};
		hp_site_place(l->frames, l->stack_id, t->key);
		/* Blocks of the same stack lost only through these (a list dropped at its head) go with them. */
		for (size_t j = 0; l->kind == HP_LEAK_DEFINITE && j < p->nleaks; j++)
			if (p->leaks[j].kind == HP_LEAK_INDIRECT && p->leaks[j].stack_id == l->stack_id &&
			    hp_leak_shown(&p->leaks[j])) {
				t->indirect_bytes += p->leaks[j].bytes;
				t->indirect_blocks += p->leaks[j].blocks;
			}
	}
	*n = hp_places_group(v, k);
	return v;
}

static void rule_leak(const struct hp_profile *p, const struct hp_config *cfg, struct recs *r)
{
	char loc[2048], b1[HP_FMT_MAX], note[48];
	size_t n = 0;
	struct hp_place *v = lost_places(p, &n);

	if (!v) {
		r->oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct hp_place *l = &v[i];
		const char *why;
		enum hp_severity sev;

		if (l->cost.bytes < cfg->leak_min_bytes)
			continue;
		if (l->kind == HP_LEAK_DEFINITE) {
			sev = HP_SEV_CRITICAL;
			why = "no pointer to them was left anywhere at exit: free them when their last user is done";
		} else {
			sev = HP_SEV_WARNING;
			why = "only pointers into their middle were left at exit: a leak unless the program keeps "
			      "such interior pointers on purpose";
		}
		struct hp_recommendation *rec = add(r, "leak", sev, (double)l->cost.bytes);
		if (!rec)
			break;
		hp_fmt_site(loc, sizeof(loc), l->frames, l->stack_id);
		put(rec->location, sizeof(rec->location), "%s", loc);
		put(rec->title, sizeof(rec->title), "Memory %s: %s at %s",
		    l->kind == HP_LEAK_DEFINITE ? "leak" : "possibly leaked", hp_fmt_bytes(b1, l->cost.bytes), loc);
		int used = snprintf(rec->detail, sizeof(rec->detail), "%llu bytes in %llu blocks allocated here%s%s are %s: %s.",
				    (unsigned long long)l->cost.bytes, (unsigned long long)l->blocks,
				    paths_note(note, sizeof(note), l->paths), l->paths > 1 ? "," : "",
				    hp_leak_kind_phrase(l->kind), why);
		if (l->indirect_blocks && used > 0 && (size_t)used < sizeof(rec->detail))
			put(rec->detail + used, sizeof(rec->detail) - (size_t)used,
			    " Another %llu bytes in %llu blocks from here are indirectly lost: only these blocks "
			    "pointed to them, so they go with the same fix.",
			    (unsigned long long)l->indirect_bytes, (unsigned long long)l->indirect_blocks);
		/* A definite leak's weight includes what it drags along, so the largest loss comes first. */
		rec->weight += (double)l->indirect_bytes;
	}
	free(v);
}

/* ---- growth: live bytes of a site rising steadily through the run (a server's leak) ---- */

static void rule_growth(const struct hp_profile *p, const struct hp_config *cfg, struct recs *r)
{
	char loc[2048], b1[32], b2[32];
	(void)cfg;

	for (size_t i = 0; i < p->nsites; i++) {
		const struct hp_alloc_site *s = &p->sites[i];
		if (!s->growing)
			continue;
		struct hp_recommendation *rec = add(r, "growth", HP_SEV_WARNING, s->growth_rate);
		if (!rec)
			return;
		hp_fmt_site(loc, sizeof(loc), s->frames, s->stack_id);
		put(rec->location, sizeof(rec->location), "%s", loc);
		put(rec->title, sizeof(rec->title), "Live memory grows steadily at %s", loc);
		put(rec->detail, sizeof(rec->detail),
		    "blocks from here held %s more as the run went on, about %s per second along a straight line "
		    "(r\u00b2 %.2f over the process samples): memory that is kept and never given back, a suspected "
		    "leak even if the process frees it at exit; %s were still live at the end.",
		    hp_fmt_bytes(b1, (uint64_t)(s->growth_rate > 0 ? s->growth_rate * ((double)p->summary.run_ns / 1e9) : 0)),
		    hp_fmt_bytes(b2, (uint64_t)s->growth_rate), s->growth_r2, hp_fmt_bytes(loc, s->live_bytes));
	}
}

/* ---- tail-latency: p99 far above p50 ---- */

static void rule_tail(const struct hp_profile *p, const struct hp_config *cfg, struct recs *r)
{
	char loc[2048], b1[HP_FMT_MAX], b2[HP_FMT_MAX], b3[HP_FMT_MAX], b4[HP_FMT_MAX];

	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct hp_function *f = &p->functions[i];
		if (f->calls < cfg->tailr_min_calls || f->share < cfg->tailr_min_share ||
		    hp_function_mostly_recorder(f, cfg))
			continue;
		double ratio = hp_tail_ratio(f, cfg);
		if (ratio < cfg->tailr_ratio)
			continue;
		struct hp_recommendation *rec = add(r, "tail-latency", HP_SEV_WARNING, ratio * f->share);
		if (!rec)
			return;
		hp_fmt_function(loc, sizeof(loc), f);
		put(rec->location, sizeof(rec->location), "%s", loc);
		put(rec->title, sizeof(rec->title), "Tail latency in %s: p99 is %.0fx the median", f->name, ratio);
		put(rec->detail, sizeof(rec->detail),
		    "over %llu calls, p50 is %s, p95 %s, p99 %s and the slowest %s: a few calls take far longer "
		    "than the typical one; look on this path for lock waits, I/O, page faults, a cache that is "
		    "rebuilt, or rare large inputs.",
		    (unsigned long long)f->calls, hp_fmt_ns(b1, f->p50_ns), hp_fmt_ns(b2, f->p95_ns),
		    hp_fmt_ns(b3, f->p99_ns), hp_fmt_ns(b4, f->max_ns));
	}
}

/* ---- allocator-share: estimated time in malloc/free, in hot functions and in the whole program ---- */

static void rule_allocator(const struct hp_profile *p, const struct hp_config *cfg, struct recs *r)
{
	char loc[2048], b1[HP_FMT_MAX], b2[HP_FMT_MAX], b3[HP_FMT_MAX];

	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct hp_function *f = &p->functions[i];
		if (f->share < cfg->hot_share || f->total_ns == 0)
			continue;
		double a = hp_function_allocator_share(f, cfg);
		if (a < cfg->alloc_share || a == 0)
			continue;
		struct hp_recommendation *rec = add(
			r, "allocator-share", a >= cfg->alloc_critical_share ? HP_SEV_CRITICAL : HP_SEV_WARNING, a);
		if (!rec)
			return;
		hp_fmt_function(loc, sizeof(loc), f);
		put(rec->location, sizeof(rec->location), "%s", loc);
		put(rec->title, sizeof(rec->title), "An estimated %s of %s's time goes to the allocator",
		    hp_fmt_pct(b1, a), f->name);
		put(rec->detail, sizeof(rec->detail),
		    "estimate: %llu allocations made inside %s x %.0f ns each (alloc_cost_ns) = %s of its %s total "
		    "time, a hot function (%s of the run); allocate less often here: reuse objects, pool them, or "
		    "size buffers once.",
		    (unsigned long long)f->allocs, f->name, cfg->alloc_cost_ns,
		    hp_fmt_ns(b2, (uint64_t)((double)f->allocs * cfg->alloc_cost_ns)), hp_fmt_ns(b3, f->total_ns),
		    hp_fmt_pct(b1, f->share));
	}

	uint64_t base = p->summary.cpu_ns ? p->summary.cpu_ns : hp_thread_time_ns(p);
	if (base == 0 || p->summary.allocations == 0)
		return;
	double est = (double)p->summary.allocations * cfg->alloc_cost_ns;
	double a = est / (double)base;
	if (a > 1)
		a = 1;
	if (a < cfg->alloc_share)
		return;
	struct hp_recommendation *rec =
		add(r, "allocator-share", a >= cfg->alloc_critical_share ? HP_SEV_CRITICAL : HP_SEV_WARNING, a);
	if (!rec)
		return;
	put(rec->location, sizeof(rec->location), "%s", whole);
	put(rec->title, sizeof(rec->title), "An estimated %s of the program's time goes to the allocator",
	    hp_fmt_pct(b1, a));
	put(rec->detail, sizeof(rec->detail),
	    "estimate: %llu allocations x %.0f ns each (alloc_cost_ns) = %s of %s %s; the sites with the most "
	    "allocations are the places to allocate less often.",
	    (unsigned long long)p->summary.allocations, cfg->alloc_cost_ns, hp_fmt_ns(b2, (uint64_t)est),
	    hp_fmt_ns(b3, base), p->summary.cpu_ns ? "CPU time" : "thread time");
}

/* ---- peak: the heap's peak far above its steady state ---- */

static void rule_peak(const struct hp_profile *p, const struct hp_config *cfg, struct recs *r)
{
	const struct hp_summary *s = &p->summary;
	char loc[2048], b1[HP_FMT_MAX], b2[HP_FMT_MAX], b3[HP_FMT_MAX], b4[HP_FMT_MAX], b5[HP_FMT_MAX];

	if (p->ntimeline == 0 || s->peak_heap_bytes < cfg->peakr_min_bytes)
		return;
	uint64_t steady = hp_steady_heap(p);
	double ratio = (double)s->peak_heap_bytes / (double)(steady ? steady : 1);
	if (ratio < cfg->peakr_ratio)
		return;

	const struct hp_alloc_site *top = NULL;
	for (size_t i = 0; i < p->nsites; i++)
		if (p->sites[i].peak_bytes > 0 && (!top || p->sites[i].peak_bytes > top->peak_bytes))
			top = &p->sites[i];

	struct hp_recommendation *rec = add(r, "peak", HP_SEV_WARNING, ratio);
	if (!rec)
		return;
	if (top)
		hp_fmt_site(loc, sizeof(loc), top->frames, top->stack_id);
	put(rec->location, sizeof(rec->location), "%s", top ? loc : whole);
	put(rec->title, sizeof(rec->title), "The heap peaks at %.0fx its steady state", ratio);
	if (top)
		put(rec->detail, sizeof(rec->detail),
		    "the heap peaked at %s at %s into the run, %.1fx its steady state of %s (the median over the "
		    "run); the largest holder at the peak is %s with %s (%s of it): free that data sooner, stream "
		    "it, or process it in smaller batches.",
		    hp_fmt_bytes(b1, s->peak_heap_bytes), hp_fmt_ns(b2, s->peak_heap_ns), ratio, hp_fmt_bytes(b3, steady),
		    loc, hp_fmt_bytes(b4, top->peak_bytes),
		    hp_fmt_pct(b5, (double)top->peak_bytes / (double)s->peak_heap_bytes));
	else
		put(rec->detail, sizeof(rec->detail),
		    "the heap peaked at %s at %s into the run, %.1fx its steady state of %s (the median over the "
		    "run): free data sooner, stream it, or process it in smaller batches.",
		    hp_fmt_bytes(b1, s->peak_heap_bytes), hp_fmt_ns(b2, s->peak_heap_ns), ratio,
		    hp_fmt_bytes(b3, steady));
}

/* ---- events-lost and recorder-wait: how far the trace itself can be trusted ---- */

static void rule_recording(const struct hp_profile *p, const struct hp_config *cfg, struct recs *r)
{
	const struct hp_summary *s = &p->summary;
	char b1[HP_FMT_MAX], b2[HP_FMT_MAX];
	struct hp_recommendation *rec;

	if (s->events_lost >= cfg->lost_min_events) {
		rec = add(r, "events-lost", HP_SEV_CRITICAL, (double)s->events_lost);
		if (!rec)
			return;
		put(rec->location, sizeof(rec->location), "%s", whole);
		put(rec->title, sizeof(rec->title), "The recorder lost %llu events", (unsigned long long)s->events_lost);
		put(rec->detail, sizeof(rec->detail),
		    "%llu events were lost against %llu recorded (%s): the counts, leaks and times of this report "
		    "are incomplete; record again (a smaller --depth or --no-stacks makes each event cheaper).",
		    (unsigned long long)s->events_lost, (unsigned long long)s->events,
		    hp_fmt_pct(b1, (double)s->events_lost / (double)(s->events + s->events_lost)));
	}

	uint64_t tt = hp_thread_time_ns(p);
	if (s->wait_ns == 0 || tt == 0)
		return;
	double share = (double)s->wait_ns / (double)tt;
	if (share < cfg->wait_share)
		return;
	rec = add(r, "recorder-wait", HP_SEV_WARNING, share);
	if (!rec)
		return;
	put(rec->location, sizeof(rec->location), "%s", whole);
	put(rec->title, sizeof(rec->title), "Threads waited %s for the recorder", hp_fmt_ns(b1, s->wait_ns));
	put(rec->detail, sizeof(rec->detail),
	    "the program's threads waited %s in total for the recorder to drain their buffers, %s of their "
	    "time: zone and function times leave that wait out, but the run took that much longer; record "
	    "with a smaller --depth or --no-stacks, or leave a core free for the recorder.",
	    hp_fmt_ns(b1, s->wait_ns), hp_fmt_pct(b2, share));
}

/* ---- recorder-share: a hot function whose measured time was mostly the recorder's own ---- */

static void rule_recorder_share(const struct hp_profile *p, const struct hp_config *cfg, struct recs *r)
{
	char loc[2048], b1[HP_FMT_MAX], b2[HP_FMT_MAX], b3[HP_FMT_MAX], b4[HP_FMT_MAX];

	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct hp_function *f = &p->functions[i];
		uint64_t measured = f->total_ns + f->recorder_ns;
		/* Hot as measured: what is left after the recorder's time may be small for that very reason. */
		if (!hp_function_mostly_recorder(f, cfg) || !p->summary.run_ns ||
		    (double)measured / (double)p->summary.run_ns < cfg->hot_share)
			continue;
		double s = hp_function_recorder_share(f);
		struct hp_recommendation *rec = add(r, "recorder-share", HP_SEV_WARNING, s);
		if (!rec)
			return;
		hp_fmt_function(loc, sizeof(loc), f);
		put(rec->location, sizeof(rec->location), "%s", loc);
		put(rec->title, sizeof(rec->title), "%s's time is mostly the recorder's", f->name);
		put(rec->detail, sizeof(rec->detail),
		    "of the %s measured inside %s, %s (%s) was the recorder's own, as it measured itself while the "
		    "program ran, and is left out; the %s left is the difference of two large figures, as exact as "
		    "that measure (tail-latency leaves it alone): check it against the program's own timing, or "
		    "record with HOOKPROF_RECORD=zones,funcs to time %s without recording its allocations.",
		    hp_fmt_ns(b1, measured), f->name, hp_fmt_ns(b2, f->recorder_ns), hp_fmt_pct(b3, s),
		    hp_fmt_ns(b4, f->total_ns), f->name);
	}
}

typedef void (*rule_fn)(const struct hp_profile *, const struct hp_config *, struct recs *);
static const rule_fn rules[] = {
	rule_leak, rule_growth, rule_recording, rule_recorder_share, rule_allocator, rule_small_allocs,
	rule_temporary, rule_realloc_step, rule_tail, rule_peak,
};

static int cmp_weight(const void *a, const void *b)
{
	const struct hp_recommendation *x = a, *y = b;
	return x->weight < y->weight ? 1 : x->weight > y->weight ? -1 : 0;
}

/* Most severe first, then heaviest. */
static int cmp_severity_weight(const void *a, const void *b)
{
	const struct hp_recommendation *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	return cmp_weight(a, b);
}

/* Keeps the `max` heaviest recommendations of the rule that just ran, and every critical one: a
 * definite leak is never dropped for larger findings of less weight (possibly lost groups). */
static void cap_rule(struct recs *r, double max)
{
	size_t n = r->n - r->rule_start, critical = 0;

	if (n > 1)
		qsort(r->v + r->rule_start, n, sizeof(r->v[0]), cmp_severity_weight);
	for (size_t i = 0; i < n; i++)
		critical += r->v[r->rule_start + i].severity == HP_SEV_CRITICAL;
	size_t keep = max > 0 && n > (size_t)max ? (size_t)max : n;
	if (keep < critical)
		keep = critical;
	r->n = r->rule_start + keep;
}

struct keyed {
	struct hp_recommendation rec;
	int rule, seq;
};

static int cmp_final(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	if (x->rec.severity != y->rec.severity)
		return x->rec.severity > y->rec.severity ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return x->seq - y->seq;
}

int hp_rules_run(const struct hp_profile *p, const struct hp_config *cfg, struct hp_recommendation **out,
		 size_t *n)
{
	struct recs r = {0};

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		r.rule_start = r.n;
		r.rule_index = (int)i;
		rules[i](p, cfg, &r);
		if (r.oom)
			goto fail;
		/* A rule's recommendations all carry its index: sorting them inside cap_rule keeps it. */
		cap_rule(&r, cfg->max_per_rule);
	}
	if (r.n > 0) {
		struct keyed *k = malloc(r.n * sizeof(*k));
		if (!k)
			goto fail;
		for (size_t i = 0; i < r.n; i++) {
			k[i].rec = r.v[i];
			k[i].rule = r.order[i];
			k[i].seq = (int)i;
		}
		qsort(k, r.n, sizeof(*k), cmp_final);
		for (size_t i = 0; i < r.n; i++)
			r.v[i] = k[i].rec;
		free(k);
	}
	free(r.order);
	*out = r.v;
	*n = r.n;
	return 0;
fail:
	free(r.v);
	free(r.order);
	return -1;
}
