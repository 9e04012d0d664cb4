/* scan_freed_heap.c: a heap whose freed memory is full of pointers, for the test that a leak scan
 * leaves glibc's free chunks out (tests/integration/test_leaks.py).
 *
 * 4,000 blocks of 2,000 bytes (too large for glibc's per-thread cache, so freed into its bins and
 * merged) are filled with pointers to two blocks, `keep` and `lost`, then freed; a block after them
 * (`fence`, reachable from a global) keeps them from merging into the top chunk and holds three
 * pointers to `keep` and one to `inner`. At exit: `keep`, `fence` and `inner` are still reachable,
 * `lost` (40 bytes) is definitely lost; no live block holds a pointer to `lost`, three hold one to
 * `keep`. Prints keep's and lost's addresses.
 */
#include <stdio.h>
#include <stdlib.h>

#define BLOCKS 4000
#define BLOCK_BYTES 2000

static void *volatile global_keep;
static void **volatile global_fence;

static void *blocks[BLOCKS];

static __attribute__((noinline)) void fill_and_free(void)
{
	void *lost = malloc(40);

	printf("keep %p lost %p\n", global_keep, lost);
	for (int i = 0; i < BLOCKS; i++) {
		void **b = blocks[i] = malloc(BLOCK_BYTES);
		for (size_t w = 0; w < BLOCK_BYTES / sizeof(void *); w++)
			b[w] = w % 2 ? lost : global_keep;
	}
	void **fence = malloc(64);
	fence[0] = fence[1] = fence[2] = global_keep;
	fence[3] = malloc(24);
	global_fence = fence;
	for (int i = 0; i < BLOCKS; i++) {
		free(blocks[i]);
		blocks[i] = NULL;
	}
}

int main(void)
{
	global_keep = malloc(64);
	fill_and_free();
	return 0;
}
