/* test_epoch_plan.c: the order of one epoch's events across streams found by search: one in which
 * every free ends a block alive and every allocation hands out an address that is not, each stream
 * keeping its own order; none when no such order exists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "read/epoch_plan.h"
#include "read/trace.h"

/* Addresses alive before the plan: bit i for address 0x1000 * (i + 1). */
static bool alive_before(void *heap, uint64_t addr)
{
	unsigned bits = *(const unsigned *)heap;

	return addr % 0x1000 == 0 && addr / 0x1000 >= 1 && addr / 0x1000 <= 16 && (bits >> (addr / 0x1000 - 1) & 1);
}

static struct hp_tick_event ev(enum hp_event_type type, uint64_t addr)
{
	return (struct hp_tick_event){.type = (uint8_t)type, .addr = addr};
}

/* Plans the streams' events (two streams: a[0..na), b[0..nb)); returns hp_epoch_plan's value and, when
 * it found an order, checks it: each stream's events in their order, and each can happen when it goes. */
static int plan(unsigned alive_bits, const struct hp_tick_event *a, size_t na, const struct hp_tick_event *b, size_t nb)
{
	const struct hp_tick_event *evs[16];
	size_t first[2] = {0, na}, n[2] = {na, nb};
	uint32_t order[16];

	assert_true(na + nb <= 16);
	for (size_t i = 0; i < na; i++)
		evs[i] = &a[i];
	for (size_t i = 0; i < nb; i++)
		evs[na + i] = &b[i];
	struct hp_epoch_plan_input in = {2, evs, first, n, alive_before, &alive_bits, 256};
	int rc = hp_epoch_plan(&in, order);
	if (rc != 1)
		return rc;
	size_t pos[2] = {0, 0};
	unsigned bits = alive_bits;
	for (size_t k = 0; k < na + nb; k++) {
		uint32_t s = order[k];
		assert_true(s < 2 && pos[s] < n[s]);
		const struct hp_tick_event *e = evs[first[s] + pos[s]++];
		unsigned bit = 1u << (e->addr / 0x1000 - 1);
		if (e->type == HP_EV_FREE) {
			assert_true(bits & bit); /* a free ends a block alive */
			bits &= ~bit;
		} else {
			assert_false(bits & bit); /* an allocation hands out an address that is not */
			bits |= bit;
		}
	}
	return rc;
}

/* Stream 0 could free the block alive at once, but stream 1 frees that life and hands the address
 * out again, and stream 0 frees the new one: taken first, stream 0's free leaves stream 1's to match
 * nothing. The search goes back on that choice. */
static void goes_back_on_a_choice_that_leaves_a_stream_waiting(void **state)
{
	const struct hp_tick_event s0[] = {ev(HP_EV_ALLOC, 0x2000), ev(HP_EV_FREE, 0x1000)};
	const struct hp_tick_event s1[] = {ev(HP_EV_FREE, 0x1000), ev(HP_EV_ALLOC, 0x1000), ev(HP_EV_FREE, 0x2000)};

	(void)state;
	assert_int_equal(plan(1u << 0, s0, 2, s1, 3), 1);
}

/* A pool of two buffers that one thread hands out and another frees, in turns. */
static void orders_a_pool_traded_between_two_threads(void **state)
{
	const struct hp_tick_event giver[] = {ev(HP_EV_ALLOC, 0x1000), ev(HP_EV_ALLOC, 0x2000), ev(HP_EV_ALLOC, 0x1000),
					      ev(HP_EV_ALLOC, 0x2000), ev(HP_EV_ALLOC, 0x1000)};
	const struct hp_tick_event taker[] = {ev(HP_EV_FREE, 0x2000), ev(HP_EV_FREE, 0x1000), ev(HP_EV_FREE, 0x1000),
					      ev(HP_EV_FREE, 0x2000)};

	(void)state;
	assert_int_equal(plan(0, taker, 4, giver, 5), 1);
}

/* Two frees of one life, and nothing hands the address out again: no order. */
static void finds_none_when_two_streams_free_one_life(void **state)
{
	const struct hp_tick_event s0[] = {ev(HP_EV_FREE, 0x1000)};
	const struct hp_tick_event s1[] = {ev(HP_EV_FREE, 0x1000)};

	(void)state;
	assert_int_equal(plan(1u << 0, s0, 1, s1, 1), 0);
}

/* A free of a block from before the recording (nothing in the plan hands it out, and it is not
 * alive) cannot be ordered: it goes where its stream puts it, and the others are still ordered. */
static void lets_a_free_of_an_unknown_block_go_anywhere(void **state)
{
	const struct hp_tick_event s0[] = {ev(HP_EV_FREE, 0x3000), ev(HP_EV_FREE, 0x1000)};
	const struct hp_tick_event s1[] = {ev(HP_EV_ALLOC, 0x1000)};
	const struct hp_tick_event *evs[] = {&s0[0], &s0[1], &s1[0]};
	size_t first[2] = {0, 2}, n[2] = {2, 1};
	unsigned bits = 0;
	uint32_t order[3];

	(void)state;
	struct hp_epoch_plan_input in = {2, evs, first, n, alive_before, &bits, 256};
	assert_int_equal(hp_epoch_plan(&in, order), 1);
	assert_int_equal(order[0], 0); /* the unknown block's free, first in its stream */
	assert_int_equal(order[1], 1); /* the allocation its stream's next free ends */
	assert_int_equal(order[2], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(goes_back_on_a_choice_that_leaves_a_stream_waiting),
		cmocka_unit_test(orders_a_pool_traded_between_two_threads),
		cmocka_unit_test(finds_none_when_two_streams_free_one_life),
		cmocka_unit_test(lets_a_free_of_an_unknown_block_go_anywhere),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
