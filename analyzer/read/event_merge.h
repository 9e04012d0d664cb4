/* event_merge.h: puts the events of all streams in one causal order, by key, as SYNC allows.
 *
 * Events wait in per-stream queues until a SYNC(W) says no event with key < W is still to come;
 * then those are released in key order (ties: stream, then arrival). A key is a tick, or in format
 * version 3 a stream's epoch, which many events share: among those, the callback restores the order
 * of a free and the reuse of its address by answering HP_EVENT_NOT_YET (trace.h), and the merge
 * delivers the other streams' events first (docs/trace-format.md, "Epochs"). Memory holds one sync
 * window, and never more than HP_MERGE_MAX_PENDING events: past that the oldest are released anyway
 * and the trace's order across threads is reported as not guaranteed.
 */
#ifndef HP_EVENT_MERGE_H
#define HP_EVENT_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "read/epoch_plan.h"
#include "read/record_decoder.h"
#include "read/trace.h"
#include "util/idmap.h"

#define HP_MERGE_MAX_PENDING (4u << 20)

struct hp_merge_queue;

struct hp_merge {
	struct hp_defs *defs;
	hp_event_fn fn;
	void *ctx;
	struct hp_merge_queue *queues; /* one per stream, in the order they came: queues[0..nqueues) */
	size_t nqueues, queues_cap;
	struct hp_idmap streams;       /* stream → its index in queues, + 1 */
	struct hp_merge_queue *last;   /* the queue of the latest push: streams come in runs */
	uint32_t *heap; /* indexes of non-empty queues, by head (key, stream); room for nqueues */
	size_t nheap, heap_cap;
	uint32_t *parked; /* queues out of the heap during a release: their head must wait */
	size_t nparked, parked_cap;
	size_t pending;
	size_t max_pending; /* HP_MERGE_MAX_PENDING; tests lower it */
	/* The trace clock: first and latest CLOCK pairs. */
	uint64_t t0, mono0, t1, mono1;
	unsigned __int128 ns_per_tick; /* (mono1 - mono0) / (t1 - t0) in 64.64 fixed point; 0: no rate */
	unsigned nclock;
	bool tsc;
	const uint64_t *event_ticks; /* the decoder's CALIBRATION values (2), converted when the clock is known */
	/* The consumer's heap, as hp_merge_note_heap last gave it: what an epoch's plan starts from. */
	hp_alive_fn alive;
	void *alive_heap;
	uint64_t unplanned_key; /* the key whose events no plan fits, when has_unplanned */
	bool has_unplanned;
	uint64_t started_key; /* the key whose first release looked for a plan, when has_started */
	bool has_started;
	bool epochs; /* keys are epochs (version 3 on), which many events share: a key's start is looked at */
	bool overflowed; /* events were released before their SYNC */
	bool nomem;      /* the last -1 of hp_merge_push was out of memory, not the callback */
	uint64_t released;
};

/* event_ticks may be NULL. Nothing is allocated until the first event. */
void hp_merge_init(struct hp_merge *m, struct hp_defs *defs, hp_event_fn fn, void *ctx, bool tsc,
		   const uint64_t *event_ticks);
/* Frees what is still queued, without delivering it. */
void hp_merge_release(struct hp_merge *m);
/* The decoder's emit: takes n events (and their extra), in order, handling HP_EV__CLOCK and
 * HP_EV__SYNC pseudo-events. Returns 0, fn's non-zero value, or -1 with m->nomem on ENOMEM. */
int hp_merge_push(void *merge, struct hp_tick_event *ev, size_t n);
/* End of the trace: releases everything queued, in order. Returns 0 or fn's non-zero value. */
int hp_merge_flush(struct hp_merge *m);
/* For the callback, about ev, the free of addr it is given: whether the queued
 * events of `stream` (the block's allocator) with ev's key end addr before they hand it out.
 * Then the free waits: the allocator frees that life itself, and the free asked about ends a later
 * one (docs/trace-format.md, "Epochs"). Asked only of frees across threads; each stream asked about
 * keeps a count of the addresses its queue frees, so that most answers cost one lookup. */
bool hp_merge_ends_first(const struct hp_event *ev, uint32_t stream, uint64_t addr);
/* For the callback that answers HP_EVENT_NOT_YET about ev: how the merge asks which blocks are alive
 * (heap, by alive), should the streams of ev's key leave each other waiting; then it looks for an
 * order of all their events of that key (epoch_plan.h). */
void hp_merge_note_heap(const struct hp_event *ev, hp_alive_fn alive, void *heap);
/* Nanoseconds since the first CLOCK for a tick, by the pairs seen so far (0 before any CLOCK). Without
 * HPT_FEAT_TSC, or with one pair only, ticks are taken as nanoseconds. */
uint64_t hp_merge_ns(const struct hp_merge *m, uint64_t tick);
/* A duration in ticks as nanoseconds, by the same rule. */
uint64_t hp_merge_duration_ns(const struct hp_merge *m, uint64_t ticks);

#endif
