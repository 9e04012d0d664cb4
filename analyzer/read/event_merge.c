/* event_merge.c: per-stream queues and a heap over their heads; SYNC and CLOCK are handled here. */
#include "read/event_merge.h"

#include <stdlib.h>
#include <string.h>

struct hp_merge_queue {
	uint32_t key; /* stream + 1; 0: empty slot */
	struct hp_tick_event *ev; /* waiting: ev[head..len) */
	size_t head, len, cap;
};

void hp_merge_init(struct hp_merge *m, struct hp_defs *defs, hp_event_fn fn, void *ctx, bool tsc,
		   const uint64_t *event_ticks)
{
	memset(m, 0, sizeof(*m));
	m->defs = defs;
	m->fn = fn;
	m->ctx = ctx;
	m->tsc = tsc;
	m->event_ticks = event_ticks;
	m->max_pending = HP_MERGE_MAX_PENDING;
}

void hp_merge_release(struct hp_merge *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		struct hp_merge_queue *q = &m->queues[i];
		for (size_t j = q->head; j < q->len; j++)
			hp_tick_event_free(&q->ev[j]);
		free(q->ev);
	}
	free(m->queues);
	free(m->heap);
	m->queues = NULL;
	m->last = NULL;
	m->heap = NULL;
	m->cap = m->used = m->nheap = m->pending = 0;
}

/* Heap order: head tick, then stream; within a stream the queue keeps arrival order. */
static bool before(const struct hp_merge *m, uint32_t a, uint32_t b)
{
	const struct hp_merge_queue *qa = &m->queues[a], *qb = &m->queues[b];
	uint64_t ta = qa->ev[qa->head].tick, tb = qb->ev[qb->head].tick;

	return ta != tb ? ta < tb : qa->key < qb->key;
}

static void sift_up(struct hp_merge *m, size_t at)
{
	while (at) {
		size_t parent = (at - 1) / 2;
		if (!before(m, m->heap[at], m->heap[parent]))
			break;
		uint32_t x = m->heap[at];
		m->heap[at] = m->heap[parent];
		m->heap[parent] = x;
		at = parent;
	}
}

static void sift_down(struct hp_merge *m, size_t at)
{
	for (;;) {
		size_t l = 2 * at + 1, r = l + 1, min = at;
		if (l < m->nheap && before(m, m->heap[l], m->heap[min]))
			min = l;
		if (r < m->nheap && before(m, m->heap[r], m->heap[min]))
			min = r;
		if (min == at)
			return;
		uint32_t x = m->heap[at];
		m->heap[at] = m->heap[min];
		m->heap[min] = x;
		at = min;
	}
}

static uint32_t slot_of(uint32_t key, size_t cap)
{
	return (uint32_t)((key * 2654435761u) & (cap - 1));
}

static struct hp_merge_queue *queue_of(struct hp_merge *m, uint32_t stream)
{
	uint32_t key = stream + 1;

	/* Streams come in runs (each buffer the writer drains is one thread's): ask the table once a run. */
	if (m->last && m->last->key == key)
		return m->last;
	if (m->cap) {
		for (size_t i = slot_of(key, m->cap); m->queues[i].key; i = (i + 1) & (m->cap - 1))
			if (m->queues[i].key == key)
				return m->last = &m->queues[i];
	}
	if (2 * (m->used + 1) > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct hp_merge_queue *n = calloc(cap, sizeof(*n));
		uint32_t *heap = malloc(cap * sizeof(*heap));
		if (!n || !heap) {
			free(n);
			free(heap);
			return NULL;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->queues[i].key)
				continue;
			size_t j = slot_of(m->queues[i].key, cap);
			while (n[j].key)
				j = (j + 1) & (cap - 1);
			n[j] = m->queues[i];
		}
		free(m->queues);
		free(m->heap);
		m->queues = n;
		m->heap = heap;
		m->cap = cap;
		/* Queue indexes changed: rebuild the heap. */
		m->nheap = 0;
		for (size_t i = 0; i < cap; i++)
			if (n[i].key && n[i].head < n[i].len)
				m->heap[m->nheap++] = (uint32_t)i;
		for (size_t i = m->nheap / 2; i-- > 0;)
			sift_down(m, i);
	}
	size_t i = slot_of(key, m->cap);
	while (m->queues[i].key)
		i = (i + 1) & (m->cap - 1);
	m->queues[i].key = key;
	m->used++;
	return m->last = &m->queues[i];
}

