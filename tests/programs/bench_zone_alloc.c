/* bench_zone_alloc.c: a zone that holds 4,000 malloc/free pairs, for `make bench`: how close the
 * report's time for the zone comes to the same zone run natively, once the recorder's own cost per
 * event inside it is taken out. Usage: bench_zone_alloc [zones] [pairs]; prints the median time of one
 * zone in nanoseconds as the program itself measured it (natively: the reference).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hookprof.h"

static void *slots[64];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) static void batch(long pairs, unsigned *seed)
{
	HP_ZONE("alloc_batch");
	for (long i = 0; i < pairs; i++) {
		*seed = *seed * 1103515245u + 12345u;
		unsigned s = (*seed >> 16) & 63;
		free(slots[s]);
		slots[s] = malloc(16 + ((*seed >> 8) & 255));
	}
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long zones = argc > 1 ? atol(argv[1]) : 500, pairs = argc > 2 ? atol(argv[2]) : 4000;
	uint64_t *took = calloc((size_t)zones, sizeof(*took));
	unsigned seed = 1;

	if (!took)
		return 1;
	for (long z = 0; z < zones; z++) {
		uint64_t t0 = now_ns();
		batch(pairs, &seed);
		took[z] = now_ns() - t0;
	}
	qsort(took, (size_t)zones, sizeof(*took), cmp);
	printf("%llu\n", (unsigned long long)took[zones / 2]);
	for (int s = 0; s < 64; s++)
		free(slots[s]);
	free(took);
	return 0;
}
