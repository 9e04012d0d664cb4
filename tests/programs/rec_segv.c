/* rec_segv.c: N mallocs of SIZE (kept), prints "before", then dereferences a null pointer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 100
#define SIZE 2468

int main(void)
{
	static void *kept[N];

	for (int i = 0; i < N; i++) {
		kept[i] = malloc(SIZE);
		if (kept[i])
			memset(kept[i], 1, 16);
	}
	printf("before\n");
	fflush(stdout);
	volatile int *volatile nowhere = NULL;
	return *nowhere + (kept[0] != NULL);
}
