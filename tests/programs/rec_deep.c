/* rec_deep.c: recursion FRAMES deep; each level mallocs SIZE bytes on the way down and frees them on the
 * way back up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAMES 10000
#define SIZE 88

static volatile long total;

__attribute__((noinline)) static long descend(int level)
{
	char *p = malloc(SIZE);
	if (!p)
		abort();
	memset(p, level & 0x7f, SIZE);
	long r = level + 1 < FRAMES ? descend(level + 1) : 0;
	r += p[level % SIZE];
	free(p);
	total++;
	return r;
}

int main(void)
{
	long r = descend(0);
	printf("frames %ld sum %ld\n", (long)total, r);
	return 0;
}
