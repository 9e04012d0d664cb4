/* alloc_inlined.c: allocations made in a function inlined into its caller, for the exports' inlined frames.
 *
 * holder() calls new_block() (always inlined) INLINED_N times for INLINED_SIZE bytes each, then frees
 * every block: each allocation's stack is main > holder > new_block, new_block inlined into holder.
 */
#include <stdlib.h>
#include <string.h>

#define INLINED_N 7
#define INLINED_SIZE 4321

static inline __attribute__((always_inline)) void *new_block(size_t n)
{
	void *p = malloc(n);
	if (p)
		memset(p, 7, 16);
	return p;
}

__attribute__((noinline)) static void holder(void)
{
	void *blocks[INLINED_N];

	for (int i = 0; i < INLINED_N; i++)
		blocks[i] = new_block(INLINED_SIZE);
	__asm__ volatile("" : : "r"(blocks) : "memory");
	for (int i = 0; i < INLINED_N; i++)
		free(blocks[i]);
}

int main(void)
{
	holder();
	return 0;
}
