/* nested_events.c: events of signal handlers that interrupt the recorder, queued and written after
 * the interrupted event, and the count of those that did not fit. */
#include <errno.h>

#include "event_path.h"
#include "recorder.h"
#include "thread_buffer.h"

/* Writes the count of events a signal handler made while this thread was inside the recorder. */
static void flush_lost(struct hp_ring *r, uint64_t t)
{
	uint8_t *p = hp_ring_reserve(r, HP_EVENT_MAX);

	p = hp_enc_lost(p, &r->st, t, hp_tls.lost, HPT_LOST_REENTERED);
	hp_ring_commit(r, p);
	hp_tls.lost = 0;
}

void hp_record_nested(unsigned type, unsigned kind, uint64_t addr, uint64_t addr2, uint64_t size, bool failed)
{
	uint32_t tail = hp_tls.nested_tail;

	if (tail - hp_tls.nested_head >= HP_NESTED_MAX) {
		hp_tls.lost++;
		return;
	}
	hp_tls.nested[tail % HP_NESTED_MAX] =
		(struct hp_nested){(uint8_t)type, (uint8_t)kind, failed, addr, addr2, size};
	atomic_signal_fence(memory_order_seq_cst);
	hp_tls.nested_tail = tail + 1;
}

/* Writes the nested events in arrival order; called with the guard at HP_GUARD_EVENT, so that a
 * signal arriving meanwhile queues behind them. */
void hp_drain_nested(struct hp_ring *r)
{
	int saved = errno; /* a full ring may make us wait */

	while (hp_tls.nested_head != hp_tls.nested_tail) {
		struct hp_nested e = hp_tls.nested[hp_tls.nested_head % HP_NESTED_MAX];
		atomic_signal_fence(memory_order_seq_cst);
		hp_tls.nested_head++;
		/* Allocation events take the stream's epoch: written after the interrupted event, in its
		 * epoch or a later one, as if the handler had run just after it. */
		uint8_t *p = hp_event_epoch(r, hp_ring_reserve(r, HP_EVENT_MAX));
		switch (e.type) {
		case HPT_ALLOC:
			p = hp_enc_alloc(p, &r->st, e.kind, e.addr, e.size, 0);
			break;
		case HPT_FREE:
			p = hp_enc_free(p, &r->st, e.kind, e.addr);
			break;
		case HPT_REALLOC:
			p = hp_enc_realloc(p, &r->st, e.kind, e.failed ? HPT_REALLOC_FAILED : 0, e.addr, e.addr2,
					   e.size, 0);
			break;
		default:
			p = hp_enc_alloc_fail(p, e.kind, e.size, 0);
			break;
		}
		hp_ring_commit(r, p);
	}
	errno = saved;
}

uint8_t *hp_event_room_slow(struct hp_ring *r, uint64_t t)
{
	/* A signal handler's allocations queued meanwhile go first; they carry no tick, so our event's
	 * stays in order after them. */
	if (hp_tls.nested_head != hp_tls.nested_tail)
		hp_drain_nested(r);
	if (hp_tls.lost)
		flush_lost(r, t);
	return hp_ring_reserve(r, HP_EVENT_MAX);
}
