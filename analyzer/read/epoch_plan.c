/* epoch_plan.c: a depth-first search over how far each stream has gone, with the liveness of the
 * addresses its events touch kept in a small table over the consumer's heap and undone on the way
 * back. */
#include "read/epoch_plan.h"

#include <stdlib.h>
#include <string.h>

#include "read/trace.h"
#include "util/idmap.h"

/* Steps the search may take, past those its input allows per event, before it gives up (the merge
 * then goes on as before): the orders tried grow with the product of the streams' events when
 * nothing fits. */
#define STEPS_MIN 65536
#define STEPS_MAX (4u << 20) /* and the positions visited: 16 bytes each in their table, 64 MB */
#define EVENTS_MAX (1u << 20) /* a key of more events is not searched (a crafted trace's) */
#define SEARCHES 4 /* from the first or the second stream, keeping to runs or not */
#define OUT_OF_STEPS 2 /* search's answer when it gave up */

/* An address the plan's events touch: alive or not at the current position of the search. */
struct addr_state {
	uint64_t addr; /* 0: an empty slot */
	bool alive;
	bool alive0;          /* before the plan */
	uint32_t gives, ends; /* the plan's events that hand it out, that end it */
	uint32_t left_gives, left_ends; /* of those, the ones still to go at the search's position */
	uint32_t end_mark;    /* 1 + the stream whose events after the one looked at end it (a pass) */
};

struct undo {
	uint32_t slot;
	bool was;
};

struct search {
	const struct hp_epoch_plan_input *in;
	bool *closed; /* for each event that hands out an address: its stream ends it further on */
	struct addr_state *addrs;
	size_t addrs_mask;
	struct undo *log;
	size_t nlog;
	uint64_t *seen; /* hashes of positions visited, + 1 (0: empty); open addressing */
	size_t seen_cap, nseen;
};

static size_t pow2_at_least(size_t n)
{
	size_t c = 16;

	while (c < n)
		c *= 2;
	return c;
}

/* The slot of addr (non-zero), made with the consumer's answer the first time. */
static struct addr_state *addr_slot(struct search *s, uint64_t addr)
{
	for (size_t i = (size_t)hp_hash64(addr) & s->addrs_mask;; i = (i + 1) & s->addrs_mask) {
		struct addr_state *a = &s->addrs[i];
		if (a->addr == addr)
			return a;
		if (!a->addr) {
			bool v = s->in->alive(s->in->heap, addr);
			*a = (struct addr_state){.addr = addr, .alive = v, .alive0 = v};
			return a;
		}
	}
}

/* Whether an event can end addr now: it is alive, or nothing can make it so (a block from before
 * the recording, a lost allocation): such a free goes wherever its stream puts it. */
static bool can_end(struct search *s, uint64_t addr)
{
	const struct addr_state *a = addr_slot(s, addr);

	return a->alive || (!a->alive0 && !a->gives);
}

/* Whether an event can hand out addr now: it is not alive, or nothing can end it (a lost free). */
static bool can_give(struct search *s, uint64_t addr)
{
	const struct addr_state *a = addr_slot(s, addr);

	return !a->alive || (a->alive0 && !a->ends);
}

static void set_alive(struct search *s, uint64_t addr, bool v)
{
	struct addr_state *a = addr_slot(s, addr);

	s->log[s->nlog++] = (struct undo){(uint32_t)(a - s->addrs), a->alive};
	a->alive = v;
}

/* What e does to the blocks alive (hp_change_of: the lifecycle rule, read/trace.h). */
static bool change(const struct hp_tick_event *e, struct hp_heap_change *c)
{
	return hp_change_of(e->type, e->flags, e->addr, e->addr2, e->size, c);
}

/* Whether e can happen now, by the rule of hp_heap_not_yet: a free ends a block alive, an
 * allocation hands out an address that is not (a realloc in place keeps its own). */
static bool can_happen(struct search *s, const struct hp_tick_event *e)
{
	struct hp_heap_change c;

	if (!change(e, &c))
		return true;
	if (c.frees && c.gone && !can_end(s, c.gone))
		return false;
	return !c.adds || !c.added || c.added == c.gone || can_give(s, c.added);
}

/* Counts what each event does to its addresses, before the search. */
static void count_uses(struct search *s, const struct hp_tick_event *e)
{
	struct hp_heap_change c;

	if (!change(e, &c))
		return;
	if (c.frees && c.gone)
		addr_slot(s, c.gone)->ends++;
	if (c.adds && c.added)
		addr_slot(s, c.added)->gives++;
}

/* The address e ends (a realloc in place included: its block must be alive), or 0. */
static uint64_t ended(const struct hp_tick_event *e)
{
	struct hp_heap_change c;

	return change(e, &c) && c.frees ? c.gone : 0;
}

