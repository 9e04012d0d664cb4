/* alloc_functions.c: allocation sites grouped by their user frame's function, sums and sub-stacks. */
#include <stdlib.h>
#include <string.h>

#include "report/alloc_functions.h"
#include "report/report.h"

/* qsort has no context argument: the profile being grouped (the analyzer is single-threaded). */
static const struct hp_profile *sorting;

static int cmp_str(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* Same function: same name and module; unnamed frames compare by offset too. */
static int cmp_frame(const struct hp_frame *a, const struct hp_frame *b)
{
	int c;

	if (!a || !b)
		return (a != NULL) - (b != NULL);
	if ((c = cmp_str(a->function, b->function)) || (c = cmp_str(a->module, b->module)))
		return c;
	if (!a->function && a->module_offset != b->module_offset)
		return a->module_offset < b->module_offset ? -1 : 1;
	return 0;
}

/* By function, then the most bytes first; unsymbolized sites stay apart (by stack id). */
static int cmp_site(const void *x, const void *y)
{
	const struct hp_alloc_site *a = &sorting->sites[*(const size_t *)x], *b = &sorting->sites[*(const size_t *)y];
	const struct hp_frame *fa = hp_user_frame(a->frames), *fb = hp_user_frame(b->frames);
	int c = cmp_frame(fa, fb);

	if (c)
		return c;
	if (!fa && a->stack_id != b->stack_id)
		return a->stack_id < b->stack_id ? -1 : 1;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	return a->stack_id < b->stack_id ? -1 : a->stack_id > b->stack_id;
}

static int cmp_function(const void *x, const void *y)
{
	const struct hp_alloc_function *a = x, *b = y;

	if (a->cost.allocs != b->cost.allocs)
		return a->cost.allocs > b->cost.allocs ? -1 : 1;
	if (a->cost.bytes != b->cost.bytes)
		return a->cost.bytes > b->cost.bytes ? -1 : 1;
	return cmp_frame(a->frame, b->frame);
}

static const struct hp_frame *caller_of(const struct hp_alloc_site *s)
{
	const struct hp_stack_frames *st = s->frames;
	return st && st->user_frame + 1 < st->nframes ? st->frames[st->user_frame + 1] : NULL;
}

/* Sub-stacks: by the function's line, then by caller (name, module, file, line). */
static int cmp_sub_site(const void *x, const void *y)
{
	const struct hp_alloc_site *a = &sorting->sites[*(const size_t *)x], *b = &sorting->sites[*(const size_t *)y];
	const struct hp_frame *ua = hp_user_frame(a->frames), *ub = hp_user_frame(b->frames);
	const struct hp_frame *ca = caller_of(a), *cb = caller_of(b);
	int c;

	if (ua->line != ub->line)
		return ua->line < ub->line ? -1 : 1;
	if ((c = cmp_frame(ca, cb)))
		return c;
	if (ca && ((c = cmp_str(ca->file, cb->file)) || ca->line != cb->line))
		return c ? c : ca->line < cb->line ? -1 : 1;
	return 0;
}

static int cmp_sub(const void *x, const void *y)
{
	const struct hp_alloc_substack *a = x, *b = y;

	if (a->cost.bytes != b->cost.bytes)
		return a->cost.bytes > b->cost.bytes ? -1 : 1;
	if (a->cost.allocs != b->cost.allocs)
		return a->cost.allocs > b->cost.allocs ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* f->subs from f->sites (of a symbolized function). 0, or -1 when memory runs out. */
static int substacks(const struct hp_profile *p, struct hp_alloc_function *f)
{
	size_t *by = malloc(f->nsites * sizeof(*by));

	f->subs = calloc(f->nsites, sizeof(*f->subs));
	if (!by || !f->subs) {
		free(by);
		return -1;
	}
	memcpy(by, f->sites, f->nsites * sizeof(*by));
	qsort(by, f->nsites, sizeof(*by), cmp_sub_site);
	for (size_t i = 0; i < f->nsites; i++) {
		const struct hp_alloc_site *s = &p->sites[by[i]];
		if (i == 0 || cmp_sub_site(&by[i - 1], &by[i]) != 0) {
			struct hp_alloc_substack *sub = &f->subs[f->nsubs++];
			sub->line = hp_user_frame(s->frames)->line;
			sub->caller = caller_of(s);
		}
		hp_alloc_costs_add(&f->subs[f->nsubs - 1].cost, s);
		f->subs[f->nsubs - 1].nsites++;
	}
	qsort(f->subs, f->nsubs, sizeof(*f->subs), cmp_sub);
	free(by);
	return 0;
}

static bool same_group(const struct hp_profile *p, size_t i, size_t j)
{
	const struct hp_frame *a = hp_user_frame(p->sites[i].frames), *b = hp_user_frame(p->sites[j].frames);
	return cmp_frame(a, b) == 0 && (a || p->sites[i].stack_id == p->sites[j].stack_id);
}

int hp_alloc_functions(const struct hp_profile *p, struct hp_alloc_function **out, size_t *n)
{
	size_t *idx = malloc((p->nsites ? p->nsites : 1) * sizeof(*idx));
	struct hp_alloc_function *fn = calloc(p->nsites ? p->nsites : 1, sizeof(*fn));
	size_t nf = 0;

	*out = NULL;
	*n = 0;
	if (!idx || !fn)
		goto fail;
	for (size_t i = 0; i < p->nsites; i++)
		idx[i] = i;
	sorting = p;
	qsort(idx, p->nsites, sizeof(*idx), cmp_site);
	for (size_t i = 0; i < p->nsites;) {
		size_t j = i;
		while (j < p->nsites && same_group(p, idx[i], idx[j]))
			j++;
		struct hp_alloc_function *f = &fn[nf++];
		f->sites = malloc((j - i) * sizeof(*f->sites));
		if (!f->sites)
			goto fail;
		memcpy(f->sites, idx + i, (j - i) * sizeof(*f->sites));
		f->nsites = j - i;
		f->frame = hp_user_frame(p->sites[idx[i]].frames);
		for (; i < j; i++)
			hp_alloc_costs_add(&f->cost, &p->sites[idx[i]]);
		if (f->frame && substacks(p, f) < 0)
			goto fail;
	}
	free(idx);
	qsort(fn, nf, sizeof(*fn), cmp_function);
	*out = fn;
	*n = nf;
	return 0;
fail:
	hp_alloc_functions_free(fn, nf);
	free(idx);
	return -1;
}

void hp_alloc_functions_free(struct hp_alloc_function *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++) {
		free(f[i].sites);
		free(f[i].subs);
	}
	free(f);
}
