/* defs.c: what a trace defines (stacks, sites, threads, modules, process), kept after the pass.
 *
 * Ids come from the file, so they index hash maps, never arrays sized by their value.
 */
#include <stdlib.h>
#include <string.h>

#include "read/record_decoder.h"
#include "read/trace.h"
#include "util/grow.h"
#include "util/idmap.h"

/* Definitions by id, in the order the trace gave them. */
struct map {
	struct hp_idmap index; /* id → position + 1 in values */
	void **values;
	size_t n, cap;
};

struct hp_stack_table {
	struct map m;
};

struct hp_site_table {
	struct map m;
};

static void *map_get(const struct map *m, uint32_t id)
{
	const uint32_t *at = id ? hp_idmap_find(&m->index, id) : NULL;
	return at ? m->values[*at - 1] : NULL;
}

/* Returns 1 when added, 0 when id was defined already (the first definition stays), -1 on ENOMEM. */
static int map_put(struct map *m, uint32_t id, void *value)
{
	if (!id || map_get(m, id))
		return 0;
	void **values = hp_grow(m->values, &m->cap, m->n + 1, sizeof(*values));
	if (!values)
		return -1;
	m->values = values;
	uint32_t *at = hp_idmap_slot(&m->index, id, true);
	if (!at)
		return -1;
	m->values[m->n++] = value;
	*at = (uint32_t)m->n;
	return 1;
}

static void map_free(struct map *m)
{
	hp_idmap_free(&m->index);
	free(m->values);
}

void hp_defs_init(struct hp_defs *defs)
{
	memset(defs, 0, sizeof(*defs));
	defs->stacks = calloc(1, sizeof(*defs->stacks));
	defs->sites = calloc(1, sizeof(*defs->sites));
}

static void free_stack(struct hp_stack *s)
{
	if (s)
		free(s->ips);
	free(s);
}

static void free_site(struct hp_site_def *s)
{
	if (s) {
		free(s->name);
		free(s->function);
		free(s->file);
	}
	free(s);
}

void hp_defs_drop_stacks(struct hp_defs *defs)
{
	if (defs->stacks) {
		for (size_t i = 0; i < defs->stacks->m.n; i++)
			free_stack(defs->stacks->m.values[i]);
		map_free(&defs->stacks->m);
		free(defs->stacks);
	}
	defs->stacks = NULL;
}

void hp_defs_release(struct hp_defs *defs)
{
	hp_defs_drop_stacks(defs);
	if (defs->sites) {
		for (size_t i = 0; i < defs->sites->m.n; i++)
			free_site(defs->sites->m.values[i]);
		map_free(&defs->sites->m);
		free(defs->sites);
	}
	for (size_t i = 0; i < defs->nmodules; i++) {
		free(defs->modules[i].path);
		free(defs->modules[i].segs);
	}
	free(defs->modules);
	for (size_t i = 0; i < defs->nthreads; i++)
		free(defs->threads[i].name);
	free(defs->threads);
	hp_process_info_release(&defs->process);
	memset(defs, 0, sizeof(*defs));
}

void hp_process_info_release(struct hp_process_info *pi)
{
	free(pi->exe);
	for (int i = 0; i < pi->argc; i++)
		free(pi->argv[i]);
	free(pi->argv);
	free(pi->malloc_owner);
	free(pi->lsan_suppressions);
	for (size_t i = 0; i < pi->nunrecorded; i++)
		free(pi->unrecorded[i].path);
	free(pi->unrecorded);
	pi->unrecorded = NULL;
	pi->nunrecorded = 0;
	pi->unrecorded_more = 0;
	pi->exe = pi->malloc_owner = pi->lsan_suppressions = NULL;
	pi->argv = NULL;
	pi->argc = 0;
}

const struct hp_stack *hp_defs_stack(const struct hp_defs *defs, uint32_t id)
{
	return defs->stacks ? map_get(&defs->stacks->m, id) : NULL;
}

