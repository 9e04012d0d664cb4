/* profile_compare.c: matches the functions and allocation sites of two profiles and judges each change. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/profile_compare.h"
#include "report/report.h"

const char *hp_verdict_name(enum hp_verdict v)
{
	switch (v) {
	case HP_VERDICT_SAME: return "same";
	case HP_VERDICT_SLOWER: return "slower";
	case HP_VERDICT_FASTER: return "faster";
	case HP_VERDICT_NOISE: return "within noise";
	case HP_VERDICT_FEW_CALLS: return "too few calls";
	case HP_VERDICT_ADDED: return "added";
	case HP_VERDICT_REMOVED: return "removed";
	}
	return "?";
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The function of p that f stands for: same name and file, the same line preferred. */
static const struct hp_function *match_function(const struct hp_profile *p, const struct hp_function *f,
						 const bool *taken)
{
	const struct hp_function *loose = NULL;

	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct hp_function *g = &p->functions[i];
		if (taken[i] || !same_str(g->name, f->name) || !same_str(hp_basename(g->file), hp_basename(f->file)))
			continue;
		if (g->line == f->line)
			return g;
		if (!loose)
			loose = g;
	}
	return loose;
}

static void judge(struct hp_function_delta *d, double threshold)
{
	const struct hp_function *b = d->base, *n = d->now;

	if (!b || !n) {
		d->verdict = b ? HP_VERDICT_REMOVED : HP_VERDICT_ADDED;
		d->impact_ns = (double)(b ? b->total_ns : n->total_ns);
		return;
	}
	double diff = n->mean_ns - b->mean_ns;
	d->mean_change = b->mean_ns > 0 ? diff / b->mean_ns : 0;
	d->impact_ns = fabs(diff) * (double)(n->calls > b->calls ? n->calls : b->calls);
	if (b->calls >= HP_COMPARE_MIN_CALLS && n->calls >= HP_COMPARE_MIN_CALLS)
		d->noise_ns = 2 * sqrt(n->stddev_ns * n->stddev_ns / (double)n->calls +
				       b->stddev_ns * b->stddev_ns / (double)b->calls);
	d->verdict = hp_judge_change(b->mean_ns, n->mean_ns, d->noise_ns, threshold,
				     b->calls >= HP_COMPARE_MIN_CALLS && n->calls >= HP_COMPARE_MIN_CALLS);
}

enum hp_verdict hp_judge_change(double base, double now, double noise, double threshold, bool enough)
{
	double diff = now - base;

	if (fabs(diff) <= base * threshold)
		return HP_VERDICT_SAME;
	if (!enough)
		return HP_VERDICT_FEW_CALLS;
	if (fabs(diff) <= noise)
		return HP_VERDICT_NOISE;
	return diff > 0 ? HP_VERDICT_SLOWER : HP_VERDICT_FASTER;
}

static int cmp_fn_impact(const void *x, const void *y)
{
	const struct hp_function_delta *a = x, *b = y;
	return a->impact_ns < b->impact_ns ? 1 : a->impact_ns > b->impact_ns ? -1 : 0;
}

static int compare_functions(struct hp_comparison *c, const struct hp_profile *base, const struct hp_profile *now)
{
	bool *taken = calloc(base->nfunctions + 1, sizeof(*taken));
	struct hp_function_delta *d = calloc(base->nfunctions + now->nfunctions + 1, sizeof(*d));
	size_t n = 0;

	if (!taken || !d) {
		free(taken);
		free(d);
		return -1;
	}
	for (size_t i = 0; i < now->nfunctions; i++) {
		const struct hp_function *g = match_function(base, &now->functions[i], taken);
		if (g)
			taken[g - base->functions] = true;
		d[n++] = (struct hp_function_delta){.base = g, .now = &now->functions[i]};
	}
	for (size_t i = 0; i < base->nfunctions; i++)
		if (!taken[i])
			d[n++] = (struct hp_function_delta){.base = &base->functions[i]};
	free(taken);
	for (size_t i = 0; i < n; i++)
		judge(&d[i], c->threshold);
	if (n > 1)
		qsort(d, n, sizeof(*d), cmp_fn_impact);
	c->functions = d;
	c->nfunctions = n;
	return 0;
}

