/* thread_buffer.c: creation, back-pressure and draining of the per-thread rings. */
#include "thread_buffer.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "compress_policy.h"
#include "event_calibration.h"
#include "event_path.h"
#include "hpt_format.h"
#include "own_memory.h"
#include "stack_cache.h"
#include "trace_writer.h"

/* r's header, all zero, made a new ring's over `capacity` bytes at data. */
static void ring_init(struct hp_ring *r, uint8_t *data, uint64_t capacity)
{
	r->data = data;
	r->capacity = capacity;
	r->limit = capacity;
	r->kick_at = capacity / 2;
	r->cost_countdown = r->cost_period = HP_COST_FIRST_PERIOD;
	r->cost_seed = (uint32_t)(uintptr_t)r | 1;
}

struct hp_ring *hp_ring_create(uint64_t capacity)
{
	size_t hdr = (sizeof(struct hp_ring) + 4095) & ~(size_t)4095;
	uint8_t *mem = hp_own_map(hdr + capacity);
	if (!mem)
		return NULL;

	struct hp_ring *r = (struct hp_ring *)mem;
	ring_init(r, mem + hdr, capacity);
	return r;
}

void hp_ring_renew(struct hp_ring *r)
{
	struct hp_stack_cache *cache = r->cache;
	uint8_t *data = r->data;
	uint64_t capacity = r->capacity;

	memset(r, 0, sizeof(*r));
	ring_init(r, data, capacity);
	r->cache = cache;
}

void hp_ring_start(struct hp_ring *r, uint32_t tid)
{
	r->tid = tid;
	hp_ring_event_begin(r);
	uint64_t t = hp_now();
	uint8_t *p = hp_event_epoch(r, hp_ring_reserve(r, HP_EVENT_MAX));
	p = hp_enc_tick_u(p, &r->st, HPT_THREAD_START, t, tid);
	hp_ring_commit(r, p);
	hp_ring_event_end(r);
}

void hp_ring_destroy(struct hp_ring *r)
{
	size_t hdr = (sizeof(struct hp_ring) + 4095) & ~(size_t)4095;

	hp_stack_cache_destroy(r->cache);
	hp_own_unmap(r, hdr + r->capacity);
}

void hp_ring_kick(struct hp_ring *r)
{
	int e = errno; /* hooks leave errno alone (event_path.h) */

	r->kick_at = r->head + r->capacity / 4;
	hp_writer_launch(); /* a ring a vfork child made in our memory registers no thread of ours */
	hp_writer_wake();
	errno = e;
}

void hp_ring_make_room(struct hp_ring *r, uint64_t need)
{
	/* Room for the WAIT record too, written below before the caller's record. */
	need += 32;
	uint64_t c = atomic_load_explicit(&r->consumed, memory_order_acquire);
	r->limit = c + r->capacity;
	if (r->head + need <= r->limit)
		return;

	int saved = errno; /* hooks leave errno alone (event_path.h) */
	uint64_t t0 = hp_now();
	unsigned spins = 0;
	hp_compress_note_wait();
	while (r->head + need > r->limit) {
		hp_writer_launch();
		hp_writer_wake();
		if (spins++ < 64) {
			__builtin_ia32_pause();
		} else {
			struct timespec ts = {0, 20000};
			nanosleep(&ts, NULL);
		}
		c = atomic_load_explicit(&r->consumed, memory_order_acquire);
		r->limit = c + r->capacity;
		if (!hp_writer_alive() && atomic_load_explicit(&hp_rec.state, memory_order_relaxed) != HP_STATE_ON)
			break; /* recording is over and its writer gone: nothing will drain us */
		if (spins % 1024 == 0 && getpid() != hp_rec.pid) {
			/* A fork before our constructor registered the fork handlers: the writer is the
			 * parent's. This process runs on unrecorded. */
			atomic_store(&hp_rec.state, HP_STATE_OFF);
			break;
		}
	}
	uint64_t waited = hp_now() - t0;
	r->waited += waited;
	errno = saved;
	if (r->head + need > r->limit)
		return; /* cannot happen while the writer lives; hp_ring_reserve's caller overwrites nothing */

	uint64_t off = r->head & (r->capacity - 1);
	uint8_t tmp[HP_ENC_WAIT_MAX], *p = hp_enc_wait(tmp, waited);
	uint64_t n = (uint64_t)(p - tmp);
	uint64_t first = n < r->capacity - off ? n : r->capacity - off;
	memcpy(r->data + off, tmp, first);
	memcpy(r->data, tmp + first, n - first);
	r->head += n;
}

uint64_t hp_ring_drain(struct hp_ring *r, uint8_t *dst, uint64_t upto)
{
	uint64_t c = atomic_load_explicit(&r->consumed, memory_order_relaxed);
	uint64_t n = upto - c;
	if (n == 0)
		return 0;
	uint64_t off = c & (r->capacity - 1);
	uint64_t first = n < r->capacity - off ? n : r->capacity - off;
	memcpy(dst, r->data + off, first);
	memcpy(dst + first, r->data, n - first);
	atomic_store_explicit(&r->consumed, upto, memory_order_release);
	return n;
}

uint8_t *hp_event_note_epoch(struct hp_ring *r, uint8_t *p, uint64_t epoch)
{
	if (HP_UNLIKELY(epoch & HP_EPOCH_FORKING)) {
		/* Another thread forks: this event waits until the child has its copy of the heap. Its
		 * allocation, made already, is missing from the child's (an address it keeps, unknown
		 * to the analyzer, counts as nothing); a free waits before its block is released, so
		 * the child keeps it, as its heap does. */
		int saved = errno;
		while ((epoch = atomic_load_explicit(&hp_rec.epoch, memory_order_acquire)) & HP_EPOCH_FORKING)
			sched_yield();
		errno = saved;
		if (epoch == r->st.epoch)
			return p;
	}
	atomic_store_explicit(&hp_rec.epoch_used, true, memory_order_relaxed);
	return hp_enc_epoch(p, &r->st, epoch);
}
