/* bench_zone_storm.c: HP_ZONE enter/exit pairs in a tight loop, for `make bench`.
 * Usage: bench_zone_storm [pairs] [bare]   (default 10M; "bare": the same loop without the zone, so
 * that the zone's own cost is the difference)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hookprof.h"

__attribute__((noinline)) static unsigned work(unsigned x)
{
	HP_ZONE("zone_storm");
	return x * 2654435761u + 1;
}

__attribute__((noinline)) static unsigned work_bare(unsigned x)
{
	__asm__ volatile("" ::: "memory"); /* what the zone's calls cost the compiler, without them */
	return x * 2654435761u + 1;
}

int main(int argc, char **argv)
{
	long pairs = argc > 1 ? atol(argv[1]) : 10000000;
	int bare = argc > 2 && !strcmp(argv[2], "bare");
	unsigned x = 1;

	if (bare)
		for (long i = 0; i < pairs; i++)
			x = work_bare(x);
	else
		for (long i = 0; i < pairs; i++)
			x = work(x);
	printf("%u\n", x);
	return 0;
}
