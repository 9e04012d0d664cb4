/* event_merge.c: per-stream queues and a heap over their heads; SYNC and CLOCK are handled here. */
#include "read/event_merge.h"

#include <stdlib.h>
#include <string.h>

#include "util/grow.h"

struct hp_merge_queue {
	uint32_t key; /* stream + 1: the order among queues whose heads have the same key, above 0 */
	/* A ring: `len` events wait, the first at ev[head], the k-th at waiting(q, k). A ring, so that
	 * events released from the front are never moved, and its capacity is what it held at most. */
	struct hp_tick_event *ev;
	size_t head, len, cap;
	/* Once another stream's free asked about this one's (hp_merge_ends_first): address → how many
	 * of its waiting events end it. NULL until then: most streams are never asked. */
	struct hp_idmap *ends;
	bool ended; /* its thread's end was delivered: once drained, its ring goes */
};

/* Where in q's ring the k-th event from its head goes (k <= q->cap). */
static inline size_t ring_index(const struct hp_merge_queue *q, size_t k)
{
	size_t i = q->head + k;

	return i < q->cap ? i : i - q->cap;
}

/* The k-th event q holds (k < q->len); 0 is its head. */
static inline struct hp_tick_event *waiting(const struct hp_merge_queue *q, size_t k)
{
	return &q->ev[ring_index(q, k)];
}

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
	for (size_t i = 0; i < m->nqueues; i++) {
		struct hp_merge_queue *q = &m->queues[i];
		for (size_t k = 0; k < q->len; k++)
			hp_tick_event_free(waiting(q, k));
		free(q->ev);
		if (q->ends)
			hp_idmap_free(q->ends);
		free(q->ends);
	}
	free(m->queues);
	hp_idmap_free(&m->streams);
	free(m->heap);
	free(m->parked);
	m->parked = NULL;
	m->nparked = m->parked_cap = 0;
	m->queues = NULL;
	m->last = NULL;
	m->heap = NULL;
	m->nqueues = m->queues_cap = m->heap_cap = m->nheap = m->pending = 0;
}

