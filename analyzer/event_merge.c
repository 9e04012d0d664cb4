/* event_merge.c: per-stream queues and a heap over their heads; SYNC and CLOCK are handled here. */
#include "event_merge.h"

#include <stdlib.h>
#include <string.h>

#define EV_CLOCK 0xff /* record_decoder.c: CLOCK and SYNC travel as pseudo-events */
#define EV_SYNC 0xfe

struct hp_merge_queue {
	uint32_t key; /* stream + 1; 0: empty slot */
	struct hp_event *ev;
	size_t head, len, cap;
};

void hp_merge_init(struct hp_merge *m, struct hp_defs *defs, hp_event_fn fn, void *ctx, bool tsc,
		   uint64_t *event_ticks)
{
	memset(m, 0, sizeof(*m));
	m->defs = defs;
	m->fn = fn;
	m->ctx = ctx;
	m->tsc = tsc;
	m->event_ticks = event_ticks;
}

void hp_merge_release(struct hp_merge *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		struct hp_merge_queue *q = &m->queues[i];
		for (size_t j = q->head; j < q->len; j++)
			free((void *)q->ev[j].words);
		free(q->ev);
	}
	free(m->queues);
	free(m->heap);
	memset(m, 0, sizeof(*m));
}

static struct hp_merge_queue *queue_of(struct hp_merge *m, uint32_t stream)
{
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
			size_t j = (m->queues[i].key * 2654435761u) & (cap - 1);
			while (n[j].key)
				j = (j + 1) & (cap - 1);
			n[j] = m->queues[i];
		}
		/* Queue indexes changed: rebuild the heap from scratch below. */
		free(m->queues);
		free(m->heap);
		m->queues = n;
		m->heap = heap;
		m->cap = cap;
		m->nheap = 0;
		for (size_t i = 0; i < cap; i++)
			if (n[i].key && n[i].head < n[i].len)
				m->heap[m->nheap++] = (uint32_t)i;
		/* A plain re-heapify: sift every element down, from the last parent. */
		for (size_t i = m->nheap / 2; i-- > 0;) {
			size_t at = i;
			for (;;) {
				size_t l = 2 * at + 1, r = l + 1, min = at;
				#define TICK(k) (m->queues[m->heap[k]].ev[m->queues[m->heap[k]].head].tick)
				if (l < m->nheap && TICK(l) < TICK(min))
					min = l;
				if (r < m->nheap && TICK(r) < TICK(min))
					min = r;
				#undef TICK
				if (min == at)
					break;
				uint32_t x = m->heap[at];
				m->heap[at] = m->heap[min];
				m->heap[min] = x;
				at = min;
			}
		}
	}
	uint32_t key = stream + 1;
	size_t i = (key * 2654435761u) & (m->cap - 1);
	for (; m->queues[i].key; i = (i + 1) & (m->cap - 1))
		if (m->queues[i].key == key)
			return &m->queues[i];
	m->queues[i].key = key;
	m->used++;
	return &m->queues[i];
}

/* Heap order: head tick, then stream. */
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

uint64_t hp_merge_ns(const struct hp_merge *m, uint64_t tick)
{
	if (!m->nclock || tick <= m->t0)
		return 0;
	uint64_t dt = tick - m->t0;
	if (m->nclock >= 2 && m->t1 > m->t0)
		return (uint64_t)((double)dt * (double)(m->mono1 - m->mono0) / (double)(m->t1 - m->t0));
	return m->tsc ? 0 : dt; /* one pair of a TSC trace: no rate yet */
}

static int deliver(struct hp_merge *m, struct hp_event *ev)
{
	struct hp_defs *defs = m->defs;
	struct hp_thread_info *t;

	ev->ns = hp_merge_ns(m, ev->tick);
	if (ev->type == HP_EV_WAIT && m->nclock >= 2 && m->t1 > m->t0)
		ev->size = (uint64_t)((double)ev->size * (double)(m->mono1 - m->mono0) / (double)(m->t1 - m->t0));
	if (ev->ns > defs->process.last_ns)
		defs->process.last_ns = ev->ns;
	switch (ev->type) {
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
		if (ev->value >= 0 && (size_t)ev->value < defs->nmodules)
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
	free((void *)ev->words);
	ev->words = NULL;
	return rc;
}

/* Releases queued events with tick < limit, oldest first; stops early after `count` events. */
static int release(struct hp_merge *m, uint64_t limit, size_t count)
{
	while (m->nheap && count) {
		struct hp_merge_queue *q = &m->queues[m->heap[0]];
		struct hp_event *ev = &q->ev[q->head];
		if (ev->tick >= limit)
			break;
		q->head++;
		m->pending--;
		count--;
		struct hp_event copy = *ev;
		if (q->head == q->len) {
			q->head = q->len = 0;
			m->heap[0] = m->heap[--m->nheap];
		}
		if (m->nheap)
			sift_down(m, 0);
		int rc = deliver(m, &copy);
		if (rc)
			return rc;
	}
	return 0;
}

int hp_merge_push(void *merge, struct hp_event *ev)
{
	struct hp_merge *m = merge;

	if (ev->type == EV_CLOCK) {
		if (!m->nclock) {
			m->t0 = ev->tick;
			m->mono0 = ev->addr;
		}
		m->t1 = ev->tick;
		m->mono1 = ev->addr;
		m->nclock++;
		if (m->event_ticks && *m->event_ticks && m->nclock >= 2 && m->t1 > m->t0)
			m->defs->process.event_cost_ns =
				(uint64_t)((double)*m->event_ticks * (double)(m->mono1 - m->mono0) / (double)(m->t1 - m->t0));
		return 0;
	}
	if (ev->type == EV_SYNC)
		return release(m, ev->tick, SIZE_MAX);

	struct hp_merge_queue *q = queue_of(m, ev->stream);
	if (!q)
		goto nomem;
	if (q->head == q->len)
		q->head = q->len = 0;
	if (q->len == q->cap) {
		/* Compact before growing: released events sit at the front. */
		if (q->head) {
			memmove(q->ev, q->ev + q->head, (q->len - q->head) * sizeof(*q->ev));
			q->len -= q->head;
			q->head = 0;
		}
		if (q->len == q->cap) {
			size_t cap = q->cap ? q->cap * 2 : 256;
			struct hp_event *n = realloc(q->ev, cap * sizeof(*n));
			if (!n)
				goto nomem;
			q->ev = n;
			q->cap = cap;
		}
	}
	bool was_empty = q->head == q->len;
	q->ev[q->len++] = *ev;
	m->pending++;
	if (was_empty) {
		m->heap[m->nheap++] = (uint32_t)(q - m->queues);
		sift_up(m, m->nheap - 1);
	}
	if (m->pending > HP_MERGE_MAX_PENDING) {
		m->overflowed = true;
		return release(m, UINT64_MAX, m->pending - HP_MERGE_MAX_PENDING * 3 / 4);
	}
	return 0;
nomem:
	free((void *)ev->words);
	return -1;
}

int hp_merge_flush(struct hp_merge *m)
{
	return release(m, UINT64_MAX, SIZE_MAX);
}
