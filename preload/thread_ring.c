/* thread_ring.c: gives each thread its ring on its first event and ends its stream when it exits. */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "event_path.h"
#include "stack_cache.h"
#include "thread_buffer.h"
#include "thread_ring.h"
#include "trace_writer.h"

static pthread_key_t exit_key;

struct hp_ring *hp_ring_for_thread(void)
{
	int e = errno;

	/* Nothing here allocates: a signal handler's allocation meanwhile is queued (hp_record_nested)
	 * and written with the thread's first event. */
	hp_tls.guard = HP_GUARD_EVENT;
	if (hp_thread_stack(&hp_tls.stack_lo, &hp_tls.stack_hi))
		hp_tls.stack_lo = hp_tls.stack_hi = 0;
	struct hp_ring *r = hp_writer_spare_ring(hp_tls.stack_lo, hp_tls.stack_hi);
	if (!r)
		r = hp_ring_create((uint64_t)hp_rec.cfg.buffer_kb * 1024);
	if (r) {
		r->stack_lo = hp_tls.stack_lo;
		r->stack_hi = hp_tls.stack_hi;
		/* A spare ring's cache serves a thread on the same stack (glibc hands an ended thread's
		 * stack to the next one): each entry is checked against what the stack holds, as it is
		 * for its own thread later on, and a stack of the same bounds is safe to read there. */
		if (r->cache && (r->cache->stack_lo != hp_tls.stack_lo || r->cache->stack_hi != hp_tls.stack_hi)) {
			hp_stack_cache_destroy(r->cache);
			r->cache = NULL;
		}
		if (!r->cache && hp_rec.cfg.depth && hp_rec.cfg.stack_cache && hp_tls.stack_hi)
			r->cache = hp_stack_cache_create(hp_rec.cfg.depth, hp_tls.stack_lo, hp_tls.stack_hi);
		hp_writer_register(r);
		hp_ring_start(r, (uint32_t)gettid());
		hp_tls.ring = r;
		hp_tls.exit_passes = 0;
	}
	hp_tls.guard = 0;
	/* With the ring in place: glibc may allocate the key's slot here (keys past the 32nd), an
	 * allocation of the program's process like any other, which it frees at the thread's exit. */
	if (r)
		pthread_setspecific(exit_key, r);
	errno = e;
	return r;
}

/* Runs in each exiting thread. Re-armed for two more destructor rounds, so that allocations made by
 * other libraries' thread destructors after ours still land in this stream. */
static void on_thread_exit(void *arg)
{
	struct hp_ring *r = arg;

	if (r != hp_tls.ring)
		return;
	if (++hp_tls.exit_passes < 3) {
		pthread_setspecific(exit_key, r);
		return;
	}
	hp_tls.guard = HP_GUARD_EVENT;
	hp_ring_event_begin(r);
	uint8_t *p = hp_event_epoch(r, hp_ring_reserve(r, HP_EVENT_MAX));
	p = hp_enc_thread_end(p, &r->st, hp_now());
	hp_ring_commit(r, p);
	hp_ring_event_end(r);
	hp_tls.ring = NULL;
	hp_tls.guard = 0;
	atomic_store_explicit(&r->closed, 1, memory_order_release);
	/* Drained now, the ring can serve the next thread (hp_writer_spare_ring); but no system call of
	 * ours once recording has stopped (a seccomp filter may forbid it). */
	if (atomic_load_explicit(&hp_rec.state, memory_order_relaxed) == HP_STATE_ON)
		hp_writer_wake();
}

int hp_thread_ring_setup(void)
{
	return pthread_key_create(&exit_key, on_thread_exit);
}

void hp_thread_ring_forget(void)
{
	hp_tls.ring = NULL;
	pthread_setspecific(exit_key, NULL);
}
