/* score.c: components, weights and categories of the profile's score and of each function's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/score.h"
#include "read/trace_warnings.h"

const char *hp_score_category(int value)
{
	if (value >= 90)
		return "excellent";
	if (value >= 75)
		return "good";
	if (value >= 60)
		return "average";
	if (value >= 40)
		return "poor";
	return "critical";
}

double hp_score_ramp(double x, double good, double bad)
{
	if (x <= good)
		return 100;
	if (x >= bad)
		return 0;
	return 100 * (bad - x) / (bad - good);
}

double hp_score_ramp_log(double x, double good, double bad)
{
	if (x <= good)
		return 100;
	if (x >= bad)
		return 0;
	return 100 * (log(bad) - log(x)) / (log(bad) - log(good));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

uint64_t hp_steady_heap(const struct hp_profile *p)
{
	uint64_t v[HP_TIMELINE_MAX];
	size_t n = p->ntimeline < HP_TIMELINE_MAX ? p->ntimeline : HP_TIMELINE_MAX;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		v[i] = p->timeline[i].heap_bytes;
	qsort(v, n, sizeof(v[0]), cmp_u64);
	return v[n / 2];
}

double hp_function_allocator_share(const struct hp_function *f, const struct hp_config *cfg)
{
	if (f->total_ns == 0)
		return 0;
	double s = (double)f->allocs * cfg->alloc_cost_ns / (double)f->total_ns;
	return s > 1 ? 1 : s;
}

uint64_t hp_thread_time_ns(const struct hp_profile *p)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < p->defs.nthreads; i++) {
		const struct hp_thread_info *t = &p->defs.threads[i];
		uint64_t end = t->ended ? t->end_ns : p->summary.run_ns;
		if (end > t->start_ns)
			sum += end - t->start_ns;
	}
	return sum ? sum : p->summary.run_ns;
}

static bool is_hot(const struct hp_function *f, const struct hp_config *cfg)
{
	return f->share >= cfg->hot_share && f->calls > 0;
}

double hp_tail_ratio(const struct hp_function *f, const struct hp_config *cfg)
{
	double p50 = (double)f->p50_ns;

	if (p50 < cfg->tail_min_p50_ns)
		p50 = cfg->tail_min_p50_ns;
	return (double)f->p99_ns / (p50 > 0 ? p50 : 1);
}

double hp_function_recorder_share(const struct hp_function *f)
{
	uint64_t measured = f->total_ns + f->recorder_ns;

	return measured ? (double)f->recorder_ns / (double)measured : 0;
}

bool hp_function_mostly_recorder(const struct hp_function *f, const struct hp_config *cfg)
{
	return f->recorder_ns && hp_function_recorder_share(f) >= cfg->recorder_share;
}

/* f's p99/p50 tells about the program: enough calls, and not mostly the recorder's time. */
static bool tail_counts(const struct hp_function *f, const struct hp_config *cfg)
{
	return f->calls >= cfg->tail_min_calls && !hp_function_mostly_recorder(f, cfg);
}

static void set(struct hp_score_component *c, const char *name, const char *what, enum hp_unit unit,
		double weight)
{
	c->name = name;
	c->what = what;
	c->unit = unit;
	c->weight = weight;
	c->applies = true;
	c->value = 0;
	c->score = 100;
	c->where = NULL;
}

static void score_functions(struct hp_profile *p, const struct hp_config *cfg)
{
	for (size_t i = 0; i < p->nfunctions; i++) {
		struct hp_function *f = &p->functions[i];
		double sum = 0, w = 0;
		if (tail_counts(f, cfg)) {
			sum += cfg->w_tail * hp_score_ramp_log(hp_tail_ratio(f, cfg), cfg->tail_good, cfg->tail_bad);
			w += cfg->w_tail;
		}
		if (f->total_ns > 0) {
			sum += cfg->w_allocator * hp_score_ramp(hp_function_allocator_share(f, cfg), cfg->allocator_good,
								cfg->allocator_bad);
			w += cfg->w_allocator;
		}
		f->score = w > 0 ? round(sum / w) : 100;
	}
}

