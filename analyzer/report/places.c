/* places.c: sites, or leaks of one kind, grouped by the place their location shows (places.h). */
#include "report/places.h"

#include <stdlib.h>

static int cmp_key(const uint64_t *a, const uint64_t *b)
{
	return a[0] != b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] != b[1] ? (a[1] < b[1] ? -1 : 1) : 0;
}

/* By kind and key, and within a place the call path of the most bytes first (then the lowest stack
 * id): the one that names it, whatever order qsort leaves equal elements in. */
static int cmp_place(const void *a, const void *b)
{
	const struct hp_place *x = a, *y = b;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	int c = cmp_key(x->key, y->key);
	if (c)
		return c;
	if (x->cost.bytes != y->cost.bytes)
		return x->cost.bytes > y->cost.bytes ? -1 : 1;
	return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

static bool same_place(const struct hp_place *x, const struct hp_place *y)
{
	return x->kind == y->kind && !cmp_key(x->key, y->key);
}

size_t hp_places_group(struct hp_place *v, size_t k)
{
	size_t m = 0;

	qsort(v, k, sizeof(*v), cmp_place);
	for (size_t i = 0; i < k; i++) {
		struct hp_place *t = m ? &v[m - 1] : NULL;
		if (!t || !same_place(t, &v[i])) {
			v[m++] = v[i];
			continue;
		}
		t->cost.allocs += v[i].cost.allocs;
		t->cost.bytes += v[i].cost.bytes;
		t->cost.temporary += v[i].cost.temporary;
		t->cost.peak_bytes += v[i].cost.peak_bytes;
		t->cost.live_bytes += v[i].cost.live_bytes;
		t->cost.leaked_bytes += v[i].cost.leaked_bytes;
		t->min_size = v[i].min_size < t->min_size ? v[i].min_size : t->min_size;
		t->max_size = v[i].max_size > t->max_size ? v[i].max_size : t->max_size;
		t->reallocs += v[i].reallocs;
		t->blocks += v[i].blocks;
		t->indirect_bytes += v[i].indirect_bytes;
		t->indirect_blocks += v[i].indirect_blocks;
		t->paths++;
	}
	return m;
}

struct hp_place *hp_site_places(const struct hp_profile *p, bool temporary, size_t *n)
{
	struct hp_place *v = calloc(p->nsites ? p->nsites : 1, sizeof(*v));
	size_t k = 0;

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < p->nsites; i++) {
		const struct hp_alloc_site *s = &p->sites[i];
		if (!s->allocs || (temporary && !s->temporary))
			continue;
		struct hp_place *t = &v[k++];
		*t = (struct hp_place){.frames = s->frames, .stack_id = s->stack_id, .min_size = s->min_size,
				       .max_size = s->max_size, .reallocs = s->reallocs, .paths = 1};
		hp_alloc_costs_add(&t->cost, s);
		hp_site_place(s->frames, s->stack_id, t->key);
	}
	*n = hp_places_group(v, k);
	return v;
}

static int cmp_by(const void *a, const void *b, void *ctx)
{
	const struct hp_place *x = a, *y = b;
	enum hp_site_order key = *(const enum hp_site_order *)ctx;
	uint64_t kx = hp_site_order_value(&x->cost, x->reallocs, key), ky = hp_site_order_value(&y->cost, y->reallocs, key);

	if (kx != ky)
		return kx > ky ? -1 : 1;
	if (x->cost.bytes != y->cost.bytes)
		return x->cost.bytes > y->cost.bytes ? -1 : 1;
	return cmp_key(x->key, y->key);
}

size_t hp_places_by(struct hp_place *v, size_t n, enum hp_site_order key)
{
	size_t nonzero = 0;

	if (n > 1)
		qsort_r(v, n, sizeof(*v), cmp_by, &key);
	for (size_t i = 0; i < n; i++)
		nonzero += hp_site_order_value(&v[i].cost, v[i].reallocs, key) > 0;
	return nonzero;
}
