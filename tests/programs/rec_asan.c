/* rec_asan.c: a program built with AddressSanitizer (gcc -fsanitize=address: libasan.so in DT_NEEDED),
 * whose runtime stops it unless it is the first library loaded, and whose malloc takes every
 * allocation. It runs ZONES zones "asan_zone", each allocating and freeing a block, and prints the
 * sum of what they held. */
#include <hookprof.h>
#include <stdio.h>
#include <stdlib.h>

#define ZONES 25

int main(void)
{
	long sum = 0;

	for (int i = 0; i < ZONES; i++) {
		HP_ZONE("asan_zone");
		char *volatile p = malloc(64);
		p[0] = (char)i;
		sum += p[0];
		free(p);
	}
	printf("sum %ld\n", sum);
	return 0;
}
