/* profile_build.c: computes struct hp_profile from a trace in one streaming pass, then symbolizes it.
 *
 * Definitions, for the report guide:
 * - allocations: successful blocks created (malloc family, realloc(NULL, n), a realloc that returns a
 *   block counts as one allocation plus one free of the old block); frees likewise.
 * - temporary allocation: a block freed by the thread that allocated it before that thread made any
 *   other allocation (heaptrack's definition).
 * - zone total: enter to exit, minus the recorder's own measured cost of the events recorded inside;
 *   self: total minus the totals of the zones directly inside. A recursive function's total counts
 *   its outermost calls only; every call counts in calls and percentiles.
 * - peak contribution: a site's live bytes when the heap was within 1% of its peak (the snapshot is
 *   refreshed each time the peak grows by more than 1%, and at the peak's last growth).
 * - leaks: blocks alive at the end; with an exit scan, memcheck's kinds (leak_classify.h); leaked
 *   bytes are those a scan found lost (definite, indirect, possible) and not suppressed. A process
 *   that ended by exec has no leaks; blocks no scan saw are "unclassified", never counted as lost.
 * - window (--window, window.h): the one place where events are filtered. The heap model and the zone
 *   stacks follow every event; what is counted (allocations, frees, temporaries, the peak, sizes,
 *   counters, marks, samples, waits, losses) is what happens inside the window, and a zone call
 *   counts the part of its time inside it. Leaks stay those of the process's end.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/growth.h"
#include "model/histogram.h"
#include "hpt_format.h"
#include "util/idmap.h"
#include "model/leak_classify.h"
#include "model/live_heap.h"
#include "model/profile.h"
#include "model/suppressions.h"
#include "model/symbol_warmup.h"
#include "model/window.h"

/* ---- per-thread zone stacks ------------------------------------------------------------------ */

struct frame {
	uint32_t fn; /* index in b->fns */
	uint64_t key;
	uint64_t start_ns;
	uint64_t child_ns;
	uint64_t allocs0, bytes0, events0;
	uint64_t cpu0; /* the thread's CPU time at the call's start (record --cpu-time) */
	uint32_t node; /* in b->nodes */
	bool outer; /* the outermost open call of its function on this thread */
};

struct thread_state {
	uint32_t stream;
	struct frame *stack;
	size_t depth, cap;
	uint64_t allocs, bytes, events;
	uint64_t last_alloc; /* for temporaries: the thread's latest allocation, 0 once another came (or
			      * when it was made outside the window) */
	uint64_t last_ns;
	/* record --cpu-time: the latest CPU time read on the thread; cpu_begin_due: the next reading is
	 * the start of the frame just opened (a reading without it precedes the end of a zone). */
	uint64_t cpu_now;
	bool cpu_begin_due;
};

struct fn_acc {
	uint64_t key; /* site id, or function address | FN_TAG */
	uint64_t calls, total, self, min, max, allocs, bytes, recursive, cpu;
	double sum, sumsq;
	struct hp_histogram *hist;
	struct hp_thread_stats *threads;
	size_t nthreads, threads_cap;
};

#define FN_TAG (1ull << 63)

struct builder {
	struct hp_profile *p;
	struct hp_heap heap;
	struct hp_idmap site_of_stack;   /* stack id + 1 → site index */
	struct hp_alloc_site *sites;
	struct hp_growth *growth;
	uint64_t *site_epoch;             /* the peak snapshot each site's peak_bytes reflects (touch_site) */
	size_t nsites, site_cap;
	struct thread_state *threads;
	size_t nthreads, threads_cap;
	struct hp_idmap thread_of_stream; /* stream + 1 → thread index */
	struct thread_state *last_thread; /* of the latest event; NULL before any */
	uint32_t last_site;               /* site index + 1 of the latest allocation, 0 before any */
	struct fn_acc *fns;
	size_t nfns, fn_cap;
	struct hp_idmap fn_of_key;
	struct hp_idmap open_calls; /* (thread index << 40 | fn index) + 1 → open calls */
	struct hp_idmap fn_thread_of; /* (fn index << 32 | stream) + 1 → index + 1 in the fn's threads */
	struct hp_zone_node *nodes; /* function: an index in fns until finish() maps it */
	size_t nnodes, node_cap;
	struct hp_idmap node_of_path; /* (parent node << 32 | fn index) + 1 → node index + 1 */
	struct hp_idmap counter_of_site;
	size_t counters_cap;
	uint64_t live_bytes;
	uint64_t snapshot_peak; /* the peak when per-site peak bytes were last copied */
	uint64_t peak_epoch;    /* snapshots taken so far */
	struct hp_region_word *words;
	size_t nwords, words_cap;
	bool in_scan;
	unsigned scan_reason;
	uint64_t scan_threads;
	struct hp_scan_thread *scan_thr; /* SCAN_THREAD records of the scan being read */
	size_t nscan_thr, scan_thr_cap;
	unsigned heuristics; /* enum hp_leak_heuristic mask */
	uint64_t samples;
	struct hp_window_state win;
	bool in;                  /* the current event is inside the window */
	bool opened;              /* the window has opened (its first event was seen) */
	uint64_t cpu_before;      /* process CPU time at the last sample before the window */
	struct hp_warmup *warmup; /* the symbolizer, made ready while the trace is read */
	bool warmup_tried;
	bool oom;
};

static void *grow(void *array, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return array;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	void *n = realloc(array, ncap * elem);
	if (n)
		*cap = ncap;
	return n;
}

static struct thread_state *thread_lookup(struct builder *b, uint32_t stream);

static inline struct thread_state *thread_of(struct builder *b, uint32_t stream)
{
	/* Events come in runs of one thread: the table is asked once a run. */
	if (b->last_thread && b->last_thread->stream == stream)
		return b->last_thread;
	return thread_lookup(b, stream);
}

static struct thread_state *thread_lookup(struct builder *b, uint32_t stream)
{
	uint32_t *slot = hp_idmap_slot(&b->thread_of_stream, (uint64_t)stream + 1, true);

