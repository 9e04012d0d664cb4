/* thread_buffer.h: one lock-free ring per thread; the thread appends records, the writer drains them.
 *
 * Threading: `head`, `limit`, `events`, the encoder state and the scratch area belong to the producing
 * thread; `committed` and `busy` are written by it and read by the writer; `consumed` is written by the
 * writer and read by the producer; the writer-private fields are touched only by the writer thread.
 * A record is published by the release store of `committed`, so the writer never sees half a record.
 * When the ring is full the producer waits for the writer (lossless) and records how long.
 */
#ifndef HP_THREAD_BUFFER_H
#define HP_THREAD_BUFFER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "event_calibration.h"
#include "event_encoder.h"
#include "recorder.h"

struct hp_stack_cache;

/* The largest record a producer writes in one reservation: the scratch area holds one that wraps
 * around the ring's end. Every record event_encoder.h bounds is checked against it here (a
 * MODULE_LOAD, bounded by module_map.h, in module_events.c). PROCESS and SUPPRESSIONS are bounded
 * only at run time and never enter a ring: the writer stages them (trace_chunks.c). */
#define HP_RECORD_MAX 16384
_Static_assert(HP_EVENT_MAX <= HP_RECORD_MAX, "an event fits the scratch area");
_Static_assert(HP_ENC_STACK_SIZE(HP_MAX_DEPTH) <= HP_RECORD_MAX, "a STACK of HP_MAX_DEPTH frames fits");
_Static_assert(HP_ENC_SITE_SIZE_MAX <= HP_RECORD_MAX, "a SITE with its three strings at their longest fits");
_Static_assert(HP_ENC_WAIT_MAX <= HP_RECORD_MAX, "a WAIT fits");
_Static_assert(HP_ENC_PLAIN_SIZE(12) <= HP_RECORD_MAX, "a plain record of as many values as its length byte allows fits");
_Static_assert(HP_ENC_THREAD_NAME_MAX <= HP_RECORD_MAX, "a THREAD_NAME fits");
_Static_assert(HP_ENC_MODULE_UNLOAD_MAX <= HP_RECORD_MAX, "a MODULE_UNLOAD fits");
_Static_assert(HP_ENC_UNRECORDED_PROGRAM_MAX <= HP_RECORD_MAX, "an UNRECORDED_PROGRAM fits");

struct hp_ring {
	/* producer */
	uint8_t *data;
	uint64_t capacity; /* power of two */
	uint64_t head;
	uint64_t limit;   /* consumed + capacity, as last seen */
	uint64_t kick_at; /* wake the writer once head passes this */
	struct hp_enc_state st; /* what the reader will mirror: last tick, last address */
	bool in_scratch;
	struct hp_stack_cache *cache; /* the producing thread's; NULL: stacks are unwound every time */
	uint32_t stream;
	uint32_t tid;
	uint32_t events;       /* twice the events recorded so far */
	/* The recorder's cost, sampled on allocation events (event_calibration.c): the events until
	 * the next sample, the period it counts down from, and since the stream's last EVENT_COST the
	 * samples (cost_sample, in ticks) and the events they stand for. */
	uint32_t cost_countdown, cost_period, cost_samples, cost_seed;
	uint64_t cost_events;
	bool cost_reported; /* an EVENT_COST was written: the next ones wait for more samples */
	uint64_t waited; /* ticks waited for room in all (hp_ring_make_room), which samples leave out */
	/* `events` + 1 while an event is being recorded (odd), `events` between events (even): the
	 * writer tells a new event from one still in flight since its last look (watermark). */
	_Atomic uint32_t busy;
	_Alignas(64) _Atomic uint64_t committed;
	_Alignas(64) _Atomic uint64_t consumed;
	_Atomic int closed; /* the thread is gone: drain, then free */
	/* writer */
	uint64_t lo_tick; /* lowest tick an unpublished event of this ring may carry */
	uint32_t busy_seen; /* `busy` at the previous round */
	bool seen;
	uint64_t name_checked_ns;
	uint64_t stack_lo, stack_hi; /* its thread's stack (0, 0: unknown) */
	uint64_t fork_sp; /* its thread's stack pointer as another thread forked (0: unknown), for the child */
	char name[16];
	struct hp_ring *next;
	uint64_t cost_sample[HP_COST_SAMPLES];
	uint8_t scratch[HP_RECORD_MAX];
};

