/* bench_zone_storm.c: HP_ZONE enter/exit pairs in a tight loop, for `make bench`.
 * Usage: bench_zone_storm [pairs]   (default 10M)
 */
#include <stdio.h>
#include <stdlib.h>

#include "hookprof.h"

__attribute__((noinline)) static unsigned work(unsigned x)
{
	HP_ZONE("zone_storm");
	return x * 2654435761u + 1;
}

int main(int argc, char **argv)
{
	long pairs = argc > 1 ? atol(argv[1]) : 10000000;
	unsigned x = 1;

	for (long i = 0; i < pairs; i++)
		x = work(x);
	printf("%u\n", x);
	return 0;
}