	if (!slot)
		return NULL;
	if (*slot)
		return b->last_thread = &b->threads[*slot - 1];
	struct thread_state *t = grow(b->threads, &b->threads_cap, b->nthreads + 1, sizeof(*t));
	if (!t)
		return NULL;
	b->threads = t;
	memset(&t[b->nthreads], 0, sizeof(*t));
	t[b->nthreads].stream = stream;
	*slot = (uint32_t)++b->nthreads;
	return b->last_thread = &t[b->nthreads - 1];
}

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
		struct hp_alloc_site *s = grow(b->sites, &cap, b->nsites + 1, sizeof(*s));
		if (!s)
			return NULL;
		b->sites = s;
		struct hp_growth *g = grow(b->growth, &gcap, b->nsites + 1, sizeof(*g));
		if (!g)
			return NULL;
		b->growth = g;
		gcap = b->site_cap;
		uint64_t *e = grow(b->site_epoch, &gcap, b->nsites + 1, sizeof(*e));
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

static void finish_peaks(struct builder *b)
{
	for (uint32_t i = 0; i < b->nsites; i++)
		touch_site(b, i);
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
		touch_site(b, blk->site);
		struct hp_alloc_site *old = &b->sites[blk->site];
		old->live_blocks--;
		old->live_bytes -= blk->size;
		b->live_bytes -= blk->size;
	}
	*blk = (struct hp_block){addr, size, ev->stack, si, ev->stream, HP_LEAK_UNCLASSIFIED};
	touch_site(b, si);
	s->live_blocks++;
	s->live_bytes += size;
	b->live_bytes += size;
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
	touch_site(b, blk->site);
	s->live_blocks--;
	s->live_bytes -= blk->size;
	b->live_bytes -= blk->size;
	if (b->in && t->last_alloc == addr && blk->stream == t->stream) {
		s->temporary++;
		b->p->summary.temporary_allocations++;
	}
	hp_heap_remove(&b->heap, blk);
}

static void on_realloc(struct builder *b, struct thread_state *t, const struct hp_event *ev)
{
	uint32_t si;
	struct hp_alloc_site *s = site_of(b, ev->stack, &si);

	if (!s) {
		b->oom = true;
		return;
	}
	if (ev->flags & HPT_REALLOC_FAILED) {
		if (b->in) {
			s->failed++;
			b->p->summary.failed_allocations++;
		}
		return;
	}
	if (b->in) {
		b->p->summary.reallocs++;
		s->reallocs++;
	}
	uint64_t old_size = 0;
	struct hp_block *old = ev->addr ? hp_heap_find(&b->heap, ev->addr) : NULL;
	if (old)
		old_size = old->size;
	if (ev->addr) {
		/* Not a temporary: the block lives on, moved. */
		t->last_alloc = 0;
		remove_block(b, t, ev->addr);
	}
	if (ev->addr2) {
		add_block(b, t, ev, ev->addr2, ev->size);
		/* A realloc chain growing by the same step each time: remember it per site. */
		if (old && ev->size > old_size && b->in) {
			uint64_t step = ev->size - old_size;
			if (s->realloc_const_step == 0 || s->realloc_const_step == step)
				s->realloc_const_step = step;
			else
				s->realloc_const_step = UINT64_MAX; /* steps differ: not constant */
		}
	}
}

/* ---- zones -------------------------------------------------------------------------------- */

static struct fn_acc *fn_of(struct builder *b, uint64_t key, uint32_t *index)
{
	uint32_t *slot = hp_idmap_slot(&b->fn_of_key, key, true);

	if (!slot)
		return NULL;
	if (!*slot) {
		struct fn_acc *f = grow(b->fns, &b->fn_cap, b->nfns + 1, sizeof(*f));
		if (!f)
			return NULL;
		b->fns = f;
		memset(&f[b->nfns], 0, sizeof(*f));
		f[b->nfns].key = key;
		f[b->nfns].min = UINT64_MAX;
		if (!(f[b->nfns].hist = hp_histogram_new()))
			return NULL;
		*slot = (uint32_t)++b->nfns;
	}
	*index = *slot - 1;
	return &b->fns[*slot - 1];
}

/* The node for fn under parent, created on first use; the parent itself once the tree is full. */
static uint32_t zone_node(struct builder *b, uint32_t parent, uint32_t fn)
{
	if (!b->nnodes) {
		struct hp_zone_node *root = grow(b->nodes, &b->node_cap, 1, sizeof(*root));
		if (!root) {
			b->oom = true;
			return 0;
		}
		b->nodes = root;
		memset(root, 0, sizeof(*root));
		b->nnodes = 1;
	}
	uint32_t *slot = hp_idmap_slot(&b->node_of_path, ((uint64_t)parent << 32 | fn) + 1, b->nnodes < HP_ZONE_NODES_MAX);
	if (slot && *slot)
		return *slot - 1;
	struct hp_zone_node *nodes = slot ? grow(b->nodes, &b->node_cap, b->nnodes + 1, sizeof(*nodes)) : NULL;
	if (!nodes) {
		if (b->nnodes < HP_ZONE_NODES_MAX)
			b->oom = true;
		b->p->zone_nodes_dropped++;
		return parent;
	}
	b->nodes = nodes;
	nodes[b->nnodes] = (struct hp_zone_node){.parent = parent, .function = fn};
	*slot = (uint32_t)++b->nnodes;
	return *slot - 1;
}

static void open_frame(struct builder *b, struct thread_state *t, uint64_t key, uint64_t ns)
{
	uint32_t fi;
	struct fn_acc *f = fn_of(b, key, &fi);
	struct frame *stack = f ? grow(t->stack, &t->cap, t->depth + 1, sizeof(*stack)) : NULL;

	if (!stack) {
		b->oom = true;
		return;
	}
	t->stack = stack;
	uint64_t ti = (uint64_t)(t - b->threads);
	uint32_t *open = hp_idmap_slot(&b->open_calls, ((ti << 40) | fi) + 1, true);
	if (!open) {
		b->oom = true;
		return;
	}
	bool outer = (*open)++ == 0;
	if (!outer)
		f->recursive++;
	uint32_t node = zone_node(b, t->depth ? stack[t->depth - 1].node : 0, fi);
	stack[t->depth++] = (struct frame){fi, key, ns, 0, t->allocs, t->bytes, t->events, t->cpu_now, node, outer};
	t->cpu_begin_due = (b->p->defs.features & HPT_FEAT_CPU_TIME) != 0;
}

