/* bench_hot_path.c: the recorder's cost per event, measured inside the process (`make bench`).
 *
 * Whole-run wall times include start-up, exit and the writer thread; this measures the program's own
 * thread only: CPU time per step, the best of five passes. Modes:
 *   pairs    a malloc+free pair of 16..272 bytes ten frames deep (the allocation storm's step)
 *   clocked  the same step natively, with two time-stamp reads per pair (rdtsc): what stamping each
 *            event cost a recorder of trace format 2 (format 3 reads no clock for allocations)
 *   zones    a call that enters and leaves an HP_ZONE
 *   bare     the same call without the zone
 * Usage: bench_hot_path MODE [steps]; prints "ns_per_step N".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hookprof.h"

#define SLOTS 1024

static void *slot[SLOTS];
static uint64_t rng = 0x9e3779b97f4a7c15ull, sink;
static volatile uint64_t stamps;

static double cpu_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static inline uint64_t stamp(void)
{
#if defined(__x86_64__)
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
#else
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_nsec;
#endif
}

__attribute__((noinline)) static void step(int clocked)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	unsigned i = rng % SLOTS;
	if (clocked)
		stamps += stamp();
	free(slot[i]);
	char *b = malloc(16 + (rng >> 20) % 257);
	if (clocked)
		stamps += stamp();
	b[0] = (char)rng;
	sink += (uint64_t)b[0];
	slot[i] = b;
}

/* Ten frames, as the allocation storm's. */
#define LEVEL(n, next)                                                                                \
	__attribute__((noinline)) static void level##n(int clocked)                                   \
	{                                                                                             \
		next(clocked);                                                                        \
		__asm__ volatile("" ::: "memory");                                                    \
	}
LEVEL(1, step)
LEVEL(2, level1)
LEVEL(3, level2)
LEVEL(4, level3)
LEVEL(5, level4)
LEVEL(6, level5)
LEVEL(7, level6)
LEVEL(8, level7)
LEVEL(9, level8)

__attribute__((noinline)) static unsigned zoned(unsigned x)
{
	HP_ZONE("hot_path");
	return x * 2654435761u + 1;
}

__attribute__((noinline)) static unsigned bare(unsigned x)
{
	__asm__ volatile("" ::: "memory");
	return x * 2654435761u + 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long steps = argc > 2 ? atol(argv[2]) : 2000000;
	int which = !strcmp(mode, "pairs") ? 0 : !strcmp(mode, "clocked") ? 1 : !strcmp(mode, "zones") ? 2
		  : !strcmp(mode, "bare") ? 3 : -1;
	double best = 1e9;
	unsigned x = 1;

	if (which < 0 || steps <= 0) {
		fprintf(stderr, "usage: bench_hot_path pairs|clocked|zones|bare [steps]\n");
		return 2;
	}
	for (int pass = 0; pass < 5; pass++) {
		double t0 = cpu_seconds();
		for (long s = 0; s < steps; s++) {
			if (which <= 1)
				level9(which);
			else
				x = which == 2 ? zoned(x) : bare(x);
		}
		double t = (cpu_seconds() - t0) / (double)steps;
		if (t < best)
			best = t;
	}
	for (unsigned i = 0; i < SLOTS; i++)
		free(slot[i]);
	printf("ns_per_step %.2f\n", best * 1e9);
	return (int)((x ^ sink ^ stamps) & 0); /* the results are used */
}
