/* clock.h: the recorder's timestamp: the invariant TSC when the CPU has one, else CLOCK_MONOTONIC.
 *
 * One clock for every thread so that merging per-thread streams by tick is causal (DESIGN.md, 7).
 */
#ifndef HP_CLOCK_H
#define HP_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "recorder.h"

static inline uint64_t hp_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t hp_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Reads the trace clock. The "memory" clobber keeps the compiler from moving the read across the
 * stores that announce an event in flight (thread_buffer.h). */
static inline uint64_t hp_now(void)
{
#if defined(__x86_64__)
	if (HP_LIKELY(hp_rec.use_tsc)) {
		uint32_t lo, hi;
		__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
		return (uint64_t)hi << 32 | lo;
	}
#endif
	return hp_mono_ns();
}

/* True when the CPU reports an invariant TSC (CPUID 0x80000007 EDX bit 8). */
bool hp_clock_tsc_invariant(void) HP_HIDDEN;

#endif
