/* test_live_heap.c: the table of live blocks against a plain array: through growths of its index of
 * pages, pages emptied and taken out, and a page holding a block at every byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/live_heap.h"

#define SPAN (1u << 20) /* addresses: four a page, 262,144 pages */

/* A deterministic sequence (xorshift64*), so that a failure repeats. */
static uint64_t next_random(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dull;
}

static uint64_t addr_of(uint32_t i)
{
	return 0x7f0000000000ull + (uint64_t)(i / 4) * 4096 + (i % 4) * 1024;
}

/* Adds and removes blocks at random over SPAN addresses, most of them alive at the end (so that the
 * index grows several times, and pages empty and come back), and checks after every step that the
 * table holds what the array says: the block found at each address touched, and the count alive. */
static void matches_an_array_through_growth(void **state)
{
	struct hp_heap h = {0};
	uint64_t *size = calloc(SPAN, sizeof(*size)); /* 0: not alive */
	uint64_t x = 88172645463325252ull;
	size_t alive = 0;

	(void)state;
	assert_non_null(size);
	for (int step = 0; step < 1500000; step++) {
		uint32_t g = (uint32_t)(next_random(&x) % SPAN);
		struct hp_block *b = hp_heap_find(&h, addr_of(g));
		assert_int_equal(b != NULL, size[g] != 0);
		if (b && next_random(&x) % 4 == 0) {
			hp_heap_remove(&h, addr_of(g));
			size[g] = 0;
			alive--;
		} else if (!b) {
			b = hp_heap_insert(&h, addr_of(g));
			assert_non_null(b);
			assert_int_equal(b->size, 0);
			b->size = size[g] = 1 + g % 4096;
			alive++;
		} else {
			assert_int_equal(b->size, size[g]);
		}
		assert_int_equal(h.used, alive);
	}
	assert_true(alive > 400000);
	assert_true(h.pages_cap * sizeof(*h.pages) >= (4u << 20)); /* mapped in huge pages (table_new) */

	/* The walk visits every block alive once, and only those. */
	struct hp_heap_walk w = {0};
	size_t walked = 0;
	for (struct hp_block *b; (b = hp_heap_next(&h, &w));) {
		uint64_t off = w.addr - addr_of(0), g = off / 4096 * 4 + off % 4096 / 1024;
		assert_true(g < SPAN);
		assert_int_equal(b->size, size[g]);
		size[g] = 0; /* a second visit would find 0 */
		walked++;
	}
	assert_int_equal(walked, alive);
	for (uint32_t g = 0; g < SPAN; g++)
		assert_int_equal(size[g], 0);

	hp_heap_free(&h);
	assert_int_equal(h.used, 0);
	assert_null(hp_heap_find(&h, addr_of(1)));
	free(size);
}

/* A page with a block at every byte: more than its map holds, at addresses no allocator hands out
 * (a trace may hold anything). Blocks are added in a random order, half of them removed, the rest
 * found where they are. */
static void a_block_at_every_byte(void **state)
{
	enum { BYTES = 4096, PAGE = 0x5000 };
	static uint64_t size[BYTES];
	uint64_t x = 2463534242ull;
	struct hp_heap h = {0};
	size_t alive = 0;

	(void)state;
	memset(size, 0, sizeof(size));
	for (int step = 0; step < 8 * BYTES; step++) {
		uint32_t k = (uint32_t)(next_random(&x) % BYTES);
		struct hp_block *b = hp_heap_find(&h, PAGE + k);
		assert_int_equal(b != NULL, size[k] != 0);
		if (b && (next_random(&x) & 1)) {
			hp_heap_remove(&h, PAGE + k);
			size[k] = 0;
			alive--;
		} else if (!b) {
			b = hp_heap_insert(&h, PAGE + k);
			assert_non_null(b);
			b->size = size[k] = k + 1;
			alive++;
		}
		assert_int_equal(h.used, alive);
	}
	assert_true(alive > 1000); /* past the map's 255 */
	for (uint32_t k = 0; k < BYTES; k++) {
		struct hp_block *b = hp_heap_find(&h, PAGE + k);
		assert_int_equal(b ? b->size : 0, size[k]);
	}
	/* Emptied, the page leaves the index. */
	for (uint32_t k = 0; k < BYTES; k++) {
		hp_heap_remove(&h, PAGE + k);
	}
	assert_int_equal(h.used, 0);
	assert_int_equal(h.npages, 0);
	hp_heap_free(&h);
}

/* Address 0 is no block's: it is never inserted, never found. */
static void address_zero_is_no_block(void **state)
{
	struct hp_heap h = {0};

	(void)state;
	assert_null(hp_heap_insert(&h, 0));
	assert_non_null(hp_heap_insert(&h, 16));
	assert_null(hp_heap_find(&h, 0));
	assert_int_equal(h.used, 1);
	hp_heap_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(matches_an_array_through_growth),
		cmocka_unit_test(a_block_at_every_byte),
		cmocka_unit_test(address_zero_is_no_block),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
