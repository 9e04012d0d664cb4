/* heap_chunks.h: which parts of glibc's heaps (the main one and its arenas') are free chunks,
 * found by walking their chunks, so that a leak scan leaves them out.
 *
 * A scan records every pointer-like word of the heap, and the analyzer keeps only those inside
 * blocks live at the scan. After a program has freed most of what it allocated, nearly every word
 * read lies in freed memory: a python3 run that ends with 50 KiB live recorded 6.9 million words of
 * its heap, 45% of its trace. glibc marks each chunk in use or free in the next chunk's header, so the
 * recorder can leave the free ones out. Chunks in glibc's per-thread caches and fast bins stay marked
 * in use and are read as before: leaving out less is never wrong, only larger.
 */
#ifndef HP_HEAP_CHUNKS_H
#define HP_HEAP_CHUNKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recorder.h"

/* One bit for each 16 bytes of [lo, hi), set where they lie inside a free chunk. */
struct hp_free_chunks {
	uint64_t lo, hi;
	uint64_t *bits; /* NULL: nothing is known free */
	size_t size;    /* bytes mapped for bits */
};

/* Walks glibc's main heap in [lo, hi) (the `[heap]` mapping) from its first chunk to the arena's
 * top chunk, reading the arena at `arena` (its struct malloc_state; 0 when unknown) and the heap
 * with hp_scan_read. Fills fc and returns true when the walk reached the top chunk exactly, every
 * chunk on the way having a sane size and flags; otherwise, or when the arena is locked (a thread
 * stopped inside malloc may have left a chunk half split), fc marks nothing and it returns false.
 * Allocates nothing from malloc: the program's threads are stopped. */
bool hp_free_chunks_find(struct hp_free_chunks *fc, uint64_t lo, uint64_t hi, uint64_t arena) HP_HIDDEN;

/* The same for a heap of one of glibc's other arenas, mapped at [lo, hi): its heap_info names the
 * arena. In the arena's first heap the chunks follow the arena; in a later one, the heap_info. The
 * walk ends at the arena's top chunk when this heap holds it, else at the fenceposts glibc left where
 * the heap's old top ended. */
bool hp_free_chunks_find_arena(struct hp_free_chunks *fc, uint64_t lo, uint64_t hi) HP_HIDDEN;

/* The bytes marked free. */
uint64_t hp_free_chunks_bytes(const struct hp_free_chunks *fc) HP_HIDDEN;

/* Gives back the bitmap's memory. */
void hp_free_chunks_release(struct hp_free_chunks *fc) HP_HIDDEN;

static inline bool hp_free_chunks_has(const struct hp_free_chunks *fc, uint64_t at)
{
	if (!fc->bits || at < fc->lo || at >= fc->hi)
		return false;
	uint64_t g = (at - fc->lo) / 16;
	return fc->bits[g / 64] >> (g % 64) & 1;
}

/* The end of the run of addresses from `at` (below hi) that are all free, or all not: the first
 * address past at that differs from it, or hi. Without a bitmap, hi. */
static inline uint64_t hp_free_chunks_run_end(const struct hp_free_chunks *fc, uint64_t at, uint64_t hi)
{
	if (!fc->bits || at < fc->lo || hi > fc->hi)
		return hi;
	uint64_t g = (at - fc->lo) / 16, end = (hi - fc->lo + 15) / 16;
	uint64_t same = fc->bits[g / 64] >> (g % 64) & 1 ? ~0ull : 0;
	for (g++; g < end; g++) {
		if (g % 64 == 0 && g + 64 <= end && fc->bits[g / 64] == same) {
			g += 63; /* a whole word alike */
			continue;
		}
		if ((fc->bits[g / 64] >> (g % 64) & 1) != (same & 1))
			break;
	}
	uint64_t stop = fc->lo + g * 16;
	return stop < hi ? stop : hi;
}

#endif
