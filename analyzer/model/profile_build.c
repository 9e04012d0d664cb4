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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpt_format.h"
#include "model/profile_build_internal.h"
#include "read/trace.h"

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
	struct thread_state *t = hp_grow(b->threads, &b->threads_cap, b->nthreads + 1, sizeof(*t));
	if (!t)
		return NULL;
	b->threads = t;
	memset(&t[b->nthreads], 0, sizeof(*t));
	t[b->nthreads].stream = stream;
	*slot = (uint32_t)++b->nthreads;
	return b->last_thread = &t[b->nthreads - 1];
}

static int apply_event(struct builder *b, const struct hp_event *ev, const struct hp_defs *defs)
{
	struct hp_profile *p = b->p;
	struct hp_summary *sum = &p->summary;

	if (ev->type == HP_EV_MARK && b->win.w) {
		const struct hp_site_def *site = hp_defs_site(defs, ev->site);
		hp_window_mark(&b->win, site ? site->name : NULL, ev->ns);
	}
	b->in = hp_window_has(&b->win, ev->ns);
	if (b->in && !b->opened)
		pb_window_opened(b, ev->ns);
	if (ev->stream == 0 && ev->type != HP_EV_MODULE_LOAD && ev->type != HP_EV_MODULE_UNLOAD) {
		if (ev->type == HP_EV_SAMPLE)
			return pb_sample(b, ev);
		return pb_scan_event(b, ev);
	}

	struct thread_state *t = thread_of(b, ev->stream);
	if (!t)
		return -1;
	hp_recorder_cost_add(&t->cost, ev);
	t->last_ns = ev->ns;
	sum->events += b->in;
	switch (ev->type) {
	case HP_EV_ALLOC:
		/* The first allocation comes with the first sync window: its stacks are defined. */
		if (!b->warmup_tried) {
			b->warmup_tried = true;
			b->warmup = hp_warmup_start(defs);
		}
		pb_heap_event(b, t, ev);
		break;
	case HP_EV_FREE:
	case HP_EV_REALLOC:
		pb_heap_event(b, t, ev);
		break;
	case HP_EV_ALLOC_FAIL:
		if (b->in)
			pb_alloc_failed(b, ev);
		break;
	case HP_EV_ZONE_BEGIN:
		pb_open_frame(b, t, ev->site, ev->ns);
		break;
	case HP_EV_ZONE_END:
		pb_end_frame(b, t, ev->site, ev->ns);
		break;
	case HP_EV_FUNC_ENTER:
		pb_open_frame(b, t, ev->addr | HP_ZONE_FN_KEY, ev->ns);
		break;
	case HP_EV_FUNC_EXIT:
		pb_end_frame(b, t, ev->addr | HP_ZONE_FN_KEY, ev->ns);
		break;
	case HP_EV_COUNTER:
		if (b->in && pb_counter(b, ev))
			return -1;
		break;
	case HP_EV_MARK:
		if (b->in && pb_mark(b, ev))
			return -1;
		break;
	case HP_EV_WAIT:
		sum->wait_ns += b->in ? ev->size : 0;
		break;
	case HP_EV_FORK:
		if (b->keep_forks && pb_fork(b, ev->addr))
			return -1;
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
			pb_close_frame(b, t, ev->ns);
		break;
	default:
		break;
	}
	return b->oom ? -1 : 0;
}

static int on_event(void *ctx, const struct hp_event *ev, const struct hp_defs *defs)
{
	struct builder *b = ctx;

	if (ev->type <= HP_EV_REALLOC && hp_heap_not_yet(&b->heap, ev))
		return HP_EVENT_NOT_YET;
	if (apply_event(b, ev, defs))
		return -1;
	const struct hp_observed_heap heap = {b->live_bytes, b->sites, b->nsites};
	if (b->obs && b->obs->event && b->obs->event(b->obs->ctx, ev, &heap)) {
		b->oom = true;
		return -1;
	}
	return 0;
}

static void builder_release(struct builder *b)
{
	if (b->warmup)
		hp_warmup_cancel(b->warmup);
	hp_heap_free(&b->heap);
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

/* The trace's bytes: a file (path) or memory (mem, size). */
struct trace_input {
	const char *path;
	const void *mem;
	size_t size;
};

static struct hp_profile *build(const struct trace_input *in, const struct hp_profile_options *opts, char *err,
				size_t errlen)
{
	const char *path = in->path;
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
	b.obs = opts ? opts->observer : NULL;
	b.keep_forks = opts && opts->keep_forks;
	hp_window_begin(&b.win, opts ? opts->window : NULL);
	b.heuristics = opts && opts->heuristics >= 0 ? (unsigned)opts->heuristics : HP_HEURISTICS_ALL;
	hp_defs_init(&p->defs);
	if (opts && opts->inherited && pb_inherit(&b, opts->inherited)) {
		snprintf(err, errlen, "%s: out of memory", path);
		builder_release(&b);
		hp_profile_free(p);
		return NULL;
	}
	int rc = in->mem ? hp_trace_read_mem(in->mem, in->size, path, &p->defs, on_event, &b, &p->status)
			 : hp_trace_read(path, &p->defs, on_event, &b, &p->status);
	if (rc) {
		snprintf(err, errlen, "%s", rc == -1 && p->status.error[0] ? p->status.error : "out of memory");
		if (b.oom)
			snprintf(err, errlen, "%s: out of memory while building the profile", path);
		builder_release(&b);
		hp_profile_free(p);
		return NULL;
	}
	if (pb_finish(&b, opts, err, errlen)) {
		builder_release(&b);
		hp_profile_free(p);
		return NULL;
	}
	builder_release(&b);
	return p;
}

struct hp_profile *hp_profile_load(const char *path, const struct hp_profile_options *opts, char *err, size_t errlen)
{
	struct trace_input in = {.path = path};

	return build(&in, opts, err, errlen);
}

struct hp_profile *hp_profile_load_mem(const void *buf, size_t size, const char *name,
				       const struct hp_profile_options *opts, char *err, size_t errlen)
{
	struct trace_input in = {.path = name, .mem = buf ? buf : "", .size = size};

	return build(&in, opts, err, errlen);
}

void hp_profile_drop_forks(struct hp_profile *p)
{
	for (size_t i = 0; i < p->nforks; i++)
		free(p->forks[i].blocks);
	free(p->forks);
	p->forks = NULL;
	p->nforks = 0;
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
	hp_profile_drop_forks(p);
	if (priv) {
		for (size_t i = 0; i < priv->nstacks; i++) {
			free(priv->stacks[i]->own);
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
