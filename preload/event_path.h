/* event_path.h: the per-event fast path, inlined into every hook: the thread's ring, its stack, the
 * clock, the encoder and publication, with the rare cases (a thread's first event, a signal handler's
 * event, a full ring, an unwind) out of line in thread_ring.c, nested_events.c, stack_unwind.c and
 * thread_buffer.c.
 *
 * The hooks' contract (STYLE.md: save errno, guard, call the real function, record, restore errno) is
 * kept by construction: nothing on this path can change errno (no system call, no library call), and
 * each slow path that can saves and restores it itself. That spares every event two calls to
 * __errno_location.
 */
#ifndef HP_EVENT_PATH_H
#define HP_EVENT_PATH_H

#include <errno.h>

#include "clock.h"
#include "event_encoder.h"
#include "recorder.h"
#include "stack_cache.h"
#include "thread_buffer.h"

/* thread_ring.c: the calling thread's first ring (NULL without memory). */
struct hp_ring *hp_ring_for_thread(void) HP_HIDDEN;
/* stack_unwind.c: unwinds the stack (the cache missed) and interns it; 0 when there is none. */
uint32_t hp_stack_unwind(struct hp_ring *r, uint64_t sp, uint64_t ret) HP_HIDDEN;

/* True when the events in `what` (HP_RECORD_*) from this thread should be recorded now. */
static inline bool hp_recording_what(unsigned what)
{
	return hp_recording() && (hp_rec.cfg.what & what);
}

static inline struct hp_ring *hp_ring_get(void)
{
	struct hp_ring *r = hp_tls.ring;

	return HP_LIKELY(r) ? r : hp_ring_for_thread();
}

/* Where the program called the hook: its return address and its stack pointer after the call. Our
 * own frames all keep frame pointers (Makefile), so following them to the first return address
 * outside our code is exact; at most a few of our frames lie between here and the hook. */
__attribute__((always_inline)) static inline bool hp_program_frame(uint64_t *sp, uint64_t *ret)
{
	const uint64_t *fp = __builtin_frame_address(0);

	for (int i = 0; i < 8 && fp; i++) {
		uint64_t ra = fp[1];
		if (ra < hp_rec.text_lo || ra >= hp_rec.text_hi) {
			*ret = ra;
			*sp = (uint64_t)(fp + 2);
			return true;
		}
		fp = (const uint64_t *)fp[0];
	}
	return false;
}

/* The id of the program's current stack (0: `depth` is 0, stacks are off, or none could be had). From
 * here to the event's close the guard is HP_GUARD_EVENT: a signal handler that allocates meanwhile
 * neither reads the stack cache half updated nor writes into the ring at our place; its event is
 * queued. The hooks pass the configured depth; calibration passes 0, to measure the rest. */
__attribute__((always_inline)) static inline uint32_t hp_stack_capture(struct hp_ring *r, unsigned depth)
{
	uint64_t sp = 0, ret = 0;

	hp_tls.guard = HP_GUARD_EVENT;
	if (!depth)
		return 0;
	if (HP_LIKELY(r->cache) && hp_program_frame(&sp, &ret)) {
		uint32_t id = hp_stack_cache_find(r->cache, sp, ret);
		if (HP_LIKELY(id))
			return id;
	}
	return hp_stack_unwind(r, sp, ret);
}

/* An event in three steps: open (the ring is announced busy before the tick is read, see
 * hp_ring_low_tick, and the guard turns a signal handler's allocation into a nested event), the tick,
 * room, encoding, close. The common case (nothing queued by a signal handler, nothing lost, room in
 * the ring without wrapping) takes a path with no call, so the compiler keeps it in registers; the
 * rest goes out of line. */

/* nested_events.c: the uncommon cases: nested events queued by a signal handler (written in order), a LOST
 * record before the event, and room that needs waiting or the scratch area. */
void hp_drain_nested(struct hp_ring *r) HP_HIDDEN;
uint8_t *hp_event_room_slow(struct hp_ring *r, uint64_t t) HP_HIDDEN;