/* f's statistics on stream's thread, by a table: a function may run on 100,000 threads. */
static struct hp_thread_stats *fn_thread(struct builder *b, uint32_t fi, uint32_t stream)
{
	struct fn_acc *f = &b->fns[fi];
	uint32_t *slot = hp_idmap_slot(&b->fn_thread_of, ((uint64_t)fi << 32 | stream) + 1, true);

	if (!slot)
		return NULL;
	if (*slot)
		return &f->threads[*slot - 1];
	struct hp_thread_stats *n = grow(f->threads, &f->threads_cap, f->nthreads + 1, sizeof(*n));
	if (!n)
		return NULL;
	f->threads = n;
	memset(&n[f->nthreads], 0, sizeof(*n));
	n[f->nthreads].stream = stream;
	*slot = (uint32_t)++f->nthreads;
	return &n[f->nthreads - 1];
}

static void close_frame(struct builder *b, struct thread_state *t, uint64_t ns)
{
	struct frame *fr = &t->stack[--t->depth];
	struct fn_acc *f = &b->fns[fr->fn];
	uint64_t whole = ns > fr->start_ns ? ns - fr->start_ns : 0;
	uint64_t cost = b->p->defs.process.event_cost_ns * (t->events - fr->events0);
	bool overlaps;
	uint64_t inside = hp_window_clip(&b->win, fr->start_ns, ns, &overlaps);

	uint64_t dur = whole > cost ? whole - cost : 0;
	/* Cut by the window: the part inside, the recorder's cost taken in proportion. */
	if (inside < whole)
		dur = (uint64_t)((double)dur * (double)inside / (double)whole);
	uint64_t self = dur > fr->child_ns ? dur - fr->child_ns : 0;
	uint64_t cpu = t->cpu_now > fr->cpu0 ? t->cpu_now - fr->cpu0 : 0;
	if (inside < whole)
		cpu = (uint64_t)((double)cpu * (double)inside / (double)whole);
	if (t->depth)
		t->stack[t->depth - 1].child_ns += dur;

	uint64_t ti = (uint64_t)(t - b->threads);
	uint32_t *open = hp_idmap_slot(&b->open_calls, ((ti << 40) | fr->fn) + 1, false);
	if (open && *open)
		(*open)--;
	if (!overlaps)
		return;
	b->p->summary.zone_calls++;

	if (fr->node) {
		struct hp_zone_node *nd = &b->nodes[fr->node];
		nd->calls++;
		nd->total_ns += dur;
		nd->self_ns += self;
	}
	f->calls++;
	f->self += self;
	f->sum += (double)dur;
	f->sumsq += (double)dur * (double)dur;
	if (dur < f->min)
		f->min = dur;
	if (dur > f->max)
		f->max = dur;
	if (hp_histogram_add(f->hist, dur))
		b->oom = true;
	struct hp_thread_stats *ts = fn_thread(b, fr->fn, t->stream);
	if (!ts) {
		b->oom = true;
		return;
	}
	ts->calls++;
	ts->self_ns += self;
	if (fr->outer) {
		f->total += dur;
		f->cpu += cpu;
		ts->total_ns += dur;
		f->allocs += t->allocs - fr->allocs0;
		f->bytes += t->bytes - fr->bytes0;
	}
}

/* Closes frames down to and including the innermost one with `key` (0: the innermost one). */
static void end_frame(struct builder *b, struct thread_state *t, uint64_t key, uint64_t ns)
{
	size_t at = t->depth;

	if (key) {
		/* An end that matches no open call would walk the whole stack for nothing: with hostile
		 * input, at every event. The open-call count says first whether the walk finds one. */
		uint32_t *fi = hp_idmap_slot(&b->fn_of_key, key, false);
		uint32_t *open = fi ? hp_idmap_slot(&b->open_calls, (((uint64_t)(t - b->threads) << 40) | (*fi - 1)) + 1, false)
				    : NULL;
		if (!open || !*open)
			at = 0;
		while (at && t->stack[at - 1].key != key)
			at--;
	}
	if (!at) {
		b->p->summary.anomalies++;
		return;
	}
	while (t->depth >= at)
		close_frame(b, t, ns);
}

/* ---- scans -------------------------------------------------------------------------------- */

static int cmp_live(const void *x, const void *y)
{
	const struct hp_live_block *a = x, *c = y;
	return a->addr < c->addr ? -1 : a->addr > c->addr;
}

static void finish_scan(struct builder *b, const struct hp_event *ev)
{
	struct hp_profile *p = b->p;
	size_t n = b->heap.used, k = 0;
	struct hp_live_block *live = malloc((n ? n : 1) * sizeof(*live));
	struct hp_scan_summary *scans = realloc(p->scans, (p->nscans + 1) * sizeof(*scans));

	if (!live || !scans) {
		free(live);
		b->oom = true;
		return;
	}
	p->scans = scans;
	for (size_t i = 0; i < b->heap.cap; i++)
		if (b->heap.slots[i].addr)
			live[k++] = (struct hp_live_block){b->heap.slots[i].addr, b->heap.slots[i].size,
							   b->heap.slots[i].stack, 0, 0};
	if (k > 1)
		qsort(live, k, sizeof(*live), cmp_live);
	struct hp_scan_summary *sc = &scans[p->nscans++];
	memset(sc, 0, sizeof(*sc));
	sc->ns = ev->ns;
	sc->reason = b->scan_reason;
	sc->threads_stopped = b->scan_threads;
	sc->words = ev->size;
	sc->unreadable = ev->addr2;
	sc->threads = b->scan_thr;
	sc->nthreads = b->nscan_thr;
	b->scan_thr = NULL;
	b->nscan_thr = b->scan_thr_cap = 0;
	if (hp_leak_classify(live, k, b->words, b->nwords, b->heuristics)) {
		b->oom = true;
	} else {
		for (size_t i = 0; i < k; i++) {
			struct hp_block *blk = hp_heap_find(&b->heap, live[i].addr);
			if (blk)
				blk->kind = live[i].kind;
			sc->bytes[live[i].kind] += live[i].size;
			sc->blocks[live[i].kind]++;
			if (live[i].heuristic) {
				sc->heuristic_bytes[live[i].heuristic - 1] += live[i].size;
				sc->heuristic_blocks[live[i].heuristic - 1]++;
			}
		}
		if (b->scan_reason == HPT_SCAN_EXIT)
			p->classified = true;
	}
	free(live);
	b->nwords = 0;
	b->in_scan = false;
}

