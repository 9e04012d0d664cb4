/* rec_peak.c: a heap whose peak is reached by a climb of small steps, each a new peak left at once.
 *
 * Phase 1: alloc_a 100 blocks of 1000 bytes. Phase 2, 50 times: alloc_b one block of 2000 bytes,
 * then free one of A's (the heap climbs by 1000 bytes a step: a new peak, then left). The top is the
 * last step's allocation: A 51 x 1000 = 51,000 bytes, B 50 x 2000 = 100,000 bytes, 151,000 in all.
 * Phase 3: every B block freed, then alloc_c 10 blocks of 500 bytes (below the peak). Per-site bytes
 * at the peak: A 51,000, B 100,000, C 0. Prints "done" at the end (stdio's buffer comes after).
 */
#include <stdio.h>
#include <stdlib.h>

static void *volatile a[100], *volatile b[50], *volatile c[10];

__attribute__((noinline)) static void *alloc_a(void) { return malloc(1000); }
__attribute__((noinline)) static void *alloc_b(void) { return malloc(2000); }
__attribute__((noinline)) static void *alloc_c(void) { return malloc(500); }

int main(void)
{
	for (int i = 0; i < 100; i++)
		a[i] = alloc_a();
	for (int i = 0; i < 50; i++) {
		b[i] = alloc_b();
		free(a[i]);
	}
	for (int i = 0; i < 50; i++)
		free(b[i]);
	for (int i = 0; i < 10; i++)
		c[i] = alloc_c();
	for (int i = 0; i < 10; i++)
		free(c[i]);
	for (int i = 50; i < 100; i++)
		free(a[i]);
	printf("done\n");
	return 0;
}
