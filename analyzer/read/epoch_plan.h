/* epoch_plan.h: an order of one key's events across streams in which every free ends a block alive
 * and every allocation hands out an address that is not, found by a search.
 *
 * The merge takes each stream's events while they can happen (event_merge.c); when the streams trade
 * blocks within one epoch (a node.js main thread hands buffers to a worker that frees them, thousands
 * of times a millisecond), that greedy choice can leave every stream waiting on another, and an
 * event then goes as it is, matched to the wrong life. Which events are alive depends only on how
 * many of each stream's events went, so a depth-first search over those positions, each visited
 * once, finds an order when one exists (docs/trace-format.md, "Epochs").
 */
#ifndef HP_EPOCH_PLAN_H
#define HP_EPOCH_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "read/record_decoder.h"

/* Whether a block starts at addr in the consumer's heap, before any event of the plan. */
typedef bool (*hp_alive_fn)(void *heap, uint64_t addr);

struct hp_epoch_plan_input {
	size_t nstreams;
	const struct hp_tick_event *const *ev; /* stream i's events: ev[first[i] .. first[i] + n[i]) */
	const size_t *first, *n;
	hp_alive_fn alive;
	void *heap;
	unsigned steps_per_event; /* how long the search may take: this many steps an event, and 64K more */
};

/* Whether the events of two streams fall in one 64 MiB region of addresses: the streams then may
 * trade blocks (glibc gives threads arenas of their own, and its main arena to some when there are
 * more threads than arenas), and an order found by search is worth its cost. Zero-initialise; add
 * each stream's events in its order. */
#define HP_EPOCH_REGIONS 64
struct hp_epoch_regions {
	uint64_t region[HP_EPOCH_REGIONS];
	uint32_t stream[HP_EPOCH_REGIONS];
	size_t n;
	uint64_t last; /* the region of the event added before, in last_stream */
	uint32_t last_stream;
	bool contested;
};

void hp_epoch_regions_add(struct hp_epoch_regions *r, uint32_t stream, const struct hp_tick_event *e);

/* Writes to order[0 .. Σn) the stream (0 .. nstreams) of each event in turn, each stream's events
 * keeping their order. 1 when found; 0 when none exists or the search took more steps than it may;
 * -1 when memory runs out. */
int hp_epoch_plan(const struct hp_epoch_plan_input *in, uint32_t *order);

#endif