/* ticks × (mono1 − mono0) / (t1 − t0), when the pairs give a rate. The rate is kept in 64.64 fixed
 * point, so that each event costs two multiplications rather than a 128-bit division; the result is
 * within 1 ns of the exact quotient, and saturates instead of overflowing. */
static inline bool scaled(const struct hp_merge *m, uint64_t ticks, uint64_t *ns)
{
	if (!m->ns_per_tick)
		return false;
	uint64_t whole = (uint64_t)(m->ns_per_tick >> 64), frac = (uint64_t)m->ns_per_tick;
	uint64_t part = (uint64_t)(((unsigned __int128)ticks * frac) >> 64);
	if (!whole) { /* TSC ticks are shorter than a nanosecond: one multiplication */
		*ns = part;
		return true;
	}
	unsigned __int128 v = (unsigned __int128)ticks * whole + part;
	*ns = v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
	return true;
}

uint64_t hp_merge_duration_ns(const struct hp_merge *m, uint64_t ticks)
{
	uint64_t ns;

	return scaled(m, ticks, &ns) ? ns : ticks;
}

uint64_t hp_merge_ns(const struct hp_merge *m, uint64_t tick)
{
	/* Before the first CLOCK there is no time 0; ticks before it are clamped to it. */
	if (!m->nclock || tick <= m->t0)
		return 0;
	return hp_merge_duration_ns(m, tick - m->t0);
}

static void update_calibration(struct hp_merge *m)
{
	if (m->event_ticks && *m->event_ticks && m->nclock)
		m->defs->process.event_cost_ns = hp_merge_duration_ns(m, *m->event_ticks);
}

/* Fills ev, which holds the previous event, from q (not a heap event: deliver does those): the fields
 * an event does not use are zero. */
static void unpack(const struct hp_tick_event *q, struct hp_event *ev)
{
	ev->type = q->type;
	ev->kind = q->kind;
	ev->flags = q->flags;
	ev->stream = q->stream;
	ev->tick = q->tick;
	ev->addr = q->addr;
	ev->addr2 = q->addr2;
	ev->size = q->size;
	ev->stack = 0;
	ev->site = q->id;
	ev->value = 0;
	switch (q->type) {
	case HP_EV_COUNTER:
	case HP_EV_THREAD_START:
	case HP_EV_MODULE_LOAD:
	case HP_EV_PROCESS_END:
	case HP_EV_SCAN_THREAD:
		ev->value = (int64_t)q->size;
		ev->size = 0;
		break;
	case HP_EV_SAMPLE:
		ev->sample = *(const struct hp_sample *)(uintptr_t)q->addr2;
		ev->addr2 = 0;
		break;
	case HP_EV_SCAN_WORDS:
		ev->value = (int64_t)q->size;
		ev->words = (const struct hp_scan_word *)(uintptr_t)q->addr2;
		ev->nwords = (size_t)q->addr;
		ev->size = ev->addr = ev->addr2 = 0;
		break;
	default:
		break;
	}
}

