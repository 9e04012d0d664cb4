/* profile_heap.c: the heap model of a profile build: blocks alive by address, allocation sites,
 * temporaries, the peak and each site's share of it (definitions: profile_build.c). */
#include <stdlib.h>
#include <string.h>

#include "hpt_format.h"
#include "model/profile_build_internal.h"

static struct hp_alloc_site *site_lookup(struct builder *b, uint32_t stack, uint32_t *index);

static inline struct hp_alloc_site *site_of(struct builder *b, uint32_t stack, uint32_t *index)
{
	/* A loop allocates from one place many times over: the table is asked when the stack changes. */
	if (b->last_site && b->sites[b->last_site - 1].stack_id == stack) {
		*index = b->last_site - 1;
		return &b->sites[b->last_site - 1];
	}
	return site_lookup(b, stack, index);
}

static struct hp_alloc_site *site_lookup(struct builder *b, uint32_t stack, uint32_t *index)
{
	uint32_t *slot = hp_idmap_slot(&b->site_of_stack, (uint64_t)stack + 1, true);

	if (!slot)
		return NULL;
	if (!*slot) {
		size_t cap = b->site_cap, gcap = b->site_cap;
		struct hp_alloc_site *s = hp_grow(b->sites, &cap, b->nsites + 1, sizeof(*s));
		if (!s)
			return NULL;
		b->sites = s;
		struct hp_growth *g = hp_grow(b->growth, &gcap, b->nsites + 1, sizeof(*g));
		if (!g)
			return NULL;
		b->growth = g;
		gcap = b->site_cap;
		uint64_t *e = hp_grow(b->site_epoch, &gcap, b->nsites + 1, sizeof(*e));
		if (!e)
			return NULL;
		b->site_epoch = e;
		e[b->nsites] = b->peak_epoch;
		b->site_cap = cap;
		memset(&s[b->nsites], 0, sizeof(*s));
		memset(&g[b->nsites], 0, sizeof(*g));
		s[b->nsites].stack_id = stack;
		s[b->nsites].min_size = UINT64_MAX;
		*slot = (uint32_t)++b->nsites;
	}
	b->last_site = *slot;
	*index = *slot - 1;
	return &b->sites[*slot - 1];
}

static unsigned size_bucket(uint64_t size)
{
	unsigned k = size ? 63 - (unsigned)__builtin_clzll(size) : 0;
	return k < HP_SIZE_BUCKETS ? k : HP_SIZE_BUCKETS - 1;
}

/* Per-site peak bytes: each site's live bytes at the moment of the heap's peak. Copying every site's
 * live bytes at each new peak would cost the number of sites per event (a heap that climbs, as most
 * do, leaves a new peak at almost every free); instead a snapshot only counts, and a site copies its
 * live bytes into its peak bytes the first time it changes after a snapshot (touch_site), when they
 * are still what they were at that moment. finish_peaks does the same for the sites untouched since. */
static void snapshot_peak(struct builder *b)
{
	b->peak_epoch++;
	b->snapshot_peak = b->live_bytes;
}

static inline void touch_site(struct builder *b, uint32_t si)
{
	if (__builtin_expect(b->site_epoch[si] != b->peak_epoch, 0)) {
		b->sites[si].peak_bytes = b->sites[si].live_bytes;
		b->site_epoch[si] = b->peak_epoch;
	}
}

void pb_finish_peaks(struct builder *b)
{
	for (uint32_t i = 0; i < b->nsites; i++)
		touch_site(b, i);
}

/* A block of size bytes at site si comes alive, or goes: the site's live counts (after its peak share
 * is taken, touch_site) and the heap's. */
static void block_alive(struct builder *b, uint32_t si, uint64_t size)
{
	struct hp_alloc_site *s = &b->sites[si];

	touch_site(b, si);
	s->live_blocks++;
	s->live_bytes += size;
	b->live_bytes += size;
}

static void block_gone(struct builder *b, uint32_t si, uint64_t size)
{
	struct hp_alloc_site *s = &b->sites[si];

	touch_site(b, si);
	s->live_blocks--;
	s->live_bytes -= size;
	b->live_bytes -= size;
}

static void add_block(struct builder *b, struct thread_state *t, const struct hp_event *ev, uint64_t addr,
		      uint64_t size)
{
	struct hp_summary *sum = &b->p->summary;
	uint32_t si;

	if (!addr) {
		sum->anomalies++; /* a block at address 0: no allocator hands that out */
		return;
	}
	struct hp_alloc_site *s = site_of(b, ev->stack, &si);
	size_t live = b->heap.used;
	struct hp_block *blk = s ? hp_heap_insert(&b->heap, addr) : NULL;

	if (!blk) {
		b->oom = true;
		return;
	}
	if (b->heap.used == live) {
		/* Live already: a free was lost. The old block is dropped, not leaked. */
		sum->anomalies++;
		block_gone(b, blk->site, blk->size);
	}
	hp_block_set(blk, size, si, ev->stream); /* kind 0: HP_LEAK_UNCLASSIFIED */
	block_alive(b, si, size);
	t->last_alloc = b->in ? addr : 0;
	if (!b->in)
		return;
	sum->allocations++;
	sum->bytes_allocated += size;
	s->allocs++;
	s->bytes += size;
	if (size < s->min_size)
		s->min_size = size;
	if (size > s->max_size)
		s->max_size = size;
	b->p->size_hist[size_bucket(size)]++;
	t->allocs++;
	t->bytes += size;
	if (b->live_bytes > sum->peak_heap_bytes) {
		sum->peak_heap_bytes = b->live_bytes;
		sum->peak_heap_ns = ev->ns;
	}
}

