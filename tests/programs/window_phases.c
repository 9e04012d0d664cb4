/* window_phases.c: a warm-up phase, a mark, then a steady phase, each with known sleeps and allocations, for --window.
 *
 * Warm-up: 4 calls of step(), each sleeping 30 ms and allocating (then freeing) 10 blocks of 1000
 * bytes, counter "items" +1. Then HP_MARK("warmed-up"). Steady: 6 calls of step(), each sleeping 5 ms
 * and allocating (then freeing) 100 blocks of 64 bytes, counter "items" +2. Nothing else allocates
 * after the mark, and the program prints nothing.
 */
#include <stdlib.h>
#include <time.h>

#include "hookprof.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts))
		;
}

static void *volatile keep;

__attribute__((noinline)) static void step(long ms, int blocks, size_t size, int items)
{
	HP_FUNC();
	sleep_ms(ms);
	for (int i = 0; i < blocks; i++) {
		keep = malloc(size);
		free(keep);
	}
	HP_COUNT("items", items);
}

int main(void)
{
	for (int i = 0; i < 4; i++)
		step(30, 10, 1000, 1);
	HP_MARK("warmed-up");
	for (int i = 0; i < 6; i++)
		step(5, 100, 64, 2);
	return 0;
}