/* Opens an event; returns its room in the common case, NULL otherwise (then hp_event_room_slow). */
static inline uint8_t *hp_event_open(struct hp_ring *r)
{
	hp_tls.guard = HP_GUARD_EVENT;
	hp_ring_event_begin(r);
	if (HP_UNLIKELY(hp_tls.nested_head != hp_tls.nested_tail || hp_tls.lost))
		return NULL;
	return hp_ring_room(r, HP_EVENT_MAX);
}

/* Publishes the event written from `fast` (hp_event_open's room, or NULL for hp_event_room_slow's) to
 * `end`; nested events queued meanwhile follow it (their ticks are later). */
static inline void hp_event_close(struct hp_ring *r, uint8_t *fast, uint8_t *end)
{
	if (HP_LIKELY(fast))
		hp_ring_publish(r, (uint64_t)(end - fast));
	else
		hp_ring_commit(r, end);
	if (HP_UNLIKELY(hp_tls.nested_head != hp_tls.nested_tail))
		hp_drain_nested(r);
	hp_ring_event_end(r);
	hp_tls.guard = 0;
}

/* Notes the writer's epoch in the stream when it moved (rarely: about once a millisecond). Read after
 * hp_event_open announced the event, as a tick would be: the watermark's bound holds for it
 * (hp_ring_low_tick). A stream that notes a new epoch tells the writer the program is recording. */
uint8_t *hp_event_note_epoch(struct hp_ring *r, uint8_t *p, uint64_t epoch) HP_HIDDEN; /* thread_buffer.c */

__attribute__((always_inline)) static inline uint8_t *hp_event_epoch(struct hp_ring *r, uint8_t *p)
{
	uint64_t e = atomic_load_explicit(&hp_rec.epoch, memory_order_relaxed);

	return HP_LIKELY(e == r->st.epoch) ? p : hp_event_note_epoch(r, p, e);
}

/* Opens an event and reads its tick; returns where to encode it. `fast` is what hp_event_close needs. */
static inline uint8_t *hp_event_begin(struct hp_ring *r, uint8_t **fast, uint64_t *t)
{
	*fast = hp_event_open(r);
	*t = hp_now();
	return hp_event_epoch(r, HP_LIKELY(*fast) ? *fast : hp_event_room_slow(r, *t));
}

/* Opens an allocation event, which reads no clock: its time is the epoch (docs/trace-format.md,
 * "Epochs"), and the order of a free and the reuse of its address by another thread is restored by
 * the reader from the addresses themselves. A LOST record written first takes the stream's last tick:
 * the reader gives no record a time before the stream's epoch. */
__attribute__((always_inline)) static inline uint8_t *hp_event_begin_untimed(struct hp_ring *r, uint8_t **fast)
{
	*fast = hp_event_open(r);
	return hp_event_epoch(r, HP_LIKELY(*fast) ? *fast : hp_event_room_slow(r, r->st.tick));
}

/* Opens an allocation event on r that names the program's stack, captured to `depth` frames: the
 * stack is captured first (that sets the guard the event runs under), then the event opened. Returns
 * where to encode; *fast is what hp_event_close needs. */
__attribute__((always_inline)) static inline uint8_t *hp_event_begin_stacked(struct hp_ring *r, unsigned depth,
									     uint8_t **fast, uint32_t *stack)
{
	*stack = hp_stack_capture(r, depth);
	return hp_event_begin_untimed(r, fast);
}

/* The events. Each is called by a hook that checked hp_recording_what(): allocations after the real
 * allocator returned, frees before the real free. The hooks record into the thread's ring with the
 * configured depth; the _on forms take both, for calibration's private ring and depth 0. */
static inline void hp_record_alloc_on(struct hp_ring *r, unsigned depth, unsigned kind, void *ptr, size_t size)
{
	uint8_t *fast;
	uint32_t stack;
	uint8_t *p = hp_event_begin_stacked(r, depth, &fast, &stack);

	hp_event_close(r, fast, hp_enc_alloc(p, &r->st, kind, (uint64_t)ptr, size, stack));
}