const struct hp_site_def *hp_defs_site(const struct hp_defs *defs, uint32_t id)
{
	return defs->sites ? map_get(&defs->sites->m, id) : NULL;
}

const struct hp_thread_info *hp_defs_thread(const struct hp_defs *defs, uint32_t stream)
{
	/* hp_defs_thread_get keeps the array sorted by stream: a binary search, never a scan (a trace may
	 * hold 100,000 streams, and streams without a thread are looked up too). */
	size_t lo = 0, hi = defs->nthreads;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (defs->threads[mid].stream < stream)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < defs->nthreads && defs->threads[lo].stream == stream)
		return &defs->threads[lo];
	return NULL;
}

int hp_defs_add_stack(struct hp_defs *defs, uint32_t id, const uint64_t *ips, uint32_t depth)
{
	if (!defs->stacks) /* hp_defs_init ran out of memory */
		return -1;
	if (map_get(&defs->stacks->m, id))
		return 0;
	struct hp_stack *s = malloc(sizeof(*s));
	uint64_t *copy = malloc((depth ? depth : 1) * sizeof(*copy));
	if (!s || !copy) {
		free(s);
		free(copy);
		return -1;
	}
	memcpy(copy, ips, depth * sizeof(*copy));
	*s = (struct hp_stack){id, depth, copy};
	int rc = map_put(&defs->stacks->m, id, s);
	if (rc <= 0)
		free_stack(s);
	return rc < 0 ? -1 : 0;
}

int hp_defs_add_site(struct hp_defs *defs, const struct hp_site_def *site)
{
	if (!defs->sites)
		return -1;
	if (map_get(&defs->sites->m, site->id))
		return 0;
	struct hp_site_def *s = malloc(sizeof(*s));
	if (!s)
		return -1;
	*s = *site;
	s->name = strdup(site->name);
	s->function = strdup(site->function);
	s->file = strdup(site->file);
	int rc = !s->name || !s->function || !s->file ? -1 : map_put(&defs->sites->m, site->id, s);
	if (rc <= 0)
		free_site(s);
	return rc < 0 ? -1 : 0;
}

struct hp_thread_info *hp_defs_thread_get(struct hp_defs *defs, uint32_t stream)
{
	struct hp_thread_info *t = (struct hp_thread_info *)hp_defs_thread(defs, stream);

	if (t)
		return t;
	struct hp_thread_info *n = hp_grow(defs->threads, &defs->threads_cap, defs->nthreads + 1, sizeof(*n));
	if (!n)
		return NULL;
	defs->threads = n;
	/* Keep the array sorted by stream. */
	size_t at = defs->nthreads;
	while (at && defs->threads[at - 1].stream > stream)
		at--;
	memmove(defs->threads + at + 1, defs->threads + at, (defs->nthreads - at) * sizeof(*defs->threads));
	defs->threads[at] = (struct hp_thread_info){.stream = stream};
	defs->nthreads++;
	return &defs->threads[at];
}

struct hp_module *hp_defs_add_module(struct hp_defs *defs)
{
	struct hp_module *n = hp_grow(defs->modules, &defs->modules_cap, defs->nmodules + 1, sizeof(*n));
	if (!n)
		return NULL;
	defs->modules = n;
	struct hp_module *m = &defs->modules[defs->nmodules++];
	memset(m, 0, sizeof(*m));
	m->unload_ns = UINT64_MAX;
	return m;
}

void hp_defs_foreach_stack(const struct hp_defs *defs, void (*fn)(const struct hp_stack *s, void *arg), void *arg)
{
	for (size_t i = 0; defs->stacks && i < defs->stacks->m.n; i++)
		fn(defs->stacks->m.values[i], arg);
}

void hp_defs_foreach_site(const struct hp_defs *defs, void (*fn)(const struct hp_site_def *s, void *arg), void *arg)
{
	for (size_t i = 0; defs->sites && i < defs->sites->m.n; i++)
		fn(defs->sites->m.values[i], arg);
}
