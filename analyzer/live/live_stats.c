/* live_stats.c: the live view's running totals, updated event by event. */
#include "live/live_stats.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hpt_format.h"
#include "model/recorder_cost.h"
#include "model/zone_pairing.h"
#include "util/grow.h"

/* A zone call open on a thread. */
struct open_zone {
	uint64_t key;      /* as l->zones[zone].key: zone_pairing.h reads it in the stack */
	uint32_t zone;     /* index in l->zones */
	bool outer;        /* no other call of the same zone is open below it on this thread */
	uint64_t since_ns; /* its time is counted up to here */
	struct hp_recorder_cost cost0; /* the thread's recorder cost at since_ns */
};

struct hp_live_thread {
	uint32_t stream;
	struct open_zone *stack;
	size_t depth, cap;
	struct hp_recorder_cost cost; /* the recorder's time on this thread so far (recorder_cost.h) */
};

void hp_live_init(struct hp_live *l)
{
	memset(l, 0, sizeof(*l));
	l->nmarks = 1; /* the start of the trace, all counts zero */
}

void hp_live_release(struct hp_live *l)
{
	for (size_t i = 0; i < l->nthreads; i++)
		free(l->threads[i].stack);
	free(l->threads);
	free(l->sites);
	free(l->zones);
	hp_heap_free(&l->heap);
	hp_idmap_free(&l->site_of_stack);
	hp_idmap_free(&l->zone_of_key);
	hp_idmap_free(&l->thread_of_stream);
	hp_idmap_free(&l->open_calls);
	memset(l, 0, sizeof(*l));
}

/* Index + 1 of the entry for key in map, created by `make` when absent; 0 when memory runs out. */
static uint32_t index_of(struct hp_idmap *map, uint64_t key, bool (*make)(struct hp_live *, uint64_t),
			 struct hp_live *l, size_t *count)
{
	uint32_t *slot = hp_idmap_slot(map, key, true);

	if (!slot)
		return 0;
	if (!*slot) {
		if (!make(l, key))
			return 0;
		*slot = (uint32_t)++*count;
	}
	return *slot;
}

static bool make_site(struct hp_live *l, uint64_t key)
{
	struct hp_live_site *sites = hp_grow(l->sites, &l->site_cap, l->nsites + 1, sizeof(*sites));

	if (!sites)
		return false;
	l->sites = sites;
	l->sites[l->nsites] = (struct hp_live_site){.stack = (uint32_t)(key - 1)};
	return true;
}

static bool make_zone(struct hp_live *l, uint64_t key)
{
	struct hp_live_zone *zones = hp_grow(l->zones, &l->zone_cap, l->nzones + 1, sizeof(*zones));

	if (!zones)
		return false;
	l->zones = zones;
	l->zones[l->nzones] = (struct hp_live_zone){.key = key};
	return true;
}

static bool make_thread(struct hp_live *l, uint64_t key)
{
	struct hp_live_thread *threads = hp_grow(l->threads, &l->thread_cap, l->nthreads + 1, sizeof(*threads));

	if (!threads)
		return false;
	l->threads = threads;
	l->threads[l->nthreads] = (struct hp_live_thread){.stream = (uint32_t)(key - 1)};
	return true;
}

/* ---- heap ------------------------------------------------------------------------------------ */

static void drop_block(struct hp_live *l, const struct hp_block *b, uint64_t addr)
{
	struct hp_live_site *s = &l->sites[b->site];

	s->live_blocks--;
	s->live_bytes -= b->size;
	l->heap_bytes -= b->size;
	hp_heap_remove(&l->heap, addr);
}