/* Before a block goes: the heap leaves a peak, so per-site peak bytes must show that peak. */
static void leaving_peak(struct builder *b)
{
	if (b->live_bytes == b->p->summary.peak_heap_bytes && b->snapshot_peak != b->live_bytes)
		snapshot_peak(b);
}

static void remove_block(struct builder *b, struct thread_state *t, uint64_t addr)
{
	struct hp_block *blk = hp_heap_find(&b->heap, addr);

	if (!blk) {
		b->p->summary.unmatched_frees++;
		return;
	}
	struct hp_alloc_site *s = &b->sites[blk->site];
	if (b->in) {
		leaving_peak(b);
		s->frees++;
		b->p->summary.frees++;
	}
	block_gone(b, blk->site, blk->size);
	if (b->in && t->last_alloc == addr && blk->stream == t->stream) {
		s->temporary++;
		b->p->summary.temporary_allocations++;
	}
	hp_heap_remove(&b->heap, addr);
}

/* A realloc chain growing by the same step each time: remembered per site. */
static void realloc_step(struct hp_alloc_site *s, uint64_t old_size, uint64_t new_size)
{
	if (new_size <= old_size)
		return;
	uint64_t step = new_size - old_size;
	if (s->realloc_const_step == 0 || s->realloc_const_step == step)
		s->realloc_const_step = step;
	else
		s->realloc_const_step = UINT64_MAX; /* steps differ: not constant */
}

void pb_heap_event(struct builder *b, struct thread_state *t, const struct hp_event *ev)
{
	struct hp_alloc_site *s = NULL;
	const struct hp_block *old = NULL;
	uint64_t old_size = 0;
	struct hp_heap_change c;
	uint32_t si;

	if (ev->type == HP_EV_REALLOC) {
		if (!(s = site_of(b, ev->stack, &si))) {
			b->oom = true;
			return;
		}
		bool failed = (ev->flags & HPT_REALLOC_FAILED) != 0;
		if (b->in) {
			s->failed += failed;
			b->p->summary.failed_allocations += failed;
			s->reallocs += !failed;
			b->p->summary.reallocs += !failed;
		}
		if (!failed && ev->addr) {
			old = hp_heap_find(&b->heap, ev->addr);
			old_size = old ? old->size : 0;
			/* Not a temporary: the block lives on, moved. */
			t->last_alloc = 0;
		}
	}
	if (!hp_heap_change_of(ev, &c))
		return;
	if (c.frees)
		remove_block(b, t, c.gone);
	if (c.adds) {
		add_block(b, t, ev, c.added, c.size);
		if (old && b->in)
			realloc_step(s, old_size, c.size);
	}
}

int pb_inherit(struct builder *b, const struct hp_fork_heap *h)
{
	struct hp_summary *sum = &b->p->summary;

	for (size_t i = 0; i < h->n; i++) {
		const struct hp_inherited_block *ib = &h->blocks[i];
		uint32_t si;
		if (!ib->addr)
			continue; /* none is: a crafted list may hold anything */
		struct hp_alloc_site *s = site_of(b, ib->stack, &si);
		size_t live = b->heap.used;
		struct hp_block *blk = s ? hp_heap_insert(&b->heap, ib->addr) : NULL;
		if (!blk)
			return -1;
		if (b->heap.used == live)
			continue; /* the parent's heap holds each address once: a crafted list may not */
		uint64_t size = hp_block_size(ib->size);
		hp_block_set(blk, size, si, 0); /* stream 0: no thread of the child allocated it */
		block_alive(b, si, size);
		sum->inherited_blocks++;
		sum->inherited_bytes += size;
	}
	return 0;
}

/* The blocks a profile keeps at its FORK records, all together: each copy costs the heap's size, and a
 * trace may hold a million forks. 16M blocks (384 MB) keep a python3 of 2M live blocks for 8 forked
 * workers; the forks past it are not kept, and their children are read as if alone. */
#define FORK_BLOCKS_MAX (16u << 20)

int pb_fork(struct builder *b, uint64_t seq)
{
	struct hp_profile *p = b->p;

	if (b->fork_blocks + b->heap.used > FORK_BLOCKS_MAX)
		return 0;
	struct hp_fork_heap *f = hp_grow(p->forks, &b->forks_cap, p->nforks + 1, sizeof(*f));
	if (!f)
		return -1;
	p->forks = f;
	f = &p->forks[p->nforks];
	f->seq = seq;
	f->n = 0;
	f->blocks = b->heap.used ? malloc(b->heap.used * sizeof(*f->blocks)) : NULL;
	if (b->heap.used && !f->blocks)
		return -1;
	struct hp_heap_walk w = {0};
	for (const struct hp_block *blk; (blk = hp_heap_next(&b->heap, &w)) != NULL;)
		f->blocks[f->n++] = (struct hp_inherited_block){w.addr, blk->size, b->sites[blk->site].stack_id};
	b->fork_blocks += f->n;
	p->nforks++;
	return 0;
}

void pb_alloc_failed(struct builder *b, const struct hp_event *ev)
{
	uint32_t si;
	struct hp_alloc_site *s = site_of(b, ev->stack, &si);

	if (s)
		s->failed++;
	b->p->summary.failed_allocations++;
}

/* The window's first event: the heap it finds is where its peak starts from. */
void pb_window_opened(struct builder *b, uint64_t ns)
{
	struct hp_summary *sum = &b->p->summary;

	b->opened = true;
	if (b->live_bytes > sum->peak_heap_bytes) {
		sum->peak_heap_bytes = b->live_bytes;
		sum->peak_heap_ns = ns;
		snapshot_peak(b);
	}
}