/* ---- the event callback ------------------------------------------------------------------------ */

static void sample_growth(struct builder *b, uint64_t ns)
{
	double t = (double)ns / 1e9;

	for (size_t i = 0; i < b->nsites; i++)
		hp_growth_add(&b->growth[i], t, (double)b->sites[i].live_bytes);
}

static void add_timeline(struct builder *b, const struct hp_event *ev)
{
	struct hp_profile *p = b->p;
	struct hp_timeline_point pt = {ev->ns, b->live_bytes, ev->sample.rss,
				       ev->sample.utime_ns + ev->sample.stime_ns, p->summary.allocations};

	if (ev->sample.rss > p->summary.peak_rss)
		p->summary.peak_rss = ev->sample.rss;
	p->summary.cpu_ns = pt.cpu_ns > b->cpu_before ? pt.cpu_ns - b->cpu_before : 0;
	if (!p->timeline && !(p->timeline = malloc(HP_TIMELINE_MAX * sizeof(*p->timeline)))) {
		b->oom = true;
		return;
	}
	if (p->ntimeline == HP_TIMELINE_MAX) {
		/* Halve: each pair becomes one point keeping the larger heap and RSS, so peaks survive. */
		for (size_t i = 0; i < HP_TIMELINE_MAX / 2; i++) {
			struct hp_timeline_point a = p->timeline[2 * i], c = p->timeline[2 * i + 1];
			c.heap_bytes = a.heap_bytes > c.heap_bytes ? a.heap_bytes : c.heap_bytes;
			c.rss = a.rss > c.rss ? a.rss : c.rss;
			p->timeline[i] = c;
		}
		p->ntimeline = HP_TIMELINE_MAX / 2;
	}
	p->timeline[p->ntimeline++] = pt;
}

/* The window's first event: the heap it finds is where its peak starts from. */
static void window_opened(struct builder *b, uint64_t ns)
{
	struct hp_summary *sum = &b->p->summary;

	b->opened = true;
	if (b->live_bytes > sum->peak_heap_bytes) {
		sum->peak_heap_bytes = b->live_bytes;
		sum->peak_heap_ns = ns;
		snapshot_peak(b);
	}
}

static int on_event(void *ctx, const struct hp_event *ev, const struct hp_defs *defs)
{
	struct builder *b = ctx;
	struct hp_profile *p = b->p;
	struct hp_summary *sum = &p->summary;

	if (ev->type == HP_EV_MARK && b->win.w) {
		const struct hp_site_def *site = hp_defs_site(defs, ev->site);
		hp_window_mark(&b->win, site ? site->name : NULL, ev->ns);
	}
	b->in = hp_window_has(&b->win, ev->ns);
	if (b->in && !b->opened)
		window_opened(b, ev->ns);
	if (ev->stream == 0 && ev->type != HP_EV_MODULE_LOAD && ev->type != HP_EV_MODULE_UNLOAD) {
		switch (ev->type) {
		case HP_EV_SAMPLE:
			if (!b->in) {
				if (!b->opened)
					b->cpu_before = ev->sample.utime_ns + ev->sample.stime_ns;
				break;
			}
			add_timeline(b, ev);
			/* Ten growth points a second at the default interval; a site costs O(1) each. */
			if (b->samples++ % 10 == 0)
				sample_growth(b, ev->ns);
			break;
		case HP_EV_SCAN_BEGIN:
			b->in_scan = true;
			b->scan_reason = ev->kind;
			b->scan_threads = ev->size;
			b->nwords = 0;
			b->nscan_thr = 0;
			break;
		case HP_EV_SCAN_THREAD:
			if (!b->in_scan)
				break;
			if (!(b->scan_thr = grow(b->scan_thr, &b->scan_thr_cap, b->nscan_thr + 1, sizeof(*b->scan_thr)))) {
				b->oom = true;
				return -1;
			}
			b->scan_thr[b->nscan_thr++] = (struct hp_scan_thread){(uint32_t)ev->value, ev->kind, ev->flags,
									      ev->addr, ev->addr2};
			break;
		case HP_EV_SCAN_WORDS:
			if (!b->in_scan)
				break;
			if (!(b->words = grow(b->words, &b->words_cap, b->nwords + ev->nwords, sizeof(*b->words)))) {
				b->oom = true;
				return -1;
			}
			for (size_t i = 0; i < ev->nwords; i++)
				b->words[b->nwords++] = (struct hp_region_word){ev->words[i].loc, ev->words[i].value, ev->kind};
			break;
		case HP_EV_SCAN_END:
			if (b->in_scan)
				finish_scan(b, ev);
			break;
		default:
			break;
		}
		return b->oom ? -1 : 0;
	}

	struct thread_state *t = thread_of(b, ev->stream);
	if (!t)
		return -1;
	t->events++;
	t->last_ns = ev->ns;
	sum->events += b->in;
	switch (ev->type) {
	case HP_EV_ALLOC:
		/* The first allocation comes with the first sync window: its stacks are defined. */
		if (!b->warmup_tried) {
			b->warmup_tried = true;
			b->warmup = hp_warmup_start(defs);
		}
		add_block(b, t, ev, ev->addr, ev->size);
		break;
	case HP_EV_FREE:
		remove_block(b, t, ev->addr);
		break;
	case HP_EV_REALLOC:
		on_realloc(b, t, ev);
		break;
	case HP_EV_ALLOC_FAIL: {
		if (!b->in)
			break;
		uint32_t si;
		struct hp_alloc_site *s = site_of(b, ev->stack, &si);
		if (s)
			s->failed++;
		sum->failed_allocations++;
		break;
	}
	case HP_EV_ZONE_BEGIN:
		open_frame(b, t, ev->site, ev->ns);
		break;
	case HP_EV_ZONE_END:
		end_frame(b, t, ev->site, ev->ns);
		break;
	case HP_EV_FUNC_ENTER:
		open_frame(b, t, ev->addr | FN_TAG, ev->ns);
		break;
	case HP_EV_FUNC_EXIT:
		end_frame(b, t, ev->addr | FN_TAG, ev->ns);
		break;
	case HP_EV_COUNTER: {
		if (!b->in)
			break;
		uint32_t *slot = hp_idmap_slot(&b->counter_of_site, (uint64_t)ev->site + 1, true);
		if (!slot)
			return -1;
		if (!*slot) {
			struct hp_counter *c = grow(p->counters, &b->counters_cap, p->ncounters + 1, sizeof(*c));
			if (!c)
				return -1;
			p->counters = c;
			memset(&c[p->ncounters], 0, sizeof(*c));
			c[p->ncounters].site = ev->site;
			c[p->ncounters].first_ns = ev->ns;
			*slot = (uint32_t)++p->ncounters;
		}
		struct hp_counter *c = &p->counters[*slot - 1];
		c->total = hp_counter_add(c->total, ev->value);
		c->updates++;
		c->last_ns = ev->ns;
		break;
	}
	case HP_EV_MARK:
		if (!b->in)
			break;
		if (p->nmarks < HP_MARKS_MAX) {
			if (!p->marks && !(p->marks = malloc(HP_MARKS_MAX * sizeof(*p->marks))))
				return -1;
			p->marks[p->nmarks++] = (struct hp_mark){ev->ns, ev->stream, NULL};
			/* The name is resolved after the pass (the site may be defined later). */
			p->marks[p->nmarks - 1].name = (const char *)(uintptr_t)ev->site;
		} else {
			p->marks_dropped++;
		}
		break;
	case HP_EV_WAIT:
		sum->wait_ns += b->in ? ev->size : 0;
		break;
	case HP_EV_LOST:
		sum->events_lost += b->in ? ev->size : 0;
		break;
	case HP_EV_ZONE_CPU:
		t->cpu_now = ev->size;
		if (t->cpu_begin_due && t->depth)
			t->stack[t->depth - 1].cpu0 = ev->size;
		t->cpu_begin_due = false;
		break;
	case HP_EV_THREAD_END:
		while (t->depth)
			close_frame(b, t, ev->ns);
		break;
	default:
		break;
	}
	return b->oom ? -1 : 0;
}

