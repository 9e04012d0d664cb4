/* test_leak_classify.c: memcheck's categories on small hand-made heaps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hpt_format.h"
#include "model/leak_classify.h"

#define B(addr, size) {(addr), (size), 0, 0, 0}
#define ROOT(v) {.loc = 0x10, .value = (v), .region = HPT_REGION_DATA}
#define STACKW(v) {.loc = 0x7ff0, .value = (v), .region = HPT_REGION_STACK}
#define HEAP(l, v) {.loc = (l), .value = (v), .region = HPT_REGION_HEAP}
#define MAPPED(l, v) {.loc = (l), .value = (v), .region = HPT_REGION_MAPPED}
#define HEAD(l, v) {.loc = (l), .value = (v), .region = HP_REGION_CONTENTS + HPT_CONTENT_HEAD}
#define VTABLE(l, v) {.loc = (l), .value = (v), .region = HP_REGION_CONTENTS + HPT_CONTENT_VTABLE}

static void classify(struct hp_live_block *b, size_t nb, const struct hp_region_word *w, size_t nw)
{
	assert_int_equal(hp_leak_classify(b, nb, w, nw, HP_HEURISTICS_ALL), 0);
}

static void no_pointer_is_definite(void **state)
{
	struct hp_live_block b[] = {B(0x1000, 16), B(0x2000, 16)};
	(void)state;
	classify(b, 2, NULL, 0);
	assert_int_equal(b[0].kind, HP_LEAK_DEFINITE);
	assert_int_equal(b[1].kind, HP_LEAK_DEFINITE);
}

static void list_dropped_at_head(void **state)
{
	/* 0x1000 -> 0x2000 -> 0x3000, nothing points at the head. */
	struct hp_live_block b[] = {B(0x1000, 16), B(0x2000, 16), B(0x3000, 16)};
	struct hp_region_word w[] = {HEAP(0x1000, 0x2000), HEAP(0x2000, 0x3000)};
	(void)state;
	classify(b, 3, w, 2);
	assert_int_equal(b[0].kind, HP_LEAK_DEFINITE);
	assert_int_equal(b[1].kind, HP_LEAK_INDIRECT);
	assert_int_equal(b[2].kind, HP_LEAK_INDIRECT);
}

static void tree_dropped_at_root_with_head_listed_last(void **state)
{
	/* The head has the highest address: its children, met first in address order, become
	 * leaders only until the head's walk reaches them. */
	struct hp_live_block b[] = {B(0x1000, 16), B(0x2000, 16), B(0x9000, 16)};
	struct hp_region_word w[] = {HEAP(0x9000, 0x1000), HEAP(0x9008, 0x2000)};
	(void)state;
	classify(b, 3, w, 2);
	assert_int_equal(b[2].kind, HP_LEAK_DEFINITE);
	assert_int_equal(b[0].kind, HP_LEAK_INDIRECT);
	assert_int_equal(b[1].kind, HP_LEAK_INDIRECT);
}

static void unreachable_cycle_lowest_is_definite(void **state)
{
	struct hp_live_block b[] = {B(0x1000, 16), B(0x2000, 16)};
	struct hp_region_word w[] = {HEAP(0x1000, 0x2000), HEAP(0x2000, 0x1000)};
	(void)state;
	classify(b, 2, w, 2);
	assert_int_equal(b[0].kind, HP_LEAK_DEFINITE);
	assert_int_equal(b[1].kind, HP_LEAK_INDIRECT);
}

static void start_pointer_chain_from_root_is_reachable(void **state)
{
	struct hp_live_block b[] = {B(0x1000, 16), B(0x2000, 16)};
	struct hp_region_word w[] = {ROOT(0x1000), HEAP(0x1008, 0x2000)};
	(void)state;
	classify(b, 2, w, 2);
	assert_int_equal(b[0].kind, HP_LEAK_REACHABLE);
	assert_int_equal(b[1].kind, HP_LEAK_REACHABLE);
}

