/* heap_chunks.c: glibc's heaps walked chunk by chunk, to find their free chunks (heap_chunks.h). */
#include "heap_chunks.h"

#include <string.h>
#include <sys/mman.h>

#include "scan_maps.h"

/* glibc's layout on 64-bit (malloc/malloc.c, 2.26 and later): a chunk at p has its size at p + 8, the
 * low three bits being flags; its memory for the program starts at p + 16. A chunk is in use when the
 * next chunk's size has PREV_INUSE set. struct malloc_state begins with its mutex; `top` is at 96; it
 * is 2200 bytes long (scan_maps.c finds main_arena by the same layout). */
#define PREV_INUSE 1ull
#define IS_MMAPPED 2ull
#define NON_MAIN_ARENA 4ull
#define SIZE_FLAGS 7ull
#define MIN_CHUNK 32ull
#define FENCEPOST 16ull
#define CHUNK_ALIGN 16ull
#define MSTATE_TOP 96
#define MSTATE_SIZE 2200
#define WINDOW (64u << 10)

/* The heap is read WINDOW bytes at a time; a chunk's size is looked up in the window that holds it. */
static uint64_t window[WINDOW / 8];
static uint64_t win_lo, win_hi;

static bool size_at(uint64_t p, uint64_t end, uint64_t *size)
{
	uint64_t at = p + 8;

	if (at < win_lo || at + 8 > win_hi) {
		uint64_t n = end - at < WINDOW ? end - at : WINDOW;
		ssize_t got = hp_scan_read(window, at, (size_t)n);
		if (got < 8)
			return false;
		win_lo = at;
		win_hi = at + ((uint64_t)got & ~7ull);
	}
	*size = window[(at - win_lo) / 8];
	return true;
}

static void mark(struct hp_free_chunks *fc, uint64_t lo, uint64_t hi)
{
	uint64_t g = (lo - fc->lo) / 16, end = (hi - fc->lo) / 16;

	fc->free_bytes += hi - lo;
	for (; g < end && g % 64; g++)
		fc->bits[g / 64] |= 1ull << (g % 64);
	for (; g + 64 <= end; g += 64)
		fc->bits[g / 64] = ~0ull;
	for (; g < end; g++)
		fc->bits[g / 64] |= 1ull << (g % 64);
}

/* The walk itself, from `first` to the top chunk when it lies in this heap (top, else 0), or, in an
 * arena's heap it has grown past, to the fenceposts glibc put where the old top ended: a chunk of 16
 * bytes, then one of 0. Where the chunks end (the top, the fenceposts), or 0 at the first thing that
 * is not as glibc leaves a consistent heap. A chunk in use carries NON_MAIN_ARENA exactly when the
 * heap is a non-main arena's (free chunks, the top and the fenceposts do not carry it there: glibc
 * sets it only on what it hands out). */
static uint64_t walk(struct hp_free_chunks *fc, uint64_t first, uint64_t top, bool non_main)
{
	uint64_t p = first, size, limit = top ? top : fc->hi;

	if (!size_at(p, fc->hi, &size))
		return 0;
	while (p < limit) {
		uint64_t n = size & ~SIZE_FLAGS, next_size;
		if (!top && (size & ~PREV_INUSE) == FENCEPOST) /* PREV_INUSE: whether the old top was freed */
			return size_at(p + FENCEPOST, fc->hi, &next_size) && next_size == PREV_INUSE ? p : 0;
		if (n < MIN_CHUNK || n % CHUNK_ALIGN || (size & IS_MMAPPED) || n > limit - p)
			return 0;
		if (!size_at(p + n, fc->hi, &next_size))
			return 0;
		bool in_use = next_size & PREV_INUSE, flagged = size & NON_MAIN_ARENA;
		if (non_main ? in_use && !flagged : flagged)
			return 0;
		if (!in_use)
			mark(fc, p + 16, p + n);
		p += n;
		size = next_size;
	}
	return top && p == top ? p : 0;
}

/* Walks the chunks from `first` of the heap mapped at [lo, hi), of the arena at `arena`. */
static bool find(struct hp_free_chunks *fc, uint64_t lo, uint64_t hi, uint64_t first, uint64_t arena, bool non_main)
{
	uint64_t mstate[MSTATE_TOP / 8 + 1];

	memset(fc, 0, sizeof(*fc));
	if (!arena || hp_scan_read(mstate, arena, sizeof(mstate)) != (ssize_t)sizeof(mstate))
		return false;
	uint64_t top = mstate[MSTATE_TOP / 8];
	bool top_here = top >= first && top + MIN_CHUNK <= hi;
	/* The mutex is the first int: a thread stopped while holding it may be mid-update. The main heap
	 * is one, with the top in it. */
	if ((uint32_t)mstate[0] || first % CHUNK_ALIGN || first < lo || first >= hi || top % CHUNK_ALIGN ||
	    (!top_here && !non_main))
		return false;
	size_t granules = (size_t)((hi - lo) / 16);
	fc->size = ((granules + 63) / 64 * 8 + 4095) & ~(size_t)4095;
	void *bits = mmap(NULL, fc->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (bits == MAP_FAILED) {
		fc->size = 0;
		return false;
	}
	fc->bits = bits;
	fc->lo = lo;
	fc->hi = hi;
	win_lo = win_hi = 0;
	uint64_t end = walk(fc, first, top_here ? top : 0, non_main);
	if (!end) {
		hp_free_chunks_release(fc);
		return false;
	}
	/* Past the top's header, or the two fenceposts, the heap holds nothing. */
	uint64_t rest = end + (top_here ? 16 : 2 * FENCEPOST);
	if (rest < (hi & ~15ull))
		mark(fc, rest, hi & ~15ull);
	return true;
}

bool hp_free_chunks_find(struct hp_free_chunks *fc, uint64_t lo, uint64_t hi, uint64_t arena)
{
	return find(fc, lo, hi, lo, arena, false);
}

bool hp_free_chunks_find_arena(struct hp_free_chunks *fc, uint64_t lo, uint64_t hi)
{
	uint64_t ar, first;

	memset(fc, 0, sizeof(*fc));
	if (hp_scan_read(&ar, lo, sizeof(ar)) != (ssize_t)sizeof(ar))
		return false;
	/* heap_info begins with its arena. In the arena's first heap the arena follows it, and the first
	 * chunk follows the arena, aligned; in a later heap the first chunk follows the heap_info, which is
	 * as long as in the first heap: from that heap's start to the arena. */
	uint64_t info = ar % HP_ARENA_HEAP_ALIGN;
	if (ar >= lo + 16 && ar < lo + 256)
		first = (ar + MSTATE_SIZE + CHUNK_ALIGN - 1) & ~(CHUNK_ALIGN - 1);
	else if (info >= 16 && info < 256)
		first = lo + info;
	else
		return false;
	return find(fc, lo, hi, first, ar, true);
}

void hp_free_chunks_release(struct hp_free_chunks *fc)
{
	if (fc->bits)
		munmap(fc->bits, fc->size);
	memset(fc, 0, sizeof(*fc));
}