/* ---- after the pass ---------------------------------------------------------------------------- */

static const char *const allocator_functions[] = {
	"malloc", "calloc", "realloc", "reallocarray", "free", "posix_memalign", "aligned_alloc",
	"memalign", "valloc", "pvalloc", "strdup", "strndup", "__strdup", "__strndup", "operator new",
	"operator delete", "_Znwm", "_Znam", "_ZnwmSt11align_val_t", "_ZnamSt11align_val_t",
	"_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t", "__libc_malloc", "__libc_calloc", "__libc_realloc",
	"__libc_memalign", "__gnu_cxx::new_allocator", "std::allocator", "std::__new_allocator",
};

static bool is_allocator_frame(const struct hp_frame *f)
{
	if (!f->function)
		return false;
	for (size_t i = 0; i < sizeof(allocator_functions) / sizeof(allocator_functions[0]); i++) {
		size_t n = strlen(allocator_functions[i]);
		if (!strncmp(f->function, allocator_functions[i], n) &&
		    (f->function[n] == 0 || f->function[n] == '(' || f->function[n] == '<' || f->function[n] == ':' || f->function[n] == '['))
			return true;
	}
	return f->module && strstr(f->module, "libhookprof.so");
}

#define MAX_FRAMES_PER_IP 8

static struct hp_stack_frames *symbolize_stack(struct hp_profile *p, uint32_t id)
{
	const struct hp_stack *s = hp_defs_stack(&p->defs, id);
	struct hp_stack_frames *out = calloc(1, sizeof(*out));

	if (!out)
		return NULL;
	out->stack_id = id;
	if (!s)
		return out;
	/* Every inline level of every address: as many as the symbolizer finds, with no cap. */
	size_t total = 0;
	for (uint32_t i = 0; i < s->depth; i++)
		total += p->sym ? (size_t)hp_symbolize_depth(p->sym, s->ips[i], true) : 1;
	out->frames = calloc(total ? total : 1, sizeof(*out->frames));
	if (!out->frames)
		return out;
	for (uint32_t i = 0; i < s->depth; i++) {
		if (p->sym) {
			int n = hp_symbolize(p->sym, s->ips[i], true, out->frames + out->nframes, (int)(total - out->nframes));
			out->nframes += n > 0 ? (size_t)n : 0;
		} else {
			out->frames[out->nframes++] = (struct hp_frame){.ip = s->ips[i]};
		}
	}
	out->user_frame = hp_first_user_frame(out->frames, out->nframes);
	return out;
}

size_t hp_first_user_frame(const struct hp_frame *frames, size_t nframes)
{
	size_t at = 0;

	/* Past allocator entry points, past a nameless frame (a stripped library's internal
	 * allocation wrapper) whose caller in the same module has a name, and past the C++ library's
	 * templates inlined into the program (a std::map's node allocation): the site is the
	 * program's own code that used the container. */
	while (at + 1 < nframes) {
		const struct hp_frame *f = &frames[at], *next = f + 1;
		bool nameless = !f->function && next->function && f->module && next->module && !strcmp(f->module, next->module);
		bool cxx_inline = f->inlined && f->file && strstr(f->file, "/include/c++/");
		if (!is_allocator_frame(f) && !nameless && !cxx_inline)
			break;
		at++;
	}
	return at;
}