static int add_block(struct hp_live *l, const struct hp_event *ev, uint64_t addr)
{
	uint32_t si = index_of(&l->site_of_stack, (uint64_t)ev->stack + 1, make_site, l, &l->nsites);
	struct hp_block *b = si ? hp_heap_find(&l->heap, addr) : NULL;

	if (!si)
		return -1;
	if (!addr) {
		l->anomalies++; /* a block at address 0: no allocator hands that out */
		return 0;
	}
	if (b) {
		/* Live already: its free was lost. The old block goes, as in the report. */
		l->anomalies++;
		drop_block(l, b, addr);
	}
	if (!(b = hp_heap_insert(&l->heap, addr)))
		return -1;
	uint64_t size = hp_block_size(ev->size);
	hp_block_set(b, size, si - 1, ev->stream);
	struct hp_live_site *s = &l->sites[si - 1];
	s->allocs++;
	s->bytes += size;
	s->live_blocks++;
	s->live_bytes += size;
	l->total.allocs++;
	l->total.bytes += size;
	l->heap_bytes += size;
	if (l->heap_bytes > l->heap_peak)
		l->heap_peak = l->heap_bytes;
	return 0;
}

static void free_block(struct hp_live *l, uint64_t addr)
{
	struct hp_block *b = hp_heap_find(&l->heap, addr);

	/* A block from before recording started is not counted, as in the report. */
	if (b) {
		drop_block(l, b, addr);
		l->total.frees++;
	}
}

/* The block lifecycle of live_heap.h, as the report follows it. */
static int heap_event(struct hp_live *l, const struct hp_event *ev)
{
	struct hp_heap_change c;

	if (!hp_heap_change_of(ev, &c))
		return 0;
	if (c.frees)
		free_block(l, c.gone);
	return c.adds ? add_block(l, ev, c.added) : 0;
}

/* ---- zones ----------------------------------------------------------------------------------- */

static uint32_t *open_count(struct hp_live *l, const struct hp_live_thread *t, uint32_t zone)
{
	uint64_t ti = (uint64_t)(t - l->threads);

	return hp_idmap_slot(&l->open_calls, ((ti << 32) | zone) + 1, true);
}

static int enter(struct hp_live *l, struct hp_live_thread *t, uint64_t key, uint64_t ns)
{
	if (!key) {
		l->anomalies++; /* site 0 names no zone */
		return 0;
	}
	uint32_t zi = index_of(&l->zone_of_key, key, make_zone, l, &l->nzones);
	uint32_t *open = zi ? open_count(l, t, zi - 1) : NULL;
	struct open_zone *stack = open ? hp_grow(t->stack, &t->cap, t->depth + 1, sizeof(*stack)) : NULL;

	if (!stack)
		return -1;
	t->stack = stack;
	t->stack[t->depth++] = (struct open_zone){key, zi - 1, (*open)++ == 0, ns, t->cost};
	l->zones[zi - 1].calls++;
	l->zones[zi - 1].open++;
	return 0;
}

/* An outer call's time from since_ns to ns, less the recorder's on its thread meanwhile, as the
 * report counts it; since moves to ns. */
static void credit(struct hp_live *l, const struct hp_live_thread *t, struct open_zone *o, uint64_t ns)
{
	uint64_t whole = ns > o->since_ns ? ns - o->since_ns : 0;
	uint64_t cost = l->process ? hp_recorder_cost_ns(l->process, &o->cost0, &t->cost) : 0;

	if (whole > cost)
		l->zones[o->zone].ns += whole - cost;
	if (ns > o->since_ns) {
		o->since_ns = ns;
		o->cost0 = t->cost;
	}
}

static void close_top(struct hp_live *l, struct hp_live_thread *t, uint64_t ns)
{
	struct open_zone *o = &t->stack[--t->depth];
	struct hp_live_zone *z = &l->zones[o->zone];
	uint32_t *open = hp_idmap_slot(&l->open_calls, (((uint64_t)(t - l->threads) << 32) | o->zone) + 1, false);

	if (o->outer)
		credit(l, t, o, ns);
	z->open--;
	if (open && *open)
		(*open)--;
}

/* Closes the calls an end with key closes (zone_pairing.h), as the report does. */
static void leave(struct hp_live *l, struct hp_live_thread *t, uint64_t key, uint64_t ns)
{
	uint32_t *zi = key ? hp_idmap_slot(&l->zone_of_key, key, false) : NULL;
	uint32_t *open = zi && *zi ? hp_idmap_slot(&l->open_calls, (((uint64_t)(t - l->threads) << 32) | (*zi - 1)) + 1, false)
				   : NULL;
	size_t at = hp_zone_end_at(t->stack, t->depth, sizeof(*t->stack), offsetof(struct open_zone, key), key,
				   open && *open);

	if (!at) {
		l->anomalies++;
		return;
	}
	while (t->depth >= at)
		close_top(l, t, ns);
}