void hp_score_profile(struct hp_profile *p, const struct hp_config *cfg, struct hp_score *out)
{
	const struct hp_summary *s = &p->summary;
	struct hp_score_component *c;

	memset(out, 0, sizeof(*out));

	c = &out->comp[HP_SC_CHURN];
	set(c, "churn", "allocations per second of run time", HP_UNIT_PER_SECOND, cfg->w_churn);
	if (s->run_ns == 0) {
		c->applies = false;
	} else {
		c->value = (double)s->allocations * 1e9 / (double)s->run_ns;
		if (s->allocations >= cfg->churn_min_allocs)
			c->score = hp_score_ramp_log(c->value, cfg->churn_good, cfg->churn_bad);
	}

	c = &out->comp[HP_SC_TEMPORARY];
	set(c, "temporary", "share of allocations that were temporary", HP_UNIT_SHARE, cfg->w_temporary);
	if (s->allocations > 0)
		c->value = (double)s->temporary_allocations / (double)s->allocations;
	if (s->allocations >= cfg->temporary_min_allocs)
		c->score = hp_score_ramp(c->value, cfg->temporary_good, cfg->temporary_bad);

	c = &out->comp[HP_SC_LEAKS];
	set(c, "leaks", "bytes lost at exit as a share of the peak heap", HP_UNIT_SHARE, cfg->w_leaks);
	/* Leaks are known only from a reachability scan: without one (an exec, a killed process, the
	 * scan turned off) the component does not apply, whatever was still allocated. */
	c->applies = p->classified || p->nscans > 0 || s->leak_blocks[HP_LEAK_DEFINITE] || s->leak_blocks[HP_LEAK_INDIRECT] ||
		     s->leak_blocks[HP_LEAK_POSSIBLE] || s->leak_blocks[HP_LEAK_REACHABLE];
	if (c->applies) {
		double lost = (double)(s->leak_bytes[HP_LEAK_DEFINITE] + s->leak_bytes[HP_LEAK_INDIRECT] +
				       s->leak_bytes[HP_LEAK_POSSIBLE]);
		double peak = (double)(s->peak_heap_bytes ? s->peak_heap_bytes : 1);
		c->value = lost / peak;
		c->score = hp_score_ramp(c->value, 0, cfg->leaks_bad);
	}

	/* Tail latency and allocator share: the worst hot function, the one a user would fix first. */
	c = &out->comp[HP_SC_TAIL];
	set(c, "tail", "p99/p50 of the worst hot function", HP_UNIT_RATIO, cfg->w_tail);
	c->applies = false;
	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct hp_function *f = &p->functions[i];
		if (!is_hot(f, cfg) || !tail_counts(f, cfg))
			continue;
		double r = hp_tail_ratio(f, cfg);
		if (!c->applies || r > c->value) {
			c->value = r;
			c->where = f->name;
		}
		c->applies = true;
	}
	if (c->applies)
		c->score = hp_score_ramp_log(c->value, cfg->tail_good, cfg->tail_bad);

	c = &out->comp[HP_SC_ALLOCATOR];
	set(c, "allocator", "estimated share of a hot function's time in the allocator", HP_UNIT_SHARE,
	    cfg->w_allocator);
	c->applies = false;
	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct hp_function *f = &p->functions[i];
		if (!is_hot(f, cfg) || f->total_ns == 0)
			continue;
		double a = hp_function_allocator_share(f, cfg);
		if (!c->applies || a > c->value) {
			c->value = a;
			c->where = f->name;
		}
		c->applies = true;
	}
	if (c->applies)
		c->score = hp_score_ramp(c->value, cfg->allocator_good, cfg->allocator_bad);

	c = &out->comp[HP_SC_PEAK];
	set(c, "peak", "peak heap over the steady heap (median of the timeline)", HP_UNIT_RATIO, cfg->w_peak);
	if (p->ntimeline == 0) {
		c->applies = false;
	} else {
		uint64_t steady = hp_steady_heap(p);
		c->value = (double)s->peak_heap_bytes / (double)(steady ? steady : 1);
		if (s->peak_heap_bytes >= cfg->peak_min_bytes)
			c->score = hp_score_ramp_log(c->value, cfg->peak_good, cfg->peak_bad);
	}

	c = &out->comp[HP_SC_EVENTS_LOST];
	set(c, "events_lost", "share of the events lost by the recorder", HP_UNIT_SHARE, cfg->w_events_lost);
	if (s->events_lost > 0) {
		c->value = (double)s->events_lost / (double)(s->events + s->events_lost);
		c->score = hp_score_ramp(c->value, 0, cfg->events_lost_bad);
	}

	/* What was not recorded is not judged: without allocations, no heap component has evidence (a
	 * trace recorded with HOOKPROF_RECORD=samples would otherwise score leaks 100). */
	if (hp_allocs_not_recorded(&p->defs)) {
		out->comp[HP_SC_CHURN].applies = out->comp[HP_SC_TEMPORARY].applies = false;
		out->comp[HP_SC_LEAKS].applies = out->comp[HP_SC_ALLOCATOR].applies = false;
		out->comp[HP_SC_PEAK].applies = false;
	}
	double sum = 0, w = 0;
	for (int i = 0; i < HP_SC_COUNT; i++) {
		if (!out->comp[i].applies)
			continue;
		sum += out->comp[i].weight * out->comp[i].score;
		w += out->comp[i].weight;
	}
	out->value = w > 0 ? (int)lround(sum / w) : 100;
	out->category = hp_score_category(out->value);
	p->score = out->value;
	p->score_category = out->category;
	score_functions(p, cfg);
}
