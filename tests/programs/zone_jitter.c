/* zone_jitter.c: a zone whose durations vary widely, from a seeded sequence, for diff's noise test.
 *
 * Usage: zone_jitter SEED. step() is called 12 times; call i sleeps ms_i milliseconds, where
 * x_0 = SEED, x_{i+1} = (x_i * 1103515245 + 12345) mod 2^31 and ms_i = (x_{i+1} >> 16) % 31. The
 * test computes the same sequence, so it knows each run's mean and spread.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "hookprof.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts))
		;
}

__attribute__((noinline)) static void step(long ms)
{
	HP_FUNC();
	sleep_ms(ms);
}

int main(int argc, char **argv)
{
	uint32_t x = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1;

	for (int i = 0; i < 12; i++) {
		x = (x * 1103515245u + 12345u) & 0x7fffffffu;
		step((long)((x >> 16) % 31));
	}
	return 0;
}