/* A new, empty ring; NULL when memory cannot be had. */
struct hp_ring *hp_ring_create(uint64_t capacity) HP_HIDDEN;
/* Writes the THREAD_START record of the calling thread's ring, once registered with the writer. */
void hp_ring_start(struct hp_ring *r, uint32_t tid) HP_HIDDEN;
void hp_ring_destroy(struct hp_ring *r) HP_HIDDEN;
/* A ring whose thread ended and whose events are all written, made empty for another thread: its
 * memory stays, the pages its first thread touched already in place, and so does its stack cache. */
void hp_ring_renew(struct hp_ring *r) HP_HIDDEN;
/* Waits until `need` bytes are free, then writes a WAIT record for the time spent (slow path). */
void hp_ring_make_room(struct hp_ring *r, uint64_t need) HP_HIDDEN;
void hp_ring_kick(struct hp_ring *r) HP_HIDDEN;
/* Writer, each round, after membarrier(): the lowest tick an event of r not yet published may carry.
 * T is this round's tick (read before membarrier), prev_T the previous round's; `first`: r was
 * registered since the previous round. A thread seen idle takes every later tick after T; one busy
 * with another event than at the previous look began it after that look, so after prev_T; one busy
 * with the same event may carry any tick since it began (the bound stays). */
static inline uint64_t hp_ring_low_tick(struct hp_ring *r, bool first, uint64_t T, uint64_t prev_T)
{
	uint32_t seq = atomic_load_explicit(&r->busy, memory_order_acquire);

	if (first || ((seq & 1) && seq != r->busy_seen))
		r->lo_tick = prev_T;
	if (!(seq & 1))
		r->lo_tick = T;
	r->busy_seen = seq;
	return r->lo_tick;
}

/* Copies the published, unconsumed bytes to dst (room for `capacity` bytes) and releases them.
 * Returns the number of bytes copied. Writer only. */
uint64_t hp_ring_drain(struct hp_ring *r, uint8_t *dst, uint64_t upto) HP_HIDDEN;

/* Announces an event in flight; the writer's membarrier() makes the store visible before it reads
 * the ring, so no fence is needed here unless membarrier is unavailable. */
static inline void hp_ring_event_begin(struct hp_ring *r)
{
	atomic_store_explicit(&r->busy, r->events + 1, memory_order_relaxed);
	if (HP_UNLIKELY(!hp_rec.membarrier))
		atomic_thread_fence(memory_order_seq_cst);
	else
		atomic_signal_fence(memory_order_seq_cst);
}

static inline void hp_ring_event_end(struct hp_ring *r)
{
	r->events += 2;
	atomic_store_explicit(&r->busy, r->events, memory_order_release);
}

/* Room for `max` bytes in the ring itself when it has them now and in one piece; NULL otherwise (then
 * hp_ring_reserve, which waits or uses the scratch area). Publish with hp_ring_publish. */
static inline uint8_t *hp_ring_room(struct hp_ring *r, uint64_t max)
{
	uint64_t off = r->head & (r->capacity - 1);

	if (HP_UNLIKELY(r->head + max > r->limit || off + max > r->capacity))
		return NULL;
	return r->data + off;
}

/* Publishes the n bytes of records written at the ring's head, and wakes the writer when due. */
static inline void hp_ring_publish(struct hp_ring *r, uint64_t n)
{
	r->head += n;
	atomic_store_explicit(&r->committed, r->head, memory_order_release);
	if (HP_UNLIKELY(r->head > r->kick_at))
		hp_ring_kick(r);
}

/* Returns room for `max` bytes of records, waiting for it if need be: the ring itself, or the scratch
 * area when the room wraps around the end (hp_ring_commit copies it then). */
static inline uint8_t *hp_ring_reserve(struct hp_ring *r, uint64_t max)
{
	if (HP_UNLIKELY(r->head + max > r->limit))
		hp_ring_make_room(r, max);
	uint64_t off = r->head & (r->capacity - 1);
	if (HP_LIKELY(off + max <= r->capacity)) {
		r->in_scratch = false;
		return r->data + off;
	}
	r->in_scratch = true;
	return r->scratch;
}

/* Publishes the records written from hp_ring_reserve's room up to `end`. */
static inline void hp_ring_commit(struct hp_ring *r, uint8_t *end)
{
	uint64_t off = r->head & (r->capacity - 1);

	if (HP_LIKELY(!r->in_scratch)) {
		hp_ring_publish(r, (uint64_t)(end - (r->data + off)));
		return;
	}
	uint64_t n = (uint64_t)(end - r->scratch);
	uint64_t first = n < r->capacity - off ? n : r->capacity - off;
	memcpy(r->data + off, r->scratch, first);
	memcpy(r->data, r->scratch + first, n - first);
	hp_ring_publish(r, n);
}

#endif