static void interior_pointer_makes_possible_and_propagates(void **state)
{
	/* root -> interior of A; A -> start of B: B is only possibly reached too. */
	struct hp_live_block b[] = {B(0x1000, 32), B(0x2000, 16)};
	struct hp_region_word w[] = {STACKW(0x1010), HEAP(0x1000, 0x2000)};
	(void)state;
	classify(b, 2, w, 2);
	assert_int_equal(b[0].kind, HP_LEAK_POSSIBLE);
	assert_int_equal(b[1].kind, HP_LEAK_POSSIBLE);
}

static void start_pointer_upgrades_possible(void **state)
{
	struct hp_live_block b[] = {B(0x1000, 32)};
	struct hp_region_word w[] = {ROOT(0x1010), ROOT(0x1000)};
	(void)state;
	classify(b, 1, w, 2);
	assert_int_equal(b[0].kind, HP_LEAK_REACHABLE);
}

static void pointer_past_end_and_from_non_block_do_not_count(void **state)
{
	/* 0x1010 is one past the end of A; a heap word outside every block is no edge. */
	struct hp_live_block b[] = {B(0x1000, 16), B(0x2000, 16)};
	struct hp_region_word w[] = {ROOT(0x1010), HEAP(0x5000, 0x2000)};
	(void)state;
	classify(b, 2, w, 2);
	assert_int_equal(b[0].kind, HP_LEAK_DEFINITE);
	assert_int_equal(b[1].kind, HP_LEAK_DEFINITE);
}

static void zero_sized_block(void **state)
{
	struct hp_live_block b[] = {B(0x1000, 0), B(0x2000, 0)};
	struct hp_region_word w[] = {ROOT(0x1000), ROOT(0x2001)};
	(void)state;
	classify(b, 2, w, 2);
	assert_int_equal(b[0].kind, HP_LEAK_REACHABLE);
	assert_int_equal(b[1].kind, HP_LEAK_DEFINITE);
	size_t near = 0;
	assert_int_equal(hp_leak_block_of(b, 2, 0x1000, &near), 0);
	assert_int_equal(hp_leak_block_of(b, 2, 0x1001, &near), -1);
	assert_int_equal(hp_leak_block_of(b, 2, 0xfff, &near), -1);
}

/* Whatever address was looked up before (every *near from 0 to nblocks, right or stale), the block
 * found is the one a scan of all blocks finds. */
static void block_lookup_from_any_earlier_one(void **state)
{
	struct hp_live_block b[] = {B(0x1000, 16), B(0x1010, 0), B(0x1020, 32), B(0x2000, 8), B(0x2010, 4096)};
	size_t n = sizeof(b) / sizeof(b[0]);
	(void)state;
	for (uint64_t addr = 0xff0; addr < 0x3020; addr += 4)
		for (size_t from = 0; from <= n; from++) {
			long want = -1;
			for (size_t i = 0; i < n; i++)
				if (addr == b[i].addr || addr - b[i].addr < b[i].size)
					want = (long)i;
			size_t near = from;
			assert_int_equal(hp_leak_block_of(b, n, addr, &near), want);
			assert_true(near <= n && (near == 0 || b[near - 1].addr <= addr) &&
				    (near == n || addr < b[near].addr));
		}
}

static void empty_heap(void **state)
{
	(void)state;
	assert_int_equal(hp_leak_classify(NULL, 0, NULL, 0, HP_HEURISTICS_ALL), 0);
}

static void mapped_memory_is_a_root_outside_blocks(void **state)
{
	/* A pool the program mapped (0x9000) points at 0x1000; a large block living in a mapping
	 * (0x20000, 4096 bytes) points at 0x2000 but is itself pointed to by nothing. */
	struct hp_live_block b[] = {B(0x1000, 16), B(0x2000, 16), B(0x20000, 4096)};
	struct hp_region_word w[] = {MAPPED(0x9000, 0x1000), MAPPED(0x20010, 0x2000)};
	(void)state;
	classify(b, 3, w, 2);
	assert_int_equal(b[0].kind, HP_LEAK_REACHABLE);
	assert_int_equal(b[1].kind, HP_LEAK_INDIRECT);
	assert_int_equal(b[2].kind, HP_LEAK_DEFINITE);
}