/* One symbolized stack per id, shared by the site and the leaks that use it. */
static struct hp_stack_frames *frames_for(struct hp_profile *p, struct hp_idmap *done, struct hp_stack_frames ***all,
					  size_t *nall, size_t *cap, uint32_t id)
{
	uint32_t *slot = hp_idmap_slot(done, (uint64_t)id + 1, true);

	if (!slot)
		return NULL;
	if (*slot)
		return (*all)[*slot - 1];
	struct hp_stack_frames *f = symbolize_stack(p, id);
	struct hp_stack_frames **n = f ? grow(*all, cap, *nall + 1, sizeof(*n)) : NULL;
	if (!n) {
		free(f);
		return NULL;
	}
	*all = n;
	n[(*nall)++] = f;
	*slot = (uint32_t)*nall;
	return f;
}

static int cmp_fn(const void *x, const void *y)
{
	const struct hp_function *a = x, *c = y;
	return a->total_ns < c->total_ns ? 1 : a->total_ns > c->total_ns ? -1 : 0;
}

static int cmp_site(const void *x, const void *y)
{
	const struct hp_alloc_site *a = x, *c = y;
	return a->bytes < c->bytes ? 1 : a->bytes > c->bytes ? -1 : 0;
}

static int cmp_leak(const void *x, const void *y)
{
	const struct hp_leak *a = x, *c = y;
	return a->bytes < c->bytes ? 1 : a->bytes > c->bytes ? -1 : (int)a->kind - (int)c->kind;
}

/* Nodes whose calls all fell outside the window have none counted: they go, and their subtrees with
 * them (a call inside one of theirs is outside too). Parents keep smaller indexes. 0, or -1 without memory. */
static int drop_outside_nodes(struct builder *b)
{
	uint32_t *renum = malloc((b->nnodes ? b->nnodes : 1) * sizeof(*renum));
	size_t kept = 1;

	if (!renum)
		return -1;
	renum[0] = 0;
	for (size_t i = 1; i < b->nnodes; i++) {
		struct hp_zone_node nd = b->nodes[i];
		if (!nd.calls || renum[nd.parent] == UINT32_MAX) {
			renum[i] = UINT32_MAX;
			continue;
		}
		nd.parent = renum[nd.parent];
		renum[i] = (uint32_t)kept;
		b->nodes[kept++] = nd;
	}
	b->nnodes = b->nnodes ? kept : 0;
	free(renum);
	return 0;
}

/* The profile keeps the symbolized stacks alive; they are freed with it. */
struct hp_profile_private {
	char *path;
	struct hp_stack_frames **stacks;
	size_t nstacks, stacks_cap;
	char **strings;
	size_t nstrings, strings_cap;
};

/* Keeps str (owned from now on) for the profile's lifetime; false when memory runs out (str freed). */
static bool keep_string(struct hp_profile_private *priv, char *str)
{
	char **strings = str ? grow(priv->strings, &priv->strings_cap, priv->nstrings + 1, sizeof(*strings)) : NULL;

	if (!strings) {
		free(str);
		return false;
	}
	priv->strings = strings;
	strings[priv->nstrings++] = str;
	return true;
}