/* Hands a released event to the callback; ev is the caller's, reused from one event to the next. */
static int deliver(struct hp_merge *m, const struct hp_tick_event *q, struct hp_event *ev)
{
	struct hp_defs *defs = m->defs;
	struct hp_thread_info *t;

	if (q->type <= HP_EV_ALLOC_FAIL) {
		/* Nearly every event: no field to unpack but the stack, no definition to note. */
		ev->type = q->type;
		ev->kind = q->kind;
		ev->flags = q->flags;
		ev->stream = q->stream;
		ev->tick = q->tick;
		ev->ns = hp_merge_ns(m, q->tick);
		ev->addr = q->addr;
		ev->addr2 = q->addr2;
		ev->size = q->size;
		ev->stack = q->id;
		ev->site = 0;
		ev->value = 0;
		if (ev->ns > defs->process.last_ns)
			defs->process.last_ns = ev->ns;
		m->released++;
		return m->fn(m->ctx, ev, defs);
	}
	unpack(q, ev);
	ev->ns = hp_merge_ns(m, ev->tick);
	if (ev->ns > defs->process.last_ns)
		defs->process.last_ns = ev->ns;
	switch (ev->type) {
	case HP_EV_WAIT:
		ev->size = hp_merge_duration_ns(m, ev->size);
		break;
	case HP_EV_THREAD_START:
		if ((t = (struct hp_thread_info *)hp_defs_thread(defs, ev->stream)))
			t->start_ns = ev->ns;
		break;
	case HP_EV_THREAD_END:
		if ((t = (struct hp_thread_info *)hp_defs_thread(defs, ev->stream))) {
			t->ended = true;
			t->end_ns = ev->ns;
		}
		break;
	case HP_EV_PROCESS_END:
		defs->process.ended = true;
		defs->process.end_how = ev->kind;
		defs->process.end_status = ev->value;
		defs->process.end_ns = ev->ns;
		break;
	case HP_EV_MODULE_LOAD:
		if (ev->value >= 0 && (uint64_t)ev->value < defs->nmodules)
			defs->modules[ev->value].load_ns = ev->ns;
		break;
	case HP_EV_MODULE_UNLOAD:
		for (size_t i = defs->nmodules; i-- > 0;)
			if (defs->modules[i].base == ev->addr && defs->modules[i].unload_ns == UINT64_MAX) {
				defs->modules[i].unload_ns = ev->ns;
				break;
			}
		break;
	default:
		break;
	}
	m->released++;
	int rc = m->fn(m->ctx, ev, defs);
	if (q->type == HP_EV_SAMPLE || q->type == HP_EV_SCAN_WORDS) {
		hp_tick_event_free(q);
		memset(&ev->sample, 0, sizeof(ev->sample));
		ev->words = NULL;
		ev->nwords = 0;
	}
	return rc;
}

/* Releases queued events with tick < limit (all of them when `all`: a tick may be UINT64_MAX) in
 * (tick, stream, arrival) order; at most `count`.
 *
 * The queue at the top of the heap keeps the lead for as long as its head comes before the heads of
 * the others, the best of which is a child of the top: that whole run is released without touching
 * the heap, which is fixed once at its end: with one busy thread, one loop over its queue. */
static int release(struct hp_merge *m, uint64_t limit, bool all, size_t count)
{
	struct hp_event ev = {0};
	int rc = 0;

	while (m->nheap && count && !rc) {
		struct hp_merge_queue *q = &m->queues[m->heap[0]];
		uint64_t bound_tick = UINT64_MAX;
		uint32_t bound_key = UINT32_MAX;
		if (m->nheap > 1) {
			uint32_t c = m->nheap > 2 && before(m, m->heap[2], m->heap[1]) ? m->heap[2] : m->heap[1];
			const struct hp_merge_queue *qc = &m->queues[c];
			bound_tick = qc->ev[qc->head].tick;
			bound_key = qc->key;
		}
		if (!all && limit <= bound_tick) {
			bound_tick = limit; /* ticks at or past the limit wait, whatever the stream */
			bound_key = 0;
		}
		size_t run = 0;
		while (q->head < q->len && run < count) {
			struct hp_tick_event *e = &q->ev[q->head];
			if (e->tick > bound_tick || (e->tick == bound_tick && q->key > bound_key))
				break;
			q->head++;
			m->pending--;
			run++;
			if ((rc = deliver(m, e, &ev)) != 0)
				break;
		}
		count -= run;
		if (q->head == q->len) {
			q->head = q->len = 0;
			m->heap[0] = m->heap[--m->nheap];
		}
		if (m->nheap)
			sift_down(m, 0);
		if (!run)
			break; /* the best head is at or past the limit */
	}
	return rc;
}