/* The address e hands out, or 0 (a realloc in place keeps its block). */
static uint64_t given(const struct hp_tick_event *e)
{
	struct hp_heap_change c;

	return change(e, &c) && c.adds && c.added != c.gone ? c.added : 0;
}

/* e goes (by -1) or comes back (by +1): what is left to go of its addresses' uses. */
static void count_left(struct search *s, const struct hp_tick_event *e, int by)
{
	uint64_t g = given(e), x = ended(e);

	if (g)
		addr_slot(s, g)->left_gives += (uint32_t)by;
	if (x)
		addr_slot(s, x)->left_ends += (uint32_t)by;
}

/* Whether stream i's event k, which hands out an address, leaves that life open past the key while
 * other streams still hand the address out: a life open at the key's end is its last, so the others'
 * go first. Such an event is tried after the rest; trying it first sent the search deep into orders
 * that could not end (4,000 threads: a thread's allocation taken before another's life of the same
 * address, which that one frees in the key). */
static bool leaves_open(struct search *s, size_t idx, const struct hp_tick_event *e)
{
	uint64_t g = given(e);

	return g && !s->closed[idx] && addr_slot(s, g)->left_gives >= 2;
}

/* For each event that hands out an address, whether its stream ends it further on: each stream read
 * backwards, marking the addresses it ends. */
static void mark_closed(struct search *s)
{
	const struct hp_epoch_plan_input *in = s->in;

	for (size_t i = 0; i < in->nstreams; i++)
		for (size_t k = in->n[i]; k-- > 0;) {
			const struct hp_tick_event *e = in->ev[in->first[i] + k];
			uint64_t g = given(e), x = ended(e);
			if (g)
				s->closed[in->first[i] + k] = addr_slot(s, g)->end_mark == i + 1;
			if (x)
				addr_slot(s, x)->end_mark = (uint32_t)i + 1;
		}
}

static void happen(struct search *s, const struct hp_tick_event *e)
{
	struct hp_heap_change c;

	if (!change(e, &c))
		return;
	if (c.frees && c.gone)
		set_alive(s, c.gone, false);
	if (c.adds && c.added)
		set_alive(s, c.added, true);
}

static void undo_to(struct search *s, size_t mark)
{
	while (s->nlog > mark) {
		const struct undo *u = &s->log[--s->nlog];
		s->addrs[u->slot].alive = u->was;
	}
}

/* Marks the positions of hash h visited; false when they were already (explored, or being). */
static int visit(struct search *s, uint64_t h)
{
	if (2 * (s->nseen + 1) > s->seen_cap) {
		size_t cap = s->seen_cap * 2;
		uint64_t *n = calloc(cap, sizeof(*n));
		if (!n)
			return -1;
		for (size_t i = 0; i < s->seen_cap; i++)
			if (s->seen[i]) {
				size_t j = (size_t)hp_hash64(s->seen[i]) & (cap - 1);
				while (n[j])
					j = (j + 1) & (cap - 1);
				n[j] = s->seen[i];
			}
		free(s->seen);
		s->seen = n;
		s->seen_cap = cap;
	}
	uint64_t key = h + 1 ? h + 1 : 1;
	size_t i = (size_t)hp_hash64(key) & (s->seen_cap - 1);
	for (; s->seen[i]; i = (i + 1) & (s->seen_cap - 1))
		if (s->seen[i] == key)
			return 0;
	s->seen[i] = key;
	s->nseen++;
	return 1;
}

/* The search proper, trying the streams from the one of the step before on when `runs` (from `rot`
 * at the first step, and at every step when not): order[d] is the stream taken at depth d, next[d]
 * how many of the streams were tried there. 1 when found, 0 when every order was tried (each
 * position once: none other exists), OUT_OF_STEPS, or -1 when memory runs out. */