static int finish(struct builder *b, const struct hp_profile_options *opts, char *err, size_t errlen)
{
	struct hp_profile *p = b->p;
	struct hp_summary *sum = &p->summary;
	struct hp_profile_private *priv = (struct hp_profile_private *)p->priv;
	struct hp_idmap done = {0};
	int rc = -1;

	finish_peaks(b);
	/* Zones still open at the end close at their thread's last event. */
	for (size_t i = 0; i < b->nthreads; i++)
		while (b->threads[i].depth)
			close_frame(b, &b->threads[i], b->threads[i].last_ns);

	const struct hp_process_info *pi = &p->defs.process;
	sum->pid = pi->pid;
	sum->program = pi->exe;
	char why[384];
	if (hp_window_finish(&b->win, pi->ended ? pi->end_ns : pi->last_ns, &sum->window_from_ns, &sum->run_ns, why,
			     sizeof(why))) {
		snprintf(err, errlen, "%s: %s", p->path, why);
		goto out;
	}
	sum->window = b->win.w ? b->win.w->spec : NULL;
	p->cpu_time = (p->defs.features & HPT_FEAT_CPU_TIME) != 0;
	sum->threads = p->defs.nthreads;
	sum->ended = pi->ended;
	sum->end_how = pi->end_how;
	sum->end_status = pi->end_status;
	sum->truncated = p->status.truncated;
	if (sum->run_ns)
		sum->allocs_per_second_x1000 = (uint64_t)((double)sum->allocations * 1e12 / (double)sum->run_ns);

	if (b->warmup) {
		p->sym = hp_warmup_finish(b->warmup, p->defs.modules, p->defs.nmodules);
		b->warmup = NULL;
	} else {
		p->sym = hp_symbolizer_new(p->defs.modules, p->defs.nmodules);
	}

	/* Functions. */
	if (b->nfns && !(p->functions = calloc(b->nfns, sizeof(*p->functions))))
		goto out;
	for (size_t i = 0; i < b->nfns; i++) {
		struct fn_acc *f = &b->fns[i];
		if (!f->calls)
			continue; /* every call outside the window */
		struct hp_function *o = &p->functions[p->nfunctions++];
		if (f->key & FN_TAG) {
			struct hp_frame fr[MAX_FRAMES_PER_IP];
			o->fn_addr = f->key & ~FN_TAG;
			int n = p->sym ? hp_symbolize(p->sym, o->fn_addr, false, fr, MAX_FRAMES_PER_IP) : 0;
			/* Entry addresses name the function itself: its outermost frame. */
			const struct hp_frame *real = n > 0 ? &fr[n - 1] : NULL;
			if (real && real->function) {
				o->name = real->function;
				o->file = real->file;
				o->line = real->line;
			} else {
				char *name = malloc(32);
				if (!name)
					goto out;
				snprintf(name, 32, "0x%llx", (unsigned long long)o->fn_addr);
				if (!keep_string(priv, name))
					goto out;
				o->name = name;
			}
		} else {
			const struct hp_site_def *site = hp_defs_site(&p->defs, (uint32_t)f->key);
			o->site = (uint32_t)f->key;
			o->name = site ? site->name : "(undefined site)";
			o->file = site ? site->file : NULL;
			o->line = site ? site->line : 0;
		}
		o->calls = f->calls;
		o->total_ns = f->total;
		o->self_ns = f->self;
		o->min_ns = f->calls ? f->min : 0;
		o->max_ns = f->max;
		o->mean_ns = f->calls ? f->sum / (double)f->calls : 0;
		double var = f->calls ? f->sumsq / (double)f->calls - o->mean_ns * o->mean_ns : 0;
		o->stddev_ns = var > 0 ? sqrt(var) : 0;
		o->p50_ns = hp_histogram_quantile(f->hist, 0.50);
		o->p95_ns = hp_histogram_quantile(f->hist, 0.95);
		o->p99_ns = hp_histogram_quantile(f->hist, 0.99);
		o->share = sum->run_ns ? (double)f->total / (double)sum->run_ns : 0;
		o->allocs = f->allocs;
		o->alloc_bytes = f->bytes;
		o->recursive_calls = f->recursive;
		o->cpu_ns = f->cpu;
		o->hist = f->hist;
		f->hist = NULL;
		o->threads = f->threads;
		o->nthreads = f->nthreads;
		f->threads = NULL;
		for (size_t k = 0; k < o->nthreads; k++) {
			const struct hp_thread_info *ti = hp_defs_thread(&p->defs, o->threads[k].stream);
			o->threads[k].tid = ti ? ti->tid : 0;
			o->threads[k].name = ti ? ti->name : NULL;
		}
	}
	if (p->nfunctions > 1)
		qsort(p->functions, p->nfunctions, sizeof(*p->functions), cmp_fn);

	/* The zone tree: its nodes name functions by their place in the sorted table. */
	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct hp_function *o = &p->functions[i];
		uint32_t *slot = hp_idmap_slot(&b->fn_of_key, o->site ? o->site : o->fn_addr | FN_TAG, false);
		if (slot)
			*slot = (uint32_t)i + 1;
	}
	if (b->win.w && drop_outside_nodes(b))
		goto out;
	for (size_t i = 1; i < b->nnodes; i++) {
		uint32_t *slot = hp_idmap_slot(&b->fn_of_key, b->fns[b->nodes[i].function].key, false);
		b->nodes[i].function = slot ? *slot - 1 : 0;
	}
	p->zone_tree = b->nodes;
	p->nzone_nodes = b->nnodes;
	b->nodes = NULL;

	/* Counters and marks: names from their sites. */
	for (size_t i = 0; i < p->ncounters; i++) {
		struct hp_counter *c = &p->counters[i];
		const struct hp_site_def *site = hp_defs_site(&p->defs, c->site);
		c->name = site ? site->name : "(undefined counter)";
		c->per_second = sum->run_ns ? (double)c->total * 1e9 / (double)sum->run_ns : 0;
	}
	for (size_t i = 0; i < p->nmarks; i++) {
		const struct hp_site_def *site = hp_defs_site(&p->defs, (uint32_t)(uintptr_t)p->marks[i].name);
		p->marks[i].name = site ? site->name : "(undefined mark)";
	}

	/* Allocation sites: growth, symbols. */
	for (size_t i = 0; i < b->nsites; i++) {
		struct hp_alloc_site *s = &b->sites[i];
		if (s->min_size == UINT64_MAX)
			s->min_size = 0;
		if (s->realloc_const_step == UINT64_MAX || s->reallocs < 4)
			s->realloc_const_step = 0;
		double slope, r2;
		if (hp_growth_fit(&b->growth[i], &slope, &r2)) {
			s->growth_rate = slope;
			s->growth_r2 = r2;
		}
		/* Steady: ≥ 8 points, ≥ 1 KiB/s, r² ≥ 0.9, ≥ 64 KiB gained (thresholds: docs/report-guide.md). */
		s->growing = hp_growth_steady(&b->growth[i], 8, 1024, 0.9, 65536);
		s->frames = frames_for(p, &done, &priv->stacks, &priv->nstacks, &priv->stacks_cap, s->stack_id);
	}
	p->sites = b->sites;
	p->nsites = b->nsites;
	b->sites = NULL;
	if (p->nsites > 1)
		qsort(p->sites, p->nsites, sizeof(*p->sites), cmp_site);

	/* Leaks: what is alive at the end, grouped by stack and kind. A process that ended by exec has
	 * none: its image was replaced, nothing was lost (memcheck does not check there either). */
	struct hp_idmap group = {0};
	size_t leaks_cap = 0;
	bool execed = sum->ended && sum->end_how == HPT_END_EXEC && !p->classified;
	for (size_t i = 0; i < b->heap.cap && !execed; i++) {
		struct hp_block *blk = &b->heap.slots[i];
		if (!blk->addr)
			continue;
		uint32_t *slot = hp_idmap_slot(&group, ((uint64_t)blk->stack << 3 | blk->kind) + 1, true);
		if (!slot)
			goto out_group;
		if (!*slot) {
			struct hp_leak *l = grow(p->leaks, &leaks_cap, p->nleaks + 1, sizeof(*l));
			if (!l)
				goto out_group;
			p->leaks = l;
			l[p->nleaks] = (struct hp_leak){blk->stack, (enum hp_leak_kind)blk->kind, 0, 0, NULL, NULL};
			*slot = (uint32_t)++p->nleaks;
		}
		p->leaks[*slot - 1].bytes += blk->size;
		p->leaks[*slot - 1].blocks++;
	}
	hp_idmap_free(&group);

	struct hp_suppressions sup;
	struct hp_idmap site_of_stack = {0}; /* stack id + 1 -> index + 1 in the sorted sites */
	hp_suppressions_init(&sup);
	for (size_t k = 0; k < p->nsites; k++) {
		uint32_t *slot = hp_idmap_slot(&site_of_stack, (uint64_t)p->sites[k].stack_id + 1, true);
		if (!slot)
			goto out_sup;
		*slot = (uint32_t)k + 1;
	}
	if (hp_suppressions_add_builtin(&sup, opts ? opts->no_builtin_suppressions : NULL, err, errlen))
		goto out_sup;
	for (size_t i = 0; opts && i < opts->nsuppression_files; i++)
		if (hp_suppressions_load(&sup, opts->suppression_files[i], err, errlen))
			goto out_sup;
	if (pi->lsan_suppressions &&
	    hp_suppressions_parse(&sup, pi->lsan_suppressions, strlen(pi->lsan_suppressions), "program", err, errlen))
		goto out_sup;
	for (size_t i = 0; i < p->nleaks; i++) {
		struct hp_leak *l = &p->leaks[i];
		l->frames = frames_for(p, &done, &priv->stacks, &priv->nstacks, &priv->stacks_cap, l->stack_id);
		struct hp_suppression *m = l->frames ? hp_suppressions_match(&sup, l->frames->frames, l->frames->nframes) : NULL;
		if (m) {
			/* The pattern must outlive the suppression set: keep a copy. */
			char *pat = strdup(m->pattern);
			if (!keep_string(priv, pat))
				goto out_sup;
			l->suppressed_by = pat;
			sum->suppressed_bytes += l->bytes;
			sum->suppressed_blocks += l->blocks;
			continue;
		}
		sum->leak_bytes[l->kind] += l->bytes;
		sum->leak_blocks[l->kind] += l->blocks;
		/* Lost is what a scan found lost: a block no scan saw is not known to be. */
		bool lost = l->kind == HP_LEAK_DEFINITE || l->kind == HP_LEAK_INDIRECT || l->kind == HP_LEAK_POSSIBLE;
		if (lost) {
			sum->leaked_bytes += l->bytes;
			sum->leaked_blocks += l->blocks;
		}
		uint32_t *site = hp_idmap_slot(&site_of_stack, (uint64_t)l->stack_id + 1, false);
		struct hp_alloc_site *s = site && *site ? &p->sites[*site - 1] : NULL;
		if (s && lost) {
			s->leaked_blocks += l->blocks;
			s->leaked_bytes += l->bytes;
		}
	}
	if (p->nleaks > 1)
		qsort(p->leaks, p->nleaks, sizeof(*p->leaks), cmp_leak);
	rc = 0;
