/* scan_freed_heap.c: a heap whose freed memory is full of pointers, for the test that a leak scan
 * leaves glibc's free chunks out (tests/integration/test_leaks.py).
 *
 * 4,000 blocks of 2,000 bytes (too large for glibc's per-thread cache, so freed into its bins and
 * merged) are filled with pointers to two blocks, `keep` and `lost`, then freed; a block after them
 * (`fence`, reachable from a global) keeps them from merging into the top chunk and holds three
 * pointers to `keep` and one to `inner`. At exit: `keep`, `fence` and `inner` are still reachable,
 * `lost` (40 bytes) is definitely lost; no live block holds a pointer to `lost`, three hold one to
 * `keep`. Prints the addresses of keep, lost and fence, unbuffered. With "thread" as argv[1] a thread
 * does all that but `keep`, in its own arena of glibc's (a non-main arena's heap), and ends before
 * main returns; with "thread-heaps", with 40,000 blocks, which outgrow the arena's first heap (64 MiB)
 * into a second.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCKS 4000
#define BLOCKS_HEAPS 40000
#define BLOCK_BYTES 2000

static void *volatile global_keep;
static void **volatile global_fence;

static void *blocks[BLOCKS_HEAPS];
static int nblocks = BLOCKS;
/* lost's address, printed by main (stdio then allocates nothing in the thread's arena), kept
 * inverted: no pointer to lost may be left */
static uintptr_t lost_inverted;

static __attribute__((noinline)) void fill_and_free(void)
{
	void *lost = malloc(40);

	lost_inverted = ~(uintptr_t)lost;
	for (int i = 0; i < nblocks; i++) {
		void **b = blocks[i] = malloc(BLOCK_BYTES);
		for (size_t w = 0; w < BLOCK_BYTES / sizeof(void *); w++)
			b[w] = w % 2 ? lost : global_keep;
	}
	void **fence = malloc(64);
	fence[0] = fence[1] = fence[2] = global_keep;
	fence[3] = malloc(24);
	global_fence = fence;
	for (int i = 0; i < nblocks; i++) {
		free(blocks[i]);
		blocks[i] = NULL;
	}
}

static void *fill_and_free_thread(void *arg)
{
	(void)arg;
	fill_and_free();
	return NULL;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0); /* no buffer of stdio's carved from the freed blocks, stale */
	global_keep = malloc(64);
	if (argc > 1 && !strcmp(argv[1], "thread-heaps"))
		nblocks = BLOCKS_HEAPS;
	if (argc > 1 && strncmp(argv[1], "thread", 6) == 0) {
		pthread_t t;
		if (pthread_create(&t, NULL, fill_and_free_thread, NULL) || pthread_join(t, NULL))
			return 1;
	} else {
		fill_and_free();
	}
	printf("keep %p lost %#lx fence %p\n", global_keep, (unsigned long)~lost_inverted, (void *)global_fence);
	return 0;
}
