/* test_heap_chunks.c: the walk of glibc's heaps (preload/heap_chunks.c) over heaps laid out by hand in
 * a buffer: which chunks it finds free, and every inconsistency that makes it mark nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "heap_chunks.h"
#include "scan_maps.h"

#define HEAP_BYTES 4096
#define PREV_INUSE 1

static _Alignas(16) uint64_t heap[HEAP_BYTES / 8];
static uint64_t mstate[16]; /* mutex at 0, top at 96 */

static uint64_t at(size_t off)
{
	return (uint64_t)(uintptr_t)heap + off;
}

/* A chunk of n bytes at off; its flags say whether the chunk before it is in use. */
static void chunk(size_t off, uint64_t n, int prev_in_use)
{
	heap[off / 8 + 1] = n | (prev_in_use ? PREV_INUSE : 0);
}

/* Chunks at 0 (48, in use), 48 (96, free), 144 (32, in use), 176 (64, free), top at 240. */
static void lay_out(void)
{
	uint64_t vmin, vmax;

	hp_scan_maps_load(getpid(), &vmin, &vmax);
	memset(heap, 0, sizeof(heap));
	memset(mstate, 0, sizeof(mstate));
	chunk(0, 48, 1);
	chunk(48, 96, 1);
	chunk(144, 32, 0);
	chunk(176, 64, 1);
	chunk(240, HEAP_BYTES - 240, 0);
	mstate[12] = at(240);
}

static int setup(void **state)
{
	(void)state;
	lay_out();
	return 0;
}

static void free_chunks_and_the_top_are_marked(void **state)
{
	struct hp_free_chunks fc;

	(void)state;
	assert_true(hp_free_chunks_find(&fc, at(0), at(HEAP_BYTES), (uint64_t)(uintptr_t)mstate));
	/* In use: headers and bodies of the chunks at 0 and 144, the free chunks' headers. */
	for (size_t off = 0; off < 240 + 16; off += 8) {
		int want = (off >= 64 && off < 144) || (off >= 192 && off < 240);
		assert_int_equal(hp_free_chunks_has(&fc, at(off)), want);
	}
	for (size_t off = 256; off < HEAP_BYTES; off += 8)
		assert_true(hp_free_chunks_has(&fc, at(off)));
	assert_int_equal(hp_free_chunks_bytes(&fc), (144 - 64) + (240 - 192) + (HEAP_BYTES - 256));
	assert_false(hp_free_chunks_has(&fc, at(HEAP_BYTES)));
	/* Runs alike, as the scan skips them: free ones are not read. The top's spans whole words. */
	const size_t ends[][2] = {{0, 64}, {8, 64}, {64, 144}, {136, 144}, {144, 192}, {192, 240}, {240, 256},
				  {256, HEAP_BYTES}, {1000, HEAP_BYTES}};
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		assert_int_equal(hp_free_chunks_run_end(&fc, at(ends[i][0]), at(HEAP_BYTES)), at(ends[i][1]));
	assert_int_equal(hp_free_chunks_run_end(&fc, at(256), at(1024)), at(1024)); /* up to hi only */
	hp_free_chunks_release(&fc);
	assert_int_equal(hp_free_chunks_run_end(&fc, at(64), at(1024)), at(1024)); /* no bitmap: one run */
	assert_false(hp_free_chunks_has(&fc, at(64)));
}

static void expect_nothing_marked(uint64_t arena)
{
	struct hp_free_chunks fc;

	assert_false(hp_free_chunks_find(&fc, at(0), at(HEAP_BYTES), arena));
	for (size_t off = 0; off < HEAP_BYTES; off += 8)
		assert_false(hp_free_chunks_has(&fc, at(off)));
	lay_out();
}

static void an_inconsistent_heap_marks_nothing(void **state)
{
	uint64_t arena = (uint64_t)(uintptr_t)mstate;

	(void)state;
	expect_nothing_marked(0); /* no arena found */
	mstate[0] = 1;            /* a stopped thread holds the arena's lock */
	expect_nothing_marked(arena);
	chunk(48, 88, 1); /* a size off glibc's 16-byte grain */
	expect_nothing_marked(arena);
	chunk(48, 16, 1); /* below the smallest chunk */
	expect_nothing_marked(arena);
	heap[48 / 8 + 1] |= 2; /* an mmapped chunk inside the heap */
	expect_nothing_marked(arena);
	heap[48 / 8 + 1] |= 4; /* a chunk of another arena */
	expect_nothing_marked(arena);
	chunk(176, 80, 1); /* steps over the top chunk */
	expect_nothing_marked(arena);
	mstate[12] = at(HEAP_BYTES); /* a top outside the heap */
	expect_nothing_marked(arena);
	mstate[12] = at(232); /* a top the chunks do not reach */
	expect_nothing_marked(arena);
}