static int search(struct search *s, size_t total, uint32_t *order, size_t rot, bool runs)
{
	const struct hp_epoch_plan_input *in = s->in;
	size_t *pos = calloc(in->nstreams, sizeof(*pos)), *next = calloc(total + 1, sizeof(*next));
	size_t *mark = calloc(total + 1, sizeof(*mark));
	uint64_t *weight = calloc(in->nstreams, sizeof(*weight));
	uint64_t h = 0, steps = 0, budget = (uint64_t)total * in->steps_per_event + STEPS_MIN;
	size_t d = 0;
	int rc = 0;

	if (!pos || !next || !mark || !weight) {
		rc = -1;
		goto out;
	}
	/* Positions hash as Σ pos[i] × weight[i]: one addition a step. */
	for (size_t i = 0; i < in->nstreams; i++)
		weight[i] = hp_hash64(i + 1) | 1;
	if (visit(s, h) < 0) {
		rc = -1;
		goto out;
	}
	while (d < total) {
		if (++steps > budget || steps > STEPS_MAX || s->nseen > STEPS_MAX) {
			rc = OUT_OF_STEPS;
			goto out;
		}
		/* The stream of the step before first: a run of one stream's events, as the merge takes
		 * them, costs a step each, and a key of hundreds of threads' streams is not scanned. */
		size_t j = next[d], i = 0, from = d && runs ? order[d - 1] : rot, tries = 2 * in->nstreams;
		for (; j < tries; j++) { /* the events that leave no life open first, then those */
			i = (j % in->nstreams + from) % in->nstreams;
			if (pos[i] == in->n[i])
				continue;
			size_t idx = in->first[i] + pos[i];
			const struct hp_tick_event *e = in->ev[idx];
			if (leaves_open(s, idx, e) != (j >= in->nstreams) || !can_happen(s, e))
				continue;
			int v = visit(s, h + weight[i]);
			if (v < 0) {
				rc = -1;
				goto out;
			}
			if (v) {
				mark[d] = s->nlog;
				happen(s, e);
				count_left(s, e, -1);
				break;
			}
		}
		if (j < tries) {
			order[d] = (uint32_t)i;
			next[d] = j + 1;
			pos[i]++;
			h += weight[i];
			next[++d] = 0;
			continue;
		}
		if (!d) /* every order tried: none fits */
			goto out;
		d--;
		pos[order[d]]--;
		h -= weight[order[d]];
		undo_to(s, mark[d]);
		count_left(s, in->ev[in->first[order[d]] + pos[order[d]]], +1);
	}
	rc = 1;
out:
	free(pos);
	free(next);
	free(mark);
	free(weight);
	return rc;
}

#define REGION_SHIFT 26 /* 64 MiB: a glibc arena's heap is at most this large and this aligned */

void hp_epoch_regions_add(struct hp_epoch_regions *r, uint32_t stream, const struct hp_tick_event *e)
{
	uint64_t a = e->type == HP_EV_REALLOC && !e->addr ? e->addr2 : e->addr;
	uint64_t region = e->type <= HP_EV_REALLOC && a ? (a >> REGION_SHIFT) + 1 : 0;

	if (!region || r->contested || (region == r->last && stream == r->last_stream))
		return; /* most events are in the region of the one before */
	r->last = region;
	r->last_stream = stream;
	size_t j = 0;
	while (j < r->n && r->region[j] != region)
		j++;
	if (j < r->n) {
		r->contested = r->stream[j] != stream;
	} else if (r->n == HP_EPOCH_REGIONS) {
		r->contested = true; /* a key this scattered is searched rather than judged */
	} else {
		r->region[r->n] = region;
		r->stream[r->n++] = stream;
	}
}

int hp_epoch_plan(const struct hp_epoch_plan_input *in, uint32_t *order)
{
	size_t total = 0;

	for (size_t i = 0; i < in->nstreams; i++)
		total += in->n[i];
	if (total > EVENTS_MAX)
		return 0;
	struct search s = {.in = in};
	/* Each event touches two addresses at most: a table of twice that many stays half empty. */
	s.addrs_mask = pow2_at_least(4 * total) - 1;
	s.addrs = calloc(s.addrs_mask + 1, sizeof(*s.addrs));
	s.log = malloc((2 * total + 1) * sizeof(*s.log));
	s.seen_cap = pow2_at_least(2 * total);
	s.seen = calloc(s.seen_cap, sizeof(*s.seen));
	s.closed = calloc(total ? total : 1, sizeof(*s.closed));
	if (!s.addrs || !s.log || !s.seen || !s.closed) {
		free(s.addrs);
		free(s.log);
		free(s.seen);
		free(s.closed);
		return -1;
	}
	for (size_t i = 0; i < in->nstreams; i++)
		for (size_t k = 0; k < in->n[i]; k++)
			count_uses(&s, in->ev[in->first[i] + k]);
	mark_closed(&s);
	/* A search that runs out of steps has gone deep on a wrong early choice: one that prefers
	 * other streams first may not. One that tried every order proved there is none. */
	int rc = OUT_OF_STEPS;
	for (size_t t = 0; rc == OUT_OF_STEPS && t / 2 < in->nstreams && t < SEARCHES; t++) {
		size_t rot = t / 2;
		for (size_t i = 0; i <= s.addrs_mask; i++) {
			struct addr_state *a = &s.addrs[i];
			a->alive = a->alive0;
			a->left_gives = a->gives;
			a->left_ends = a->ends;
		}
		memset(s.seen, 0, s.seen_cap * sizeof(*s.seen));
		s.nseen = s.nlog = 0;
		rc = search(&s, total, order, rot, t % 2 == 0);
	}
	free(s.addrs);
	free(s.log);
	free(s.seen);
	free(s.closed);
	return rc == OUT_OF_STEPS ? 0 : rc;
}