/* event_calibration.c: an allocation event, or a free, timed as a sample of what the recorder costs. */
void hp_record_alloc_sampled(struct hp_ring *r, unsigned kind, void *ptr, size_t size) HP_HIDDEN;
void hp_record_free_sampled(struct hp_ring *r, unsigned kind, void *ptr) HP_HIDDEN;

static inline void hp_record_alloc(unsigned kind, void *ptr, size_t size)
{
	struct hp_ring *r = hp_ring_get();

	if (HP_UNLIKELY(!r))
		return;
	if (HP_LIKELY(--r->cost_countdown))
		hp_record_alloc_on(r, hp_rec.cfg.depth, kind, ptr, size);
	else
		hp_record_alloc_sampled(r, kind, ptr, size);
}

static inline void hp_record_alloc_fail(unsigned kind, size_t size)
{
	struct hp_ring *r = hp_ring_get();
	uint8_t *fast;
	uint32_t stack;

	if (HP_UNLIKELY(!r))
		return;
	uint8_t *p = hp_event_begin_stacked(r, hp_rec.cfg.depth, &fast, &stack);
	hp_event_close(r, fast, hp_enc_alloc_fail(p, kind, size, stack));
}

static inline void hp_record_free_on(struct hp_ring *r, unsigned kind, void *ptr)
{
	uint8_t *fast;
	uint8_t *p = hp_event_begin_untimed(r, &fast);

	hp_event_close(r, fast, hp_enc_free(p, &r->st, kind, (uint64_t)ptr));
}

static inline void hp_record_free(unsigned kind, void *ptr)
{
	struct hp_ring *r = hp_ring_get();

	if (HP_UNLIKELY(!r))
		return;
	if (HP_LIKELY(--r->cost_countdown))
		hp_record_free_on(r, kind, ptr);
	else
		hp_record_free_sampled(r, kind, ptr);
}

static inline void hp_record_realloc(unsigned kind, void *old, void *new_ptr, size_t size, bool failed)
{
	struct hp_ring *r = hp_ring_get();
	uint8_t *fast;
	uint32_t stack;

	if (HP_UNLIKELY(!r))
		return;
	uint8_t *p = hp_event_begin_stacked(r, hp_rec.cfg.depth, &fast, &stack);
	hp_event_close(r, fast, hp_enc_realloc(p, &r->st, kind, failed ? HPT_REALLOC_FAILED : 0, (uint64_t)old,
						(uint64_t)new_ptr, size, stack));
}

/* ZONE_BEGIN / ZONE_END / MARK (v: site id) and FUNC_ENTER / FUNC_EXIT (v: function address). */
__attribute__((always_inline)) static inline void hp_record_tick_u(struct hp_ring *r, unsigned type, uint64_t v)
{
	uint8_t *fast;
	uint64_t t;
	uint8_t *p = hp_event_begin(r, &fast, &t);
	hp_event_close(r, fast, hp_enc_tick_u(p, &r->st, type, t, v));
}

/* record --cpu-time: a ZONE_CPU record with the thread's CPU time, taken after a zone's begin event
 * and before its end event, so that the CPU time of a zone lies within its wall time. Linux serves
 * CLOCK_THREAD_CPUTIME_ID with a system call (the vDSO has only the wall clocks): this is the costly
 * part, and why it is an option (docs/performance.md). errno is kept, as the hooks' contract says. */
static inline uint64_t hp_thread_cpu_ns(void)
{
	struct timespec ts;
	int saved = errno;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)) {
		errno = saved;
		return 0;
	}
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline, unused)) static void hp_record_zone_cpu(struct hp_ring *r)
{
	uint64_t cpu = hp_thread_cpu_ns();
	uint8_t *fast;
	uint64_t t;
	uint8_t *p = hp_event_begin(r, &fast, &t);
	hp_event_close(r, fast, hp_enc_zone_cpu(p, cpu));
}

#endif
