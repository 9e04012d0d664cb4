/* heap_chunks.c: glibc's heaps walked chunk by chunk, to find their free chunks (heap_chunks.h). */
#include "heap_chunks.h"

#include <string.h>
#include <sys/mman.h>

#include "scan_maps.h"

/* glibc's layout on 64-bit (malloc/malloc.c, 2.26 and later): a chunk at p has its size at p + 8, the
 * low three bits being flags; its memory for the program starts at p + 16. A chunk is in use when the
 * next chunk's size has PREV_INUSE set. struct malloc_state begins with its mutex; `top` is at 96
 * (where arena heaps begin and how long an arena is: scan_maps.h). */
#define PREV_INUSE 1ull
#define IS_MMAPPED 2ull
#define NON_MAIN_ARENA 4ull
#define SIZE_FLAGS 7ull
#define MIN_CHUNK 32ull
#define FENCEPOST 16ull
#define CHUNK_ALIGN 16ull
#define MSTATE_TOP 96
#define WINDOW (64u << 10)

/* The heap is read WINDOW bytes at a time; a chunk's size is looked up in the window that holds it. */
static uint64_t window[WINDOW / 8];
static uint64_t win_lo, win_hi;

static bool size_at(uint64_t p, uint64_t end, uint64_t *size)
{
	uint64_t at = p + 8;

	if (at + 8 > end)
		return false;
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

/* Sets (or, undoing a walk that failed, clears) the bits of [lo, hi), both within the bitmap. */
static void mark(struct hp_free_chunks *fc, uint64_t lo, uint64_t hi, bool free)
{
	uint64_t g = (lo - fc->lo) / 16, end = (hi - fc->lo) / 16;

	if (lo >= hi)
		return;
	for (; g < end && (g % 64 || g + 64 > end); g++)
		fc->bits[g / 64] = free ? fc->bits[g / 64] | 1ull << (g % 64) : fc->bits[g / 64] & ~(1ull << (g % 64));
	for (; g + 64 <= end; g += 64)
		fc->bits[g / 64] = free ? ~0ull : 0;
	for (; g < end; g++)
		fc->bits[g / 64] = free ? fc->bits[g / 64] | 1ull << (g % 64) : fc->bits[g / 64] & ~(1ull << (g % 64));
}

/* One heap, [first, end) of its chunks: to the arena's top chunk when it lies in this heap (top, else
 * 0), or, in an arena's heap it has grown past, to the fenceposts glibc put where the old top ended: a
 * chunk of 16 bytes, then one of 0. Marks the free chunks, then what lies past the top chunk or the
 * fenceposts up to the heap's end; true when the walk met nothing but what glibc leaves in a
 * consistent heap, else it unmarks what it marked. A chunk in use carries NON_MAIN_ARENA exactly when
 * the heap is a non-main arena's (free chunks, the top and the fenceposts do not: glibc sets it only on
 * what it hands out). */
static bool walk(struct hp_free_chunks *fc, uint64_t first, uint64_t end, uint64_t top, bool non_main)
{
	uint64_t p = first, size;
	bool ok = false;

	if (!size_at(p, end, &size))
		return false;
	while (p < (top ? top : end)) {
		uint64_t n = size & ~SIZE_FLAGS, next_size;
		if (!top && (size & ~PREV_INUSE) == FENCEPOST) { /* PREV_INUSE: whether the old top was freed */
			ok = size_at(p + FENCEPOST, end, &next_size) && next_size == PREV_INUSE;
			p += 2 * FENCEPOST;
			break;
		}
		if (n < MIN_CHUNK || n % CHUNK_ALIGN || (size & IS_MMAPPED) || n > (top ? top : end) - p ||
		    !size_at(p + n, end, &next_size))
			break;
		bool in_use = next_size & PREV_INUSE, flagged = size & NON_MAIN_ARENA;
		if (non_main ? in_use && !flagged : flagged)
			break;
		if (!in_use)
			mark(fc, p + 16, p + n, true);
		p += n;
		size = next_size;
	}
	if (top && p == top) {
		/* The top chunk: its own size says where the heap ends. */
		uint64_t n = size & ~SIZE_FLAGS;
		ok = n >= MIN_CHUNK && n % CHUNK_ALIGN == 0 && n <= end - top;
		if (ok)
			end = top + n;
		p = top + 16;
	}
	if (!ok) {
		mark(fc, first, p < end ? p : end, false);
		return false;
	}
	mark(fc, p, end, true);
	return true;
}

/* A bitmap for [lo, hi), nothing marked; false when no memory can be had. */
static bool bitmap(struct hp_free_chunks *fc, uint64_t lo, uint64_t hi)
{
	size_t granules = (size_t)((hi - lo) / 16);

	memset(fc, 0, sizeof(*fc));
	fc->size = ((granules + 63) / 64 * 8 + 4095) & ~(size_t)4095;
	void *bits = mmap(NULL, fc->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (bits == MAP_FAILED) {
		fc->size = 0;
		return false;
	}
	fc->bits = bits;
	fc->lo = lo;
	fc->hi = hi;
	return true;
}

/* The arena's top chunk, read with its mutex: 0 when the arena cannot be read or a thread holds it
 * (a thread stopped inside malloc may have left a chunk half split). */
static uint64_t top_of(uint64_t arena)
{
	uint64_t mstate[MSTATE_TOP / 8 + 1];

	if (!arena || hp_scan_read(mstate, arena, sizeof(mstate)) != (ssize_t)sizeof(mstate) || (uint32_t)mstate[0])
		return 0;
	uint64_t top = mstate[MSTATE_TOP / 8];
	return top && top % CHUNK_ALIGN == 0 ? top : 0;
}

/* Keeps the bitmap when something was marked, else gives it back. */
static bool done(struct hp_free_chunks *fc, bool any)
{
	if (!any)
		hp_free_chunks_release(fc);
	return any;
}

bool hp_free_chunks_find(struct hp_free_chunks *fc, uint64_t lo, uint64_t hi, uint64_t arena)
{
	uint64_t top = top_of(arena);

	memset(fc, 0, sizeof(*fc));
	/* The main heap is one, from the mapping's start, with the top in it. */
	if (!top || lo % CHUNK_ALIGN || top < lo || top + MIN_CHUNK > hi || !bitmap(fc, lo, hi))
		return false;
	win_lo = win_hi = 0;
	return done(fc, walk(fc, lo, hi & ~15ull, top, false));
}

bool hp_free_chunks_find_arena(struct hp_free_chunks *fc, uint64_t lo, uint64_t hi)
{
	bool any = false;

	memset(fc, 0, sizeof(*fc));
	if (!bitmap(fc, lo, hi))
		return false;
	win_lo = win_hi = 0;
	/* The kernel may have merged neighbouring heaps into one mapping: each HP_ARENA_HEAP_ALIGN of it
	 * is a heap of its own, which begins with its heap_info (arena, previous heap, size). */
	for (uint64_t h = lo; h < hi; h += HP_ARENA_HEAP_ALIGN) {
		uint64_t info[3];
		if (hp_scan_read(info, h, sizeof(info)) != (ssize_t)sizeof(info))
			continue;
		uint64_t ar = info[0], size = info[2], first = hp_arena_heap_first_chunk(h, ar);
		uint64_t end = (size < hi - h ? h + size : hi) & ~15ull, top = top_of(ar);
		if (!first || !top || first % CHUNK_ALIGN || first >= end)
			continue;
		any |= walk(fc, first, end, top >= first && top < end ? top : 0, true);
	}
	return done(fc, any);
}

uint64_t hp_free_chunks_bytes(const struct hp_free_chunks *fc)
{
	uint64_t n = 0;

	for (size_t i = 0; fc->bits && i < fc->size / 8; i++)
		n += (uint64_t)__builtin_popcountll(fc->bits[i]);
	return n * 16;
}

void hp_free_chunks_release(struct hp_free_chunks *fc)
{
	if (fc->bits)
		munmap(fc->bits, fc->size);
	memset(fc, 0, sizeof(*fc));
}