/* ---- sites ---- */

struct place {
	char *location;
	const struct hp_alloc_site *site;
	int run; /* 0 base, 1 new */
};

static int cmp_place(const void *x, const void *y)
{
	const struct place *a = x, *b = y;
	int r = strcmp(a->location, b->location);
	return r ? r : a->run - b->run;
}

static int add_places(struct place *pl, size_t *n, const struct hp_profile *p, int run)
{
	char loc[1024];

	for (size_t i = 0; i < p->nsites; i++) {
		const struct hp_alloc_site *s = &p->sites[i];
		hp_fmt_site(loc, sizeof(loc), s->frames, s->stack_id);
		if (!(pl[*n].location = strdup(loc)))
			return -1;
		pl[*n].site = s;
		pl[(*n)++].run = run;
	}
	return 0;
}

static double absdiff(uint64_t a, uint64_t b)
{
	return a > b ? (double)(a - b) : (double)(b - a);
}

static int cmp_site_impact(const void *x, const void *y)
{
	const struct hp_site_delta *a = x, *b = y;
	if (a->impact != b->impact)
		return a->impact < b->impact ? 1 : -1;
	return strcmp(a->location, b->location);
}

static int compare_sites(struct hp_comparison *c, const struct hp_profile *base, const struct hp_profile *now)
{
	size_t total = base->nsites + now->nsites, n = 0, nd = 0;
	struct place *pl = calloc(total + 1, sizeof(*pl));
	struct hp_site_delta *d = calloc(total + 1, sizeof(*d));
	int rc = -1;

	if (!pl || !d || add_places(pl, &n, base, 0) || add_places(pl, &n, now, 1))
		goto out;
	if (n > 1)
		qsort(pl, n, sizeof(*pl), cmp_place);
	/* Runs of equal locations become one delta; the delta keeps the first run's string. */
	for (size_t i = 0; i < n; i++) {
		if (!nd || strcmp(d[nd - 1].location, pl[i].location)) {
			d[nd++].location = pl[i].location;
			pl[i].location = NULL;
		}
		struct hp_site_delta *s = &d[nd - 1];
		hp_alloc_costs_add(pl[i].run ? &s->now : &s->base, pl[i].site);
		if (pl[i].run)
			s->in_now = true;
		else
			s->in_base = true;
	}
	for (size_t i = 0; i < nd; i++)
		d[i].impact = absdiff(d[i].base.bytes, d[i].now.bytes) + absdiff(d[i].base.leaked_bytes, d[i].now.leaked_bytes) +
			      absdiff(d[i].base.peak_bytes, d[i].now.peak_bytes);
	if (nd > 1)
		qsort(d, nd, sizeof(*d), cmp_site_impact);
	c->sites = d;
	c->nsites = nd;
	d = NULL;
	rc = 0;
out:
	for (size_t i = 0; pl && i < n; i++)
		free(pl[i].location);
	free(pl);
	for (size_t i = 0; d && i < nd; i++)
		free(d[i].location);
	free(d);
	return rc;
}

int hp_compare_profiles(struct hp_comparison *c, const struct hp_profile *base, const struct hp_profile *now,
			double threshold)
{
	memset(c, 0, sizeof(*c));
	c->threshold = threshold;
	if (compare_functions(c, base, now) || compare_sites(c, base, now)) {
		hp_comparison_release(c);
		return -1;
	}
	return 0;
}

void hp_comparison_release(struct hp_comparison *c)
{
	free(c->functions);
	for (size_t i = 0; i < c->nsites; i++)
		free(c->sites[i].location);
	free(c->sites);
	memset(c, 0, sizeof(*c));
}