out_sup:
	hp_suppressions_release(&sup);
	hp_idmap_free(&site_of_stack);
	goto out;
out_group:
	hp_idmap_free(&group);
out:
	hp_idmap_free(&done);
	if (rc && !err[0])
		snprintf(err, errlen, "%s: out of memory while building the profile", p->path);
	return rc;
}

static void builder_release(struct builder *b)
{
	if (b->warmup)
		hp_warmup_cancel(b->warmup);
	free(b->heap.slots);
	hp_idmap_free(&b->site_of_stack);
	hp_idmap_free(&b->thread_of_stream);
	hp_idmap_free(&b->fn_of_key);
	hp_idmap_free(&b->open_calls);
	hp_idmap_free(&b->fn_thread_of);
	hp_idmap_free(&b->node_of_path);
	free(b->nodes);
	hp_idmap_free(&b->counter_of_site);
	free(b->sites);
	free(b->growth);
	free(b->site_epoch);
	for (size_t i = 0; i < b->nthreads; i++)
		free(b->threads[i].stack);
	free(b->threads);
	for (size_t i = 0; i < b->nfns; i++) {
		hp_histogram_free(b->fns[i].hist);
		free(b->fns[i].threads);
	}
	free(b->fns);
	free(b->words);
	free(b->scan_thr);
}

struct hp_profile *hp_profile_load(const char *path, const struct hp_profile_options *opts, char *err, size_t errlen)
{
	struct hp_profile *p = calloc(1, sizeof(*p));
	struct hp_profile_private *priv = calloc(1, sizeof(*priv));
	struct builder b = {0};

	err[0] = 0;
	if (!p || !priv) {
		free(p);
		free(priv);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	p->priv = priv;
	if (!(p->path = priv->path = strdup(path))) {
		free(p);
		free(priv);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	b.p = p;
	hp_window_begin(&b.win, opts ? opts->window : NULL);
	b.heuristics = opts && opts->heuristics >= 0 ? (unsigned)opts->heuristics : HP_HEURISTICS_ALL;
	hp_defs_init(&p->defs);
	int rc = hp_trace_read(path, &p->defs, on_event, &b, &p->status);
	if (rc) {
		snprintf(err, errlen, "%s", rc == -1 && p->status.error[0] ? p->status.error : "out of memory");
		if (b.oom)
			snprintf(err, errlen, "%s: out of memory while building the profile", path);
		builder_release(&b);
		hp_profile_free(p);
		return NULL;
	}
	if (finish(&b, opts, err, errlen)) {
		builder_release(&b);
		hp_profile_free(p);
		return NULL;
	}
	builder_release(&b);
	return p;
}

void hp_profile_free(struct hp_profile *p)
{
	if (!p)
		return;
	struct hp_profile_private *priv = p->priv;
	for (size_t i = 0; i < p->nfunctions; i++) {
		hp_histogram_free(p->functions[i].hist);
		free(p->functions[i].threads);
	}
	free(p->functions);
	free(p->zone_tree);
	free(p->counters);
	free(p->marks);
	free(p->sites);
	free(p->leaks);
	free(p->timeline);
	for (size_t i = 0; i < p->nscans; i++)
		free(p->scans[i].threads);
	free(p->scans);
	if (priv) {
		for (size_t i = 0; i < priv->nstacks; i++) {
			free(priv->stacks[i]->frames);
			free(priv->stacks[i]);
		}
		free(priv->stacks);
		for (size_t i = 0; i < priv->nstrings; i++)
			free(priv->strings[i]);
		free(priv->strings);
		free(priv->path);
		free(priv);
	}
	if (p->sym)
		hp_symbolizer_free(p->sym);
	hp_defs_release(&p->defs);
	free(p);
}