/* An arena's first heap: heap_info (its arena first), the arena (2200 bytes: mutex at 0, top at 96),
 * then the chunks, the first aligned to 16. Chunks in use carry NON_MAIN_ARENA (4); free ones do not. */
#define ARENA_AT 48
#define FIRST (((ARENA_AT + 2200) + 15) & ~15)

static void free_chunks_of_an_arena_heap_are_marked(void **state)
{
	static _Alignas(16) uint64_t h[16384 / 8];
	struct hp_free_chunks fc;
	uint64_t lo = (uint64_t)(uintptr_t)h, vmin, vmax;

	(void)state;
	hp_scan_maps_load(getpid(), &vmin, &vmax);
	h[0] = lo + ARENA_AT;
	h[2] = sizeof(h);                                 /* the heap's size */
	h[ARENA_AT / 8 + 12] = lo + FIRST + 160;          /* top */
	h[FIRST / 8 + 1] = 64 | PREV_INUSE | 4;           /* in use */
	h[(FIRST + 64) / 8 + 1] = 96 | PREV_INUSE | 4;    /* free (no flag needed, one set is kept) */
	h[(FIRST + 160) / 8 + 1] = (sizeof(h) - FIRST - 160); /* top: the chunk before it is free */
	assert_true(hp_free_chunks_find_arena(&fc, lo, lo + sizeof(h)));
	assert_false(hp_free_chunks_has(&fc, lo + FIRST + 16));
	assert_true(hp_free_chunks_has(&fc, lo + FIRST + 64 + 16));
	assert_true(hp_free_chunks_has(&fc, lo + FIRST + 160 - 8));
	assert_false(hp_free_chunks_has(&fc, lo + FIRST + 160 + 8)); /* the top's header */
	assert_true(hp_free_chunks_has(&fc, lo + sizeof(h) - 8));
	hp_free_chunks_release(&fc);

	h[FIRST / 8 + 1] = 64 | PREV_INUSE; /* a chunk in use without the arena's flag: not glibc's layout */
	assert_false(hp_free_chunks_find_arena(&fc, lo, lo + sizeof(h)));
	h[FIRST / 8 + 1] = 64 | PREV_INUSE | 4;
	h[0] = (lo | (HP_ARENA_HEAP_ALIGN - 1)) - 7; /* an arena neither after this heap_info nor a heap's */
	assert_false(hp_free_chunks_find_arena(&fc, lo, lo + sizeof(h)));
	assert_null(fc.bits);
}

/* Zeroed memory for two heaps, the first aligned as glibc aligns them (HP_ARENA_HEAP_ALIGN): its
 * address; *m the mapping's, 3 * HP_ARENA_HEAP_ALIGN long. */
static uint64_t two_heaps(uint8_t **m)
{
	uint64_t vmin, vmax;

	*m = mmap(NULL, 3 * HP_ARENA_HEAP_ALIGN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		  -1, 0);
	assert_true(*m != MAP_FAILED);
	hp_scan_maps_load(getpid(), &vmin, &vmax);
	return ((uint64_t)(uintptr_t)*m + HP_ARENA_HEAP_ALIGN - 1) & ~(HP_ARENA_HEAP_ALIGN - 1);
}

/* An arena's later heap (64 MiB aligned, as glibc maps them): its chunks follow its heap_info, as long
 * as the first heap's (from that heap's start to the arena), and end at the fenceposts glibc leaves
 * where the old top was: a chunk of 16 bytes, then one of 0. The arena's top is in another heap. */
static void a_later_heap_of_an_arena_ends_at_its_fenceposts(void **state)
{
	uint8_t *m;
	uint64_t first_heap = two_heaps(&m);
	struct hp_free_chunks fc;

	(void)state;
	uint64_t lo = first_heap + HP_ARENA_HEAP_ALIGN, arena = first_heap + ARENA_AT;
	uint64_t *arena_words = (uint64_t *)(uintptr_t)arena, *h = (uint64_t *)(uintptr_t)lo;
	arena_words[12] = first_heap + FIRST; /* the top: in the first heap */
	h[0] = arena;
	h[2] = 4096;                                      /* the heap's size */
	h[ARENA_AT / 8 + 1] = 64 | PREV_INUSE | 4;        /* in use */
	h[(ARENA_AT + 64) / 8 + 1] = 96 | PREV_INUSE | 4; /* free: the fencepost after it says so */
	h[(ARENA_AT + 160) / 8 + 1] = 16;                 /* fencepost, the chunk before it free */
	h[(ARENA_AT + 176) / 8 + 1] = PREV_INUSE;         /* the second fencepost */
	assert_true(hp_free_chunks_find_arena(&fc, lo, lo + 4096));
	assert_false(hp_free_chunks_has(&fc, lo + ARENA_AT + 16));
	assert_true(hp_free_chunks_has(&fc, lo + ARENA_AT + 64 + 16));
	assert_false(hp_free_chunks_has(&fc, lo + ARENA_AT + 160 + 8)); /* the fenceposts' headers */
	assert_true(hp_free_chunks_has(&fc, lo + 4096 - 8));
	hp_free_chunks_release(&fc);

	h[(ARENA_AT + 176) / 8 + 1] = 32 | PREV_INUSE; /* no second fencepost: not glibc's end of a heap */
	assert_false(hp_free_chunks_find_arena(&fc, lo, lo + 4096));
	munmap(m, 3 * HP_ARENA_HEAP_ALIGN);
}

