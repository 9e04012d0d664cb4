/* event_merge.h: puts the events of all streams in one causal order, by tick, as SYNC allows.
 *
 * Events wait in per-stream queues until a SYNC(W) says no event with tick < W is still to come;
 * then those are released in tick order (ties: stream, then arrival). Memory holds one sync window,
 * and never more than HP_MERGE_MAX_PENDING events: past that the oldest are released anyway and the
 * trace's order across threads is reported as not guaranteed.
 */
#ifndef HP_EVENT_MERGE_H
#define HP_EVENT_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

#define HP_MERGE_MAX_PENDING (4u << 20)

struct hp_merge_queue;

struct hp_merge {
	struct hp_defs *defs;
	hp_event_fn fn;
	void *ctx;
	struct hp_merge_queue *queues; /* open addressing by stream */
	size_t cap, used;
	uint32_t *heap; /* indexes of non-empty queues, by head tick */
	size_t nheap;
	size_t pending;
	uint64_t seq;
	/* The trace clock: first and latest CLOCK pairs. */
	uint64_t t0, mono0, t1, mono1;
	unsigned nclock;
	bool tsc;
	uint64_t *event_ticks; /* the decoder's CALIBRATION value, converted when the clock is known */
	bool overflowed;
	uint64_t released;
};

void hp_merge_init(struct hp_merge *m, struct hp_defs *defs, hp_event_fn fn, void *ctx, bool tsc,
		   uint64_t *event_ticks);
void hp_merge_release(struct hp_merge *m);
/* The decoder's emit: takes the event (and its words). Returns fn's non-zero value, or -1 on ENOMEM. */
int hp_merge_push(void *merge, struct hp_event *ev);
/* End of the trace: releases everything. */
int hp_merge_flush(struct hp_merge *m);
/* Nanoseconds since the first CLOCK for a tick. */
uint64_t hp_merge_ns(const struct hp_merge *m, uint64_t tick);

#endif
