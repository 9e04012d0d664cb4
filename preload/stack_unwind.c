/* stack_unwind.c: captures the calling stack (libunwind or frame pointers), interns it and writes
 * its STACK record the first time it is seen. */
#include <errno.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "event_path.h"
#include "stack_cache.h"
#include "stack_table.h"
#include "stack_unwind.h"
#include "thread_buffer.h"

/* Frame-pointer walk for programs built with -fno-omit-frame-pointer: each frame holds the caller's
 * frame pointer and the return address. Validated so that it never faults: a frame pointer must lie
 * inside this thread's stack, be aligned, and grow; past a frame built without one the walk stops
 * (a shorter stack, never an invented one). */
__attribute__((noinline)) static int fp_backtrace(uint64_t *ips, int max)
{
	const uint64_t *fp = __builtin_frame_address(0);
	int n = 0;
	while (n < max) {
		uint64_t at = (uint64_t)fp;
		if (at < hp_tls.stack_lo || at + 16 > hp_tls.stack_hi || (at & 7))
			break;
		uint64_t ret = fp[1];
		if (!ret)
			break;
		ips[n++] = ret;
		const uint64_t *next = (const uint64_t *)fp[0];
		if ((uint64_t)next <= at)
			break;
		fp = next;
	}
	return n;
}

/* The cache missed (or is off): unwind, intern, and remember the stack under (sp, ret). */
uint32_t hp_stack_unwind(struct hp_ring *r, uint64_t sp, uint64_t ret)
{
	uint64_t ips[HP_MAX_DEPTH + 16];
	unsigned depth = hp_rec.cfg.depth;
	int saved = errno;

	/* Called with the guard at HP_GUARD_EVENT (event_path.h) until the STACK record is published:
	 * libunwind allocates nothing here once warmed up (hp_stack_unwind_warm) and interning maps
	 * memory, so an allocation meanwhile is a signal handler's, queued as nested, never written
	 * over ours. */
	int max = (int)(depth + 16 < HP_MAX_DEPTH + 16 ? depth + 16 : HP_MAX_DEPTH + 16);
	int n;
	if (hp_rec.cfg.unwind_fp) {
		n = fp_backtrace(ips, max);
	} else {
		hp_tls.in_unwind = true;
		n = unw_backtrace((void **)ips, max);
		hp_tls.in_unwind = false;
	}

	/* Our own frames (this function, the hook) are on top; the program's start below them. */
	int skip = 0;
	while (skip < n && ips[skip] >= hp_rec.text_lo && ips[skip] < hp_rec.text_hi)
		skip++;
	int len = n - skip;
	if (len <= 0) {
		errno = saved;
		return 0;
	}
	if ((unsigned)len > depth)
		len = (int)depth;

	bool is_new;
	const uint64_t *stored = NULL;
	uint32_t id = hp_stack_intern(ips + skip, (uint32_t)len, &is_new, &stored);
	if (is_new) {
		uint8_t *p = hp_ring_reserve(r, hp_enc_stack_size((uint32_t)len));
		p = hp_enc_stack(p, id, ips + skip, (uint32_t)len);
		hp_ring_commit(r, p);
	}
	if (r->cache && sp && ips[skip] == ret)
		hp_stack_cache_put(r->cache, sp, stored, (uint32_t)len, id);
	errno = saved;
	return id;
}

void hp_stack_unwind_warm(void)
{
	void *warm[4];

	hp_tls.in_unwind = true;
	unw_backtrace(warm, 4);
	hp_tls.in_unwind = false;
}