void hp_live_credit(struct hp_live *l, uint64_t now_ns)
{
	for (size_t i = 0; i < l->nthreads; i++) {
		struct hp_live_thread *t = &l->threads[i];
		for (size_t k = 0; k < t->depth; k++)
			if (t->stack[k].outer)
				credit(l, t, &t->stack[k], now_ns);
	}
}

/* ---- events ---------------------------------------------------------------------------------- */

static int recorder_event(struct hp_live *l, const struct hp_event *ev)
{
	if (ev->type != HP_EV_SAMPLE)
		return 0;
	l->have_sample = true;
	l->rss = ev->sample.rss;
	if (l->rss > l->rss_peak)
		l->rss_peak = l->rss;
	/* The trace's CPU time, as its elapsed time is: from its first sample, taken as its writer
	 * started; what the process took before is not. */
	uint64_t cpu = hp_sample_cpu_ns(&ev->sample);
	if (!l->cpu_first_seen) {
		l->cpu_first = cpu;
		l->cpu_first_seen = true;
	}
	l->total.cpu_ns = cpu - l->cpu_first;
	l->total.cpu_at_ns = ev->ns;
	return 0;
}

int hp_live_event(void *ctx, const struct hp_event *ev, const struct hp_defs *defs)
{
	struct hp_live *l = ctx;

	if (defs)
		l->process = &defs->process;
	if (ev->stream == 0)
		return recorder_event(l, ev);
	if (ev->type <= HP_EV_REALLOC && hp_heap_not_yet(&l->heap, ev))
		return HP_EVENT_NOT_YET;
	uint32_t ti = index_of(&l->thread_of_stream, (uint64_t)ev->stream + 1, make_thread, l, &l->nthreads);
	if (!ti)
		goto nomem;
	struct hp_live_thread *t = &l->threads[ti - 1];
	int rc = 0;

	hp_recorder_cost_add(&t->cost, ev);
	l->events++;
	switch (ev->type) {
	case HP_EV_ALLOC:
	case HP_EV_FREE:
	case HP_EV_REALLOC:
		rc = heap_event(l, ev);
		break;
	case HP_EV_ZONE_BEGIN:
		rc = enter(l, t, ev->site, ev->ns);
		break;
	case HP_EV_ZONE_END:
		leave(l, t, ev->site, ev->ns);
		break;
	case HP_EV_FUNC_ENTER:
		rc = enter(l, t, ev->addr | HP_LIVE_FN, ev->ns);
		break;
	case HP_EV_FUNC_EXIT:
		leave(l, t, ev->addr | HP_LIVE_FN, ev->ns);
		break;
	case HP_EV_LOST:
		l->lost += ev->size;
		break;
	case HP_EV_THREAD_END:
		while (t->depth)
			close_top(l, t, ev->ns);
		/* A thread that ended records no more (a new one gets a new stream). */
		free(t->stack);
		t->stack = NULL;
		t->cap = 0;
		break;
	default:
		break;
	}
	if (rc == 0)
		return 0;
nomem:
	l->oom = true;
	return -1;
}

void hp_live_mark(struct hp_live *l, uint64_t now_ns)
{
	l->mark[1] = l->mark[0];
	l->mark[0] = l->total;
	l->mark[0].ns = now_ns;
	for (size_t i = 0; i < l->nzones; i++) {
		struct hp_live_zone *z = &l->zones[i];
		z->calls_at[1] = z->calls_at[0];
		z->ns_at[1] = z->ns_at[0];
		z->calls_at[0] = z->calls;
		z->ns_at[0] = z->ns;
	}
	l->nmarks++;
}

unsigned hp_live_window(const struct hp_live *l, uint64_t now_ns, uint64_t min_ns)
{
	if (l->nmarks < 2 || now_ns - l->mark[0].ns >= min_ns || now_ns < l->mark[0].ns)
		return 0;
	return 1;
}