static int on_clock(struct hp_merge *m, const struct hp_tick_event *ev)
{
	if (!m->nclock) {
		m->t0 = ev->tick;
		m->mono0 = ev->addr;
	}
	m->t1 = ev->tick;
	m->mono1 = ev->addr;
	if (m->nclock < UINT32_MAX)
		m->nclock++;
	m->ns_per_tick = 0;
	if (m->tsc && m->nclock >= 2 && m->t1 > m->t0 && m->mono1 > m->mono0)
		m->ns_per_tick = ((unsigned __int128)(m->mono1 - m->mono0) << 64) / (m->t1 - m->t0);
	update_calibration(m);
	return 0;
}

/* Queues ev[0..n), events of one stream (no CLOCK, no SYNC); *taken says how many: fewer when the
 * window would pass max_pending, up to the event that passes it. 0, or -1 with m->nomem. */
static int queue_run(struct hp_merge *m, const struct hp_tick_event *ev, size_t n, size_t *taken)
{
	struct hp_merge_queue *q = queue_of(m, ev->stream);

	if (!q) {
		m->nomem = true;
		return -1;
	}
	if (m->pending + n > m->max_pending)
		n = m->max_pending + 1 - m->pending;
	if (q->len + n > q->cap) {
		/* Compact before growing: released events sit at the front. */
		if (q->head) {
			memmove(q->ev, q->ev + q->head, (q->len - q->head) * sizeof(*q->ev));
			q->len -= q->head;
			q->head = 0;
		}
		if (q->len + n > q->cap) {
			/* Small at first: a trace may hold 100,000 streams of a few events each. */
			size_t cap = q->cap ? q->cap : 4;
			while (cap < q->len + n)
				cap *= 2;
			struct hp_tick_event *e = realloc(q->ev, cap * sizeof(*e));
			if (!e) {
				m->nomem = true;
				return -1;
			}
			q->ev = e;
			q->cap = cap;
		}
	}
	bool was_empty = q->head == q->len;
	memcpy(q->ev + q->len, ev, n * sizeof(*ev));
	q->len += n;
	m->pending += n;
	if (was_empty) {
		m->heap[m->nheap++] = (uint32_t)(q - m->queues);
		sift_up(m, m->nheap - 1);
	}
	*taken = n;
	return 0;
}

int hp_merge_push(void *merge, struct hp_tick_event *ev, size_t n)
{
	struct hp_merge *m = merge;
	int rc = 0;
	size_t i = 0;

	m->nomem = false;
	while (i < n && !rc) {
		if (ev[i].type == HP_EV__CLOCK) {
			rc = on_clock(m, &ev[i++]);
			continue;
		}
		if (ev[i].type == HP_EV__SYNC) {
			rc = release(m, ev[i++].tick, false, SIZE_MAX);
			continue;
		}
		/* Events come in long runs of one stream: each is queued with one copy. */
		size_t j = i + 1, taken;
		while (j < n && ev[j].stream == ev[i].stream && ev[j].type != HP_EV__CLOCK && ev[j].type != HP_EV__SYNC)
			j++;
		if ((rc = queue_run(m, &ev[i], j - i, &taken)) != 0)
			break;
		i += taken;
		if (m->pending > m->max_pending) {
			/* No SYNC in sight: release the oldest quarter rather than grow without bound. */
			m->overflowed = true;
			rc = release(m, 0, true, m->pending - m->max_pending * 3 / 4);
		}
	}
	while (i < n)
		hp_tick_event_free(&ev[i++]);
	return rc;
}

int hp_merge_flush(struct hp_merge *m)
{
	update_calibration(m);
	return release(m, 0, true, SIZE_MAX);
}