/* One mapping may hold two heaps of an arena (the kernel merges neighbouring mappings): each is
 * walked on its own, from its own heap_info, and nothing past a heap's size or past the top chunk's end
 * is marked, for what lies there is not the heap's. */
static void heaps_merged_in_one_mapping_are_walked_each(void **state)
{
	uint8_t *m;
	uint64_t a = two_heaps(&m);
	struct hp_free_chunks fc;

	(void)state;
	uint64_t b = a + HP_ARENA_HEAP_ALIGN, arena = a + ARENA_AT, first = a + FIRST;
	uint64_t *ha = (uint64_t *)(uintptr_t)a, *hb = (uint64_t *)(uintptr_t)b;
	ha[0] = hb[0] = arena;
	ha[2] = hb[2] = 8192;
	/* The first heap: a chunk in use, a free one, the fenceposts. */
	ha[FIRST / 8 + 1] = 64 | PREV_INUSE | 4;
	ha[(FIRST + 64) / 8 + 1] = 96 | PREV_INUSE | 4;
	ha[(FIRST + 160) / 8 + 1] = 16;
	ha[(FIRST + 176) / 8 + 1] = PREV_INUSE;
	/* The later heap: a chunk in use, a free one, the top chunk, 1024 bytes; then no heap's. */
	hb[ARENA_AT / 8 + 1] = 64 | PREV_INUSE | 4;
	hb[(ARENA_AT + 64) / 8 + 1] = 96 | PREV_INUSE | 4;
	hb[(ARENA_AT + 160) / 8 + 1] = 1024;
	((uint64_t *)(uintptr_t)arena)[12] = b + ARENA_AT + 160;
	assert_true(hp_free_chunks_find_arena(&fc, a, b + 16384));
	assert_false(hp_free_chunks_has(&fc, first + 16));
	assert_true(hp_free_chunks_has(&fc, first + 64 + 16));
	assert_true(hp_free_chunks_has(&fc, a + 8192 - 8));       /* past the fenceposts, in the heap */
	assert_false(hp_free_chunks_has(&fc, a + 8192));          /* past the heap's size */
	assert_false(hp_free_chunks_has(&fc, b + ARENA_AT + 16)); /* the later heap's chunk in use */
	assert_true(hp_free_chunks_has(&fc, b + ARENA_AT + 64 + 16));
	assert_true(hp_free_chunks_has(&fc, b + ARENA_AT + 160 + 1024 - 8)); /* the top chunk */
	assert_false(hp_free_chunks_has(&fc, b + ARENA_AT + 160 + 1024));    /* past it */
	hp_free_chunks_release(&fc);

	/* A walk that fails in one heap leaves that heap unmarked, the other marked. */
	hb[(ARENA_AT + 64) / 8 + 1] = 88 | PREV_INUSE | 4;
	assert_true(hp_free_chunks_find_arena(&fc, a, b + 16384));
	assert_true(hp_free_chunks_has(&fc, first + 64 + 16));
	assert_false(hp_free_chunks_has(&fc, b + ARENA_AT + 64 + 16));
	assert_int_equal(hp_free_chunks_bytes(&fc), (FIRST + 160 - FIRST - 80) + (8192 - FIRST - 192));
	hp_free_chunks_release(&fc);
	munmap(m, 3 * HP_ARENA_HEAP_ALIGN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(free_chunks_and_the_top_are_marked, setup),
		cmocka_unit_test_setup(an_inconsistent_heap_marks_nothing, setup),
		cmocka_unit_test(free_chunks_of_an_arena_heap_are_marked),
		cmocka_unit_test(a_later_heap_of_an_arena_ends_at_its_fenceposts),
		cmocka_unit_test(heaps_merged_in_one_mapping_are_walked_each),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