/* Heap order: head key, then stream; within a stream the queue keeps arrival order. */
static bool before(const struct hp_merge *m, uint32_t a, uint32_t b)
{
	const struct hp_merge_queue *qa = &m->queues[a], *qb = &m->queues[b];
	uint64_t ta = qa->ev[qa->head].key, tb = qb->ev[qb->head].key;

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

/* Room for one more queue, and for it in the heap. 0, or -1 when memory runs out. */
static int grow_queues(struct hp_merge *m)
{
	struct hp_merge_queue *queues = hp_grow(m->queues, &m->queues_cap, m->nqueues + 1, sizeof(*queues));

	if (!queues)
		return -1;
	m->queues = queues;
	m->last = NULL;
	uint32_t *heap = hp_grow(m->heap, &m->heap_cap, m->nqueues + 1, sizeof(*heap));
	if (!heap)
		return -1;
	m->heap = heap;
	return 0;
}

static struct hp_merge_queue *queue_of(struct hp_merge *m, uint32_t stream)
{
	/* Streams come in runs (each buffer the writer drains is one thread's): ask the table once a run. */
	if (m->last && m->last->key == stream + 1)
		return m->last;
	uint32_t *index = hp_idmap_slot(&m->streams, stream, true);
	if (!index)
		return NULL;
	if (!*index) { /* a new stream */
		if (grow_queues(m))
			return NULL;
		m->queues[m->nqueues] = (struct hp_merge_queue){.key = stream + 1};
		*index = (uint32_t)++m->nqueues;
	}
	return m->last = &m->queues[*index - 1];
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
	if (!m->event_ticks || !m->nclock)
		return;
	if (m->event_ticks[0])
		m->defs->process.event_cost_ns = hp_merge_duration_ns(m, m->event_ticks[0]);
	if (m->event_ticks[1])
		m->defs->process.alloc_event_cost_ns = hp_merge_duration_ns(m, m->event_ticks[1]);
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
	case HP_EV_EVENT_COST:
		ev->value = (int64_t)q->addr;
		ev->addr = 0;
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

/* Hands a released event to the callback; ev is the caller's, reused from one event to the next. An
 * allocation event may come back HP_EVENT_NOT_YET, unless last_chance. */
static int deliver(struct hp_merge *m, const struct hp_tick_event *q, struct hp_event *ev, bool last_chance)
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
		ev->last_chance = last_chance;
		int rc = m->fn(m->ctx, ev, defs);
		if (rc == HP_EVENT_NOT_YET)
			return last_chance ? 0 : rc;
		if (ev->ns > defs->process.last_ns)
			defs->process.last_ns = ev->ns;
		m->released++;
		return rc;
	}
	ev->last_chance = true;
	unpack(q, ev);
	ev->ns = hp_merge_ns(m, ev->tick);
	if (ev->ns > defs->process.last_ns)
		defs->process.last_ns = ev->ns;
	switch (ev->type) {
	case HP_EV_WAIT:
	case HP_EV_EVENT_COST:
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

/* A parked queue's head waits for an event that mentions one of its addresses: a free of the address
 * it allocates, an allocation of the one it frees. */
static bool mentions(const struct hp_tick_event *a, const struct hp_tick_event *b)
{
	return (a->addr && (a->addr == b->addr || a->addr == b->addr2)) ||
	       (a->addr2 && (a->addr2 == b->addr || a->addr2 == b->addr2));
}

static void heap_push(struct hp_merge *m, uint32_t qi)
{
	m->heap[m->nheap++] = qi;
	sift_up(m, m->nheap - 1);
}

/* Takes the top queue out of the heap, its head waiting. 0, or -1 without memory. */
static int park_top(struct hp_merge *m)
{
	uint32_t *p = hp_grow(m->parked, &m->parked_cap, m->nparked + 1, sizeof(*p));

	if (!p) {
		m->nomem = true;
		return -1;
	}
	m->parked = p;
	m->parked[m->nparked++] = m->heap[0];
	m->heap[0] = m->heap[--m->nheap];
	if (m->nheap)
		sift_down(m, 0);
	return 0;
}

/* Back to the heap: the parked queues whose head `done` may have unblocked (all of them when NULL). */
static void unpark(struct hp_merge *m, const struct hp_tick_event *done)
{
	for (size_t i = 0; i < m->nparked;) {
		const struct hp_merge_queue *q = &m->queues[m->parked[i]];
		if (done && !mentions(&q->ev[q->head], done)) {
			i++;
			continue;
		}
		heap_push(m, m->parked[i]);
		m->parked[i] = m->parked[--m->nparked];
	}
}

/* The address e ends (a free, a realloc's old block), or 0. */
static uint64_t ended_by(const struct hp_tick_event *e)
{
	struct hp_heap_change c;

	return hp_change_of(e->type, e->flags, e->addr, e->addr2, e->size, &c) && c.frees ? c.gone : 0;
}

/* What r's first queued event on addr, among those with key <= key, does to it: hands it out (an
 * allocation, a realloc's new block), ends it (a free, a realloc's old block), or nothing. */
enum next_use { NO_USE, GIVES, ENDS };

static enum next_use next_use(const struct hp_merge_queue *r, uint64_t addr, uint64_t key)
{
	for (size_t k = 0; k < r->len && waiting(r, k)->key <= key; k++) {
		const struct hp_tick_event *e = waiting(r, k);
		if ((e->type == HP_EV_ALLOC && e->addr == addr) || (e->type == HP_EV_REALLOC && e->addr2 == addr))
			return GIVES;
		if (ended_by(e) == addr)
			return ENDS;
	}
	return NO_USE;
}

/* Counts e in q->ends, by +1 or -1, when it ends an address. 0, or -1 when memory runs out. */
static int count_end(struct hp_merge_queue *q, const struct hp_tick_event *e, int by)
{
	uint64_t addr = ended_by(e);

	if (!addr)
		return 0;
	uint32_t *n = hp_idmap_slot(q->ends, addr, by > 0);
	if (!n)
		return by > 0 ? -1 : 0;
	*n += (uint32_t)by;
	return 0;
}

/* q holds nothing more: its positions start again, and its counts are all 0. The ring of a thread that
 * ended is freed: a program that runs thousands of short threads left a ring of each thread's largest
 * window behind (4,000 threads of 2,000 events: 560 MB). */
static void drained(struct hp_merge_queue *q)
{
	q->head = q->len = 0;
	if (q->ends)
		hp_idmap_free(q->ends); /* an empty map, ready for the next events */
	if (q->ended) {
		free(q->ev);
		q->ev = NULL;
		q->cap = 0;
		q->ended = false; /* a later thread may be given the same stream */
	}
}

bool hp_merge_ends_first(const struct hp_event *ev, uint32_t stream, uint64_t addr)
{
	struct hp_merge *m = ev->merge;
	if (!m)
		return false;
	const uint32_t *index = hp_idmap_find(&m->streams, ev->stream), *other = hp_idmap_find(&m->streams, stream);

	if (!index || !other)
		return false;
	/* The event delivered is its queue's head (take_head). */
	const struct hp_merge_queue *q = &m->queues[*index - 1];
	struct hp_merge_queue *r = &m->queues[*other - 1];
	uint64_t key = q->ev[q->head].key;
	if (!r->len || r->ev[r->head].key > key)
		return false;
	if (!r->ends) { /* the first question about r: count what it holds, then keep the count */
		if (!(r->ends = calloc(1, sizeof(*r->ends))))
			return false;
		for (size_t k = 0; k < r->len; k++)
			if (count_end(r, waiting(r, k), 1)) {
				hp_idmap_free(r->ends);
				free(r->ends);
				r->ends = NULL;
				return false;
			}
	}
	/* Most answers are no without a look at the queue: r frees addr nowhere in it. */
	const uint32_t *n = hp_idmap_find(r->ends, addr);
	return n && *n && next_use(r, addr, key) == ENDS;
}

/* Whether the first use another stream than q's makes of addr among its queued events is one of
 * `uses` (bits of enum next_use). */
static bool next_use_is(const struct hp_merge *m, const struct hp_merge_queue *q, uint64_t addr, unsigned uses)
{
	for (size_t i = 0; i < m->nqueues; i++) {
		const struct hp_merge_queue *r = &m->queues[i];
		enum next_use u = r == q ? NO_USE : next_use(r, addr, UINT64_MAX);
		if (u != NO_USE && (uses & 1u << u))
			return true;
	}
	return false;
}

/* Which parked head goes first when one must go as it is: the lowest key; at equal keys a free (of
 * an address not alive: from before recording, most likely) before a realloc before an allocation (at
 * an address alive: a lost free, which a program's own order rarely shows), then the lower stream.
 * A head whose wait another stream's queued events can still end goes last: a free of an address
 * another stream hands out or frees next (the life it ends is not the one alive now), an allocation
 * at an address another stream frees next. It was put behind that event by a
 * wrong guess among the streams of one epoch (a JVM's threads trade blocks within a millisecond), and
 * forcing it would end or replace the wrong life. Forcing is rare: the scan of the queues is paid
 * only then. */
static unsigned force_rank(const struct hp_merge *m, const struct hp_merge_queue *q)
{
	const struct hp_tick_event *e = &q->ev[q->head];

	if (e->type == HP_EV_FREE)
		return next_use_is(m, q, e->addr, 1u << GIVES | 1u << ENDS) ? 3 : 0;
	if (e->type == HP_EV_REALLOC)
		return e->addr && next_use_is(m, q, e->addr, 1u << GIVES | 1u << ENDS) ? 3 : 1;
	return next_use_is(m, q, e->addr, 1u << ENDS) ? 3 : 2;
}

/* The parked queue whose head comes first, by (key, stream), or when `forcing` by force_rank too; its
 * index in m->parked. */
static size_t first_parked(const struct hp_merge *m, bool forcing)
{
	size_t best = 0;
	unsigned rb = forcing ? force_rank(m, &m->queues[m->parked[0]]) : 0;

	for (size_t i = 1; i < m->nparked; i++) {
		const struct hp_merge_queue *a = &m->queues[m->parked[i]], *b = &m->queues[m->parked[best]];
		uint64_t ka = a->ev[a->head].key, kb = b->ev[b->head].key;
		unsigned ra = forcing && ka <= kb ? force_rank(m, a) : 0;
		if (ka < kb || (ka == kb && (ra < rb || (ra == rb && a->key < b->key)))) {
			best = i;
			rb = ra;
		}
	}
	return best;
}

/* Delivers the head of q, taken off; 0, HP_EVENT_NOT_YET (q untouched), or the callback's value. */
static int take_head(struct hp_merge *m, struct hp_merge_queue *q, struct hp_event *ev, bool last_chance)
{
	m->pending--; /* as the callback sees it */
	bool end = q->ev[q->head].type == HP_EV_THREAD_END;
	int rc = deliver(m, &q->ev[q->head], ev, last_chance);

	if (rc == HP_EVENT_NOT_YET) {
		m->pending++;
		return rc;
	}
	q->ended |= end;
	if (q->ends)
		count_end(q, &q->ev[q->head], -1);
	q->head = ring_index(q, 1);
	q->len--;
	return rc;
}

/* A parked head whose key no other stream can still reach goes as it is (last_chance): by causality
 * whatever could have come before it has the same key, and none is left. Returns 1 when one went. */
static int force_parked(struct hp_merge *m, struct hp_event *ev, int *rc)
{
	if (!m->nparked)
		return 0;
	size_t i = first_parked(m, true);
	uint32_t qi = m->parked[i];
	struct hp_merge_queue *q = &m->queues[qi];
	if (m->nheap) {
		const struct hp_merge_queue *top = &m->queues[m->heap[0]];
		if (top->ev[top->head].key <= q->ev[q->head].key)
			return 0; /* another stream may still free or hand out its address */
	}
	m->parked[i] = m->parked[--m->nparked];
	struct hp_tick_event done = q->ev[q->head];
	*rc = take_head(m, q, ev, true);
	if (!q->len)
		drained(q);
	else
		heap_push(m, qi);
	unpark(m, &done);
	return 1;
}

void hp_merge_note_heap(const struct hp_event *ev, hp_alive_fn alive, void *heap)
{
	if (ev->merge) {
		ev->merge->alive = alive;
		ev->merge->alive_heap = heap;
	}
}

/* Puts back in the heap every queue that holds events, parked or not: after a plan, whose events
 * left the queues' heads anywhere. */
static void heap_rebuild(struct hp_merge *m)
{
	size_t n = m->nheap;

	for (size_t i = 0; i < m->nparked; i++)
		m->heap[n++] = m->parked[i];
	m->nparked = m->nheap = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t qi = m->heap[i];
		if (m->queues[qi].len)
			heap_push(m, qi);
	}
}

/* The queues whose head has `key`: those of the heap (under its top, which has it) and the parked
 * ones. Their number, or -1 without memory; *who is the caller's to free. */
static ptrdiff_t queues_at(const struct hp_merge *m, uint64_t key, uint32_t **who)
{
	uint32_t *w = malloc((m->nheap + m->nparked) * sizeof(*w) + 1), *todo = malloc(m->nheap * sizeof(*todo) + 1);
	size_t n = 0, ntodo = 0;

	if (!w || !todo) {
		free(w);
		free(todo);
		return -1;
	}
	if (m->nheap)
		todo[ntodo++] = 0;
	while (ntodo) { /* heap positions whose queue's head has the key: its children may too */
		size_t at = todo[--ntodo];
		const struct hp_merge_queue *q = &m->queues[m->heap[at]];
		if (q->ev[q->head].key != key)
			continue;
		w[n++] = m->heap[at];
		for (size_t c = 2 * at + 1; c <= 2 * at + 2 && c < m->nheap; c++)
			todo[ntodo++] = c;
	}
	for (size_t i = 0; i < m->nparked; i++) {
		const struct hp_merge_queue *q = &m->queues[m->parked[i]];
		if (q->ev[q->head].key == key)
			w[n++] = m->parked[i];
	}
	free(todo);
	*who = w;
	return (ptrdiff_t)n;
}

/* Steps a search may take per event: at a key's start, where most keys of threads that share an
 * arena need none (thousands of keys of a thread pool), few; once an event waits, more. */
#define START_STEPS 16
#define WAIT_STEPS 256

/* An order of all the queues' events of `key` in which each can happen (epoch_plan.h), when the
 * greedy one may go wrong: at the key's start (at_start), when two of its streams touch one region
 * of addresses; or when one of its events must wait. All of the key's events are queued (it is below
 * the SYNC's watermark, or the trace ended). 1 when they went in that order (*rc: the callback's
 * value); 0 when there was no need, or no order was found (then the merge goes on as before, and
 * tries no plan for this key again); -1 with m->nomem when memory runs out. */

static int plan_key(struct hp_merge *m, uint64_t key, struct hp_event *ev, int *rc, bool at_start)
{
	if (!m->alive || (m->has_unplanned && m->unplanned_key == key))
		return 0;
	if (m->nheap + m->nparked < 2)
		return 0; /* one stream: nothing to order it with (no list of queues to make) */
	uint32_t *who = NULL, *order = NULL;
	ptrdiff_t nwho = queues_at(m, key, &who);
	size_t *first = NULL, *n = NULL, total = 0;
	const struct hp_tick_event **evs = NULL;
	struct hp_epoch_regions regions = {0};
	int found = -1;

	if (nwho < 0) {
		m->nomem = true;
		return -1;
	}
	if (nwho < 2) { /* a stream alone waits on what no other stream of its key does */
		found = 0;
		goto out;
	}
	if (!(first = calloc((size_t)nwho, sizeof(*first))) || !(n = calloc((size_t)nwho, sizeof(*n))))
		goto out;
	for (ptrdiff_t i = 0; i < nwho; i++) {
		const struct hp_merge_queue *q = &m->queues[who[i]];
		first[i] = total;
		for (; n[i] < q->len && waiting(q, n[i])->key == key; n[i]++)
			hp_epoch_regions_add(&regions, (uint32_t)i, waiting(q, n[i]));
		total += n[i];
	}
	if (at_start && !regions.contested) { /* streams apart: any order of them is right */
		found = 0;
		goto out;
	}
	if (!(evs = malloc(total * sizeof(*evs))) || !(order = malloc(total * sizeof(*order))))
		goto out;
	for (ptrdiff_t i = 0; i < nwho; i++)
		for (size_t k = 0; k < n[i]; k++)
			evs[first[i] + k] = waiting(&m->queues[who[i]], k);
	struct hp_epoch_plan_input in = {(size_t)nwho, evs, first, n, m->alive, m->alive_heap,
					 at_start ? START_STEPS : WAIT_STEPS};
	found = hp_epoch_plan(&in, order);
	if (found <= 0)
		goto out;
	for (size_t k = 0; k < total && !*rc; k++) {
		struct hp_merge_queue *q = &m->queues[who[order[k]]];
		*rc = take_head(m, q, ev, true);
		if (!q->len)
			drained(q);
	}
	heap_rebuild(m);
out:
	/* No order after an event waited: the key is left to the rule above (a search at its start
	 * may give up early, and one that waits later tries again). */
	if (!found && !at_start) {
		m->has_unplanned = true;
		m->unplanned_key = key;
	}
	free(who);
	free(order);
	free(first);
	free(n);
	free(evs);
	if (found < 0)
		m->nomem = true;
	return found;
}

/* Releases queued events with key < limit (all of them when `all`: a key may be UINT64_MAX) in
 * (key, stream, arrival) order, but for those that must wait (HP_EVENT_NOT_YET); at most `count`.
 *
 * The queue at the top of the heap keeps the lead for as long as its head comes before the heads of
 * the others, the best of which is a child of the top: that whole run is released without touching
 * the heap, which is fixed once at its end: with one busy thread, one loop over its queue. */
static int release(struct hp_merge *m, uint64_t limit, bool all, size_t count)
{
	struct hp_event ev = {.merge = m};
	int rc = 0;
	/* A release of a bounded count is an overflow's, whose keys may not be whole: no plan then. */
	const bool whole_keys = count == SIZE_MAX;

	while (count && !rc) {
		if (force_parked(m, &ev, &rc)) {
			count--;
			continue;
		}
		if (!m->nheap)
			break;
		struct hp_merge_queue *q = &m->queues[m->heap[0]];
		uint64_t bound_tick = UINT64_MAX;
		uint32_t bound_key = UINT32_MAX;
		if (m->nheap > 1) {
			uint32_t c = m->nheap > 2 && before(m, m->heap[2], m->heap[1]) ? m->heap[2] : m->heap[1];
			const struct hp_merge_queue *qc = &m->queues[c];
			bound_tick = qc->ev[qc->head].key;
			bound_key = qc->key;
		}
		if (m->nparked) {
			const struct hp_merge_queue *p = &m->queues[m->parked[first_parked(m, false)]];
			if (p->ev[p->head].key < bound_tick) {
				bound_tick = p->ev[p->head].key; /* past it, the parked head goes first */
				bound_key = UINT32_MAX;
			}
		}
		if (!all && limit <= bound_tick) {
			bound_tick = limit; /* keys at or past the limit wait, whatever the stream */
			bound_key = 0;
		}
		size_t run = 0;
		bool parked = false, woke = false, replanned = false;
		/* A key's first release: its streams may trade blocks (epoch_plan.h). */
		uint64_t key = q->len ? q->ev[q->head].key : 0;
		if (m->epochs && whole_keys && m->alive && q->len && (all || key < limit) &&
		    !(m->has_started && m->started_key == key)) {
			m->has_started = true;
			m->started_key = key;
			int planned = plan_key(m, key, &ev, &rc, true);
			if (planned < 0) {
				rc = -1;
				break;
			}
			if (planned || rc)
				continue; /* the plan left the queues in the heap: their heads anywhere */
		}
		while (q->len && run < count) {
			struct hp_tick_event *e = &q->ev[q->head];
			if (e->key > bound_tick || (e->key == bound_tick && q->key > bound_key))
				break;
			if (e->key != key && m->epochs && whole_keys && m->alive)
				break; /* a key starts: first the look at its streams, above */
			if ((rc = take_head(m, q, &ev, false)) == HP_EVENT_NOT_YET) {
				rc = 0;
				/* A head waits: the other streams of its key may be waiting on it too. */
				int planned = whole_keys ? plan_key(m, e->key, &ev, &rc, false) : 0;
				if (planned < 0)
					rc = -1;
				else if (planned)
					replanned = true;
				else
					parked = true;
				break;
			}
			run++;
			if (rc)
				break;
			/* It may be what a parked head waits for; that one tries again once this run ends:
			 * a stream's own order decides which life of an address another thread frees (the
			 * one it leaves alive), not the stream number. */
			if (m->nparked && e->type <= HP_EV_REALLOC)
				for (size_t i = 0; i < m->nparked && !woke; i++)
					woke = mentions(&m->queues[m->parked[i]].ev[m->queues[m->parked[i]].head], e);
		}
		count -= run;
		if (replanned)
			continue; /* the plan left the queues in the heap: their heads anywhere */
		if (parked) {
			if (park_top(m)) {
				rc = -1;
				break;
			}
			if (woke)
				unpark(m, NULL);
			continue;
		}
		if (!q->len) {
			drained(q);
			m->heap[0] = m->heap[--m->nheap];
		}
		if (m->nheap)
			sift_down(m, 0);
		if (woke) {
			unpark(m, NULL);
			continue;
		}
		if (!run && !m->nparked)
			break; /* the best head is at or past the limit */
	}
	unpark(m, NULL);
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

/* Room in q's ring for `need` events. It grows by a quarter, not by doubling: in a storm one
 * stream's queue holds a sync window of some 300,000 events (17 MB), and a doubled ring was most of
 * the report's peak memory. Grown in place (realloc), its wrapped front part then moved to the new
 * end. 0, or -1 when memory runs out (q unchanged). */
static int ring_grow(struct hp_merge_queue *q, size_t need)
{
	/* Small at first: a trace may hold 100,000 streams of a few events each. */
	size_t cap = need + need / 4 > 4 ? need + need / 4 : 4;
	struct hp_tick_event *e = realloc(q->ev, cap * sizeof(*e));

	if (!e)
		return -1;
	if (q->head + q->len > q->cap) { /* wrapped: ev[head..old cap) goes to the end */
		size_t front = q->cap - q->head;
		memmove(e + cap - front, e + q->head, front * sizeof(*e));
		q->head = cap - front;
	}
	q->ev = e;
	q->cap = cap;
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
	if (q->len + n > q->cap && ring_grow(q, q->len + n)) {
		m->nomem = true;
		return -1;
	}
	bool was_empty = !q->len;
	size_t tail = ring_index(q, q->len);
	size_t first = n < q->cap - tail ? n : q->cap - tail;
	memcpy(q->ev + tail, ev, first * sizeof(*ev));
	memcpy(q->ev, ev + first, (n - first) * sizeof(*ev));
	for (size_t k = q->len; q->ends && k < q->len + n; k++)
		if (count_end(q, waiting(q, k), 1)) {
			m->nomem = true;
			return -1;
		}
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
			rc = release(m, ev[i++].tick, false, SIZE_MAX); /* SYNC's tick: the watermark */
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
