/* profile_zones.c: the zone model of a profile build: zone and function calls paired per thread,
 * their total and self time, the tree of nested calls (definitions: profile_build.c). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "hpt_format.h"
#include "model/profile_build_internal.h"
#include "model/zone_pairing.h"

static struct fn_acc *fn_of(struct builder *b, uint64_t key, uint32_t *index)
{
	uint32_t *slot = hp_idmap_slot(&b->fn_of_key, key, true);

	if (!slot)
		return NULL;
	if (!*slot) {
		struct fn_acc *f = hp_grow(b->fns, &b->fn_cap, b->nfns + 1, sizeof(*f));
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
		struct hp_zone_node *root = hp_grow(b->nodes, &b->node_cap, 1, sizeof(*root));
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
	struct hp_zone_node *nodes = slot ? hp_grow(b->nodes, &b->node_cap, b->nnodes + 1, sizeof(*nodes)) : NULL;
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

void pb_open_frame(struct builder *b, struct thread_state *t, uint64_t key, uint64_t ns)
{
	uint32_t fi;
	struct fn_acc *f = fn_of(b, key, &fi);
	struct frame *stack = f ? hp_grow(t->stack, &t->cap, t->depth + 1, sizeof(*stack)) : NULL;

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
	stack[t->depth++] = (struct frame){fi, key, ns, 0, t->allocs, t->bytes, t->cost, t->cpu_now, node, outer};
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
	struct hp_thread_stats *n = hp_grow(f->threads, &f->threads_cap, f->nthreads + 1, sizeof(*n));
	if (!n)
		return NULL;
	f->threads = n;
	memset(&n[f->nthreads], 0, sizeof(*n));
	n[f->nthreads].stream = stream;
	*slot = (uint32_t)++f->nthreads;
	return &n[f->nthreads - 1];
}

void pb_close_frame(struct builder *b, struct thread_state *t, uint64_t ns)
{
	struct frame *fr = &t->stack[--t->depth];
	struct fn_acc *f = &b->fns[fr->fn];

	if (b->obs && b->obs->call && b->obs->call(b->obs->ctx, t->stream, fr->key, fr->start_ns, ns))
		b->oom = true;
	uint64_t whole = ns > fr->start_ns ? ns - fr->start_ns : 0;
	uint64_t cost = hp_recorder_cost_ns(&b->p->defs.process, &fr->cost0, &t->cost);
	bool overlaps;
	uint64_t inside = hp_window_clip(&b->win, fr->start_ns, ns, &overlaps);

	uint64_t dur = whole > cost ? whole - cost : 0, taken = whole - dur;
	/* Cut by the window: the part inside, the recorder's cost taken in proportion. */
	if (inside < whole) {
		dur = (uint64_t)((double)dur * (double)inside / (double)whole);
		taken = (uint64_t)((double)taken * (double)inside / (double)whole);
	}
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
		f->recorder += taken;
		f->cpu += cpu;
		ts->total_ns += dur;
		f->allocs += t->allocs - fr->allocs0;
		f->bytes += t->bytes - fr->bytes0;
	}
}

/* Closes the calls an end with key closes (zone_pairing.h). */
void pb_end_frame(struct builder *b, struct thread_state *t, uint64_t key, uint64_t ns)
{
	uint32_t *open = NULL;

	if (key) {
		uint32_t *fi = hp_idmap_slot(&b->fn_of_key, key, false);
		open = fi ? hp_idmap_slot(&b->open_calls, (((uint64_t)(t - b->threads) << 40) | (*fi - 1)) + 1, false) : NULL;
	}
	size_t at = hp_zone_end_at(t->stack, t->depth, sizeof(*t->stack), offsetof(struct frame, key), key, open && *open);
	if (!at) {
		b->p->summary.anomalies++;
		return;
	}
	while (t->depth >= at)
		pb_close_frame(b, t, ns);
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

static int cmp_fn(const void *x, const void *y)
{
	const struct hp_function *a = x, *c = y;
	return a->total_ns < c->total_ns ? 1 : a->total_ns > c->total_ns ? -1 : 0;
}

/* Function keys name the function itself: the outermost frame of its entry address. */
#define MAX_FRAMES_PER_IP 8

int pb_finish_zones(struct builder *b, struct hp_profile_private *priv)
{
	struct hp_profile *p = b->p;
	struct hp_summary *sum = &p->summary;

	/* Functions. */
	if (b->nfns && !(p->functions = calloc(b->nfns, sizeof(*p->functions))))
		return -1;
	for (size_t i = 0; i < b->nfns; i++) {
		struct fn_acc *f = &b->fns[i];
		if (!f->calls)
			continue; /* every call outside the window */
		struct hp_function *o = &p->functions[p->nfunctions++];
		if (f->key & HP_ZONE_FN_KEY) {
			struct hp_frame fr[MAX_FRAMES_PER_IP];
			o->fn_addr = f->key & ~HP_ZONE_FN_KEY;
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
					return -1;
				snprintf(name, 32, "0x%llx", (unsigned long long)o->fn_addr);
				if (!pb_keep_string(priv, name))
					return -1;
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
		o->recorder_ns = f->recorder;
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
		uint32_t *slot = hp_idmap_slot(&b->fn_of_key, o->site ? o->site : o->fn_addr | HP_ZONE_FN_KEY, false);
		if (slot)
			*slot = (uint32_t)i + 1;
	}
	if (b->win.w && drop_outside_nodes(b))
		return -1;
	for (size_t i = 1; i < b->nnodes; i++) {
		uint32_t *slot = hp_idmap_slot(&b->fn_of_key, b->fns[b->nodes[i].function].key, false);
		b->nodes[i].function = slot ? *slot - 1 : 0;
	}
	p->zone_tree = b->nodes;
	p->nzone_nodes = b->nnodes;
	b->nodes = NULL;
	return 0;
}