static void heuristics_take_interior_pointers_for_start_pointers(void **state)
{
	/* 0x1000: new[] of 3 objects of 16 bytes (a cookie of 3, then 48 bytes), pointed to at +8.
	 * 0x2000: a length64 block of 40 bytes (first word 32), pointed to at +8.
	 * 0x3000: an old std::string of capacity 15, length 5: 24 + 15 + 1 = 40 bytes, pointed to at +24.
	 * 0x4000: an object with two vtables (at +0 and +16), pointed to at +16.
	 * 0x5000: 40 bytes pointed to at +8 with a first word that fits no heuristic: possible. */
	struct hp_live_block b[] = {B(0x1000, 56), B(0x2000, 40), B(0x3000, 40), B(0x4000, 32), B(0x5000, 40)};
	struct hp_region_word w[] = {
		ROOT(0x1008), ROOT(0x2008), ROOT(0x3018), ROOT(0x4010), ROOT(0x5008),
		HEAD(0x1000, 3), HEAD(0x2000, 32), HEAD(0x3000, 5), HEAD(0x3008, 15), HEAD(0x5000, 7),
		VTABLE(0x4000, 0x401000), VTABLE(0x4010, 0x402000),
	};
	(void)state;
	assert_int_equal(hp_leak_classify(b, 5, w, 12, HP_HEURISTICS_ALL), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(b[i].kind, HP_LEAK_REACHABLE);
	assert_int_equal(b[0].heuristic, HP_HEUR_NEWARRAY + 1);
	assert_int_equal(b[1].heuristic, HP_HEUR_LENGTH64 + 1); /* memcheck tries length64 before newarray */
	assert_int_equal(b[2].heuristic, HP_HEUR_STDSTRING + 1);
	assert_int_equal(b[3].heuristic, HP_HEUR_MULTIPLE_INHERITANCE + 1);
	assert_int_equal(b[4].kind, HP_LEAK_POSSIBLE);
	/* Switched off, each is only possibly lost; one heuristic alone recognises its own shape. */
	assert_int_equal(hp_leak_classify(b, 5, w, 12, 0), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(b[i].kind, HP_LEAK_POSSIBLE);
	assert_int_equal(hp_leak_classify(b, 5, w, 12, 1u << HP_HEUR_STDSTRING), 0);
	assert_int_equal(b[2].kind, HP_LEAK_REACHABLE);
	assert_int_equal(b[0].kind, HP_LEAK_POSSIBLE);
}

static void heuristic_names_parse_like_memcheck(void **state)
{
	char err[160];
	(void)state;
	assert_int_equal(hp_leak_heuristics_parse("all", err, sizeof(err)), HP_HEURISTICS_ALL);
	assert_int_equal(hp_leak_heuristics_parse("none", err, sizeof(err)), 0);
	assert_int_equal(hp_leak_heuristics_parse("stdstring,newarray", err, sizeof(err)),
			 (1 << HP_HEUR_STDSTRING) | (1 << HP_HEUR_NEWARRAY));
	assert_int_equal(hp_leak_heuristics_parse("stdstrin", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown leak heuristic 'stdstrin'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_pointer_is_definite),
		cmocka_unit_test(list_dropped_at_head),
		cmocka_unit_test(tree_dropped_at_root_with_head_listed_last),
		cmocka_unit_test(unreachable_cycle_lowest_is_definite),
		cmocka_unit_test(start_pointer_chain_from_root_is_reachable),
		cmocka_unit_test(interior_pointer_makes_possible_and_propagates),
		cmocka_unit_test(start_pointer_upgrades_possible),
		cmocka_unit_test(pointer_past_end_and_from_non_block_do_not_count),
		cmocka_unit_test(zero_sized_block),
		cmocka_unit_test(block_lookup_from_any_earlier_one),
		cmocka_unit_test(empty_heap),
		cmocka_unit_test(mapped_memory_is_a_root_outside_blocks),
		cmocka_unit_test(heuristics_take_interior_pointers_for_start_pointers),
		cmocka_unit_test(heuristic_names_parse_like_memcheck),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
