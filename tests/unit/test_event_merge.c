/* test_event_merge.c: causal order across streams by SYNC, bounded buffering, ticks to nanoseconds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "read/event_merge.h"
#include "read/record_decoder.h"
#include "read/trace.h"
#include "trace_builder.h"

struct got {
	struct hp_event ev[4096]; /* at least REF_EVENTS */
	size_t n;
	struct hp_merge *m;
	size_t max_pending_seen;
};

static int keep(void *ctx, const struct hp_event *ev, const struct hp_defs *defs)
{
	struct got *g = ctx;

	(void)defs;
	if (g->m && g->m->pending > g->max_pending_seen)
		g->max_pending_seen = g->m->pending;
	if (g->n < 4096)
		g->ev[g->n++] = *ev;
	return 0;
}

static int push(struct hp_merge *m, uint8_t type, uint32_t stream, uint64_t tick, uint64_t addr)
{
	struct hp_tick_event ev = {.type = type, .stream = stream, .key = tick, .tick = tick, .addr = addr};

	return hp_merge_push(m, &ev, 1);
}

/* Two streams: nothing leaves before SYNC; SYNC(W) releases tick < W by (tick, stream, arrival). */
static void two_streams_sync(void **state)
{
	struct hp_defs defs;
	struct hp_merge m;
	struct got g = {0};

	(void)state;
	hp_defs_init(&defs);
	hp_merge_init(&m, &defs, keep, &g, false, NULL);
	push(&m, HP_EV_ALLOC, 2, 20, 1);
	push(&m, HP_EV_ALLOC, 1, 10, 2);
	push(&m, HP_EV_ALLOC, 1, 30, 3);
	push(&m, HP_EV_ALLOC, 2, 30, 4);
	push(&m, HP_EV_FREE, 2, 30, 5); /* same tick, same stream: after addr 4 */
	push(&m, HP_EV_ALLOC, 1, 50, 6);
	push(&m, HP_EV_ALLOC, 2, 40, 7);
	assert_int_equal(g.n, 0);
	assert_int_equal(push(&m, HP_EV__SYNC, 0, 35, 0), 0);
	assert_int_equal(g.n, 5);
	uint64_t want1[] = {2, 1, 3, 4, 5};
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(g.ev[i].addr, want1[i]);
	push(&m, HP_EV_ALLOC, 1, 55, 8);
	assert_int_equal(hp_merge_flush(&m), 0);
	uint64_t want2[] = {7, 6, 8};
	assert_int_equal(g.n, 8);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(g.ev[5 + i].addr, want2[i]);
	assert_int_equal(m.released, 8);
	assert_false(m.overflowed);
	hp_merge_release(&m);
	hp_defs_release(&defs);
}

/* The same through whole traces: stream 2's chunk is written before stream 1's, yet the free on
 * stream 1 (tick 150) comes before the reuse of the address on stream 2 (tick 160). */
static void causal_order_in_a_trace(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct tb_events out = {0};
	struct hp_read_status st;

	(void)state;
	tb_init(&b, 0);
	tb_stream(&b, 0);
	tb_clock(&b, 100, 100, 0);
	tb_stream(&b, 2);
	tb_alloc(&b, 160, 0, 0xa000, 8, 0);
	tb_stream(&b, 1);
	tb_alloc(&b, 120, 0, 0xa000, 8, 0);
	tb_free(&b, 150, 0, 0xa000);
	tb_stream(&b, 0);
	tb_sync(&b, 155); /* the stream-2 alloc at 160 waits for the next SYNC */
	tb_chunk(&b, HPT_CODEC_ZSTD);
	tb_stream(&b, 1);
	tb_alloc(&b, 158, 0, 0xb000, 8, 0);
	tb_stream(&b, 0);
	tb_sync(&b, 1000);
	tb_chunk(&b, HPT_CODEC_STORED);
	assert_int_equal(tb_read(&b, b.len, &defs, &out, &st), 0);
	assert_int_equal(out.n, 4);
	uint64_t ticks[] = {120, 150, 158, 160};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(out.ev[i].tick, ticks[i]);
	assert_int_equal(out.ev[3].stream, 2);
	assert_string_equal(st.warning, "");
	hp_defs_release(&defs);
	free(out.ev);
	tb_release(&b);
}

/* Without SYNC, the queue never holds more than max_pending; the oldest go first, the flag is set. */
static void bounded_without_sync(void **state)
{
	struct hp_defs defs;
	struct hp_merge m;
	static struct got g;

	(void)state;
	memset(&g, 0, sizeof(g));
	hp_defs_init(&defs);
	hp_merge_init(&m, &defs, keep, &g, false, NULL);
	g.m = &m;
	m.max_pending = 100;
	for (uint64_t i = 0; i < 3000; i++) {
		assert_int_equal(push(&m, HP_EV_ALLOC, (uint32_t)(i % 3) + 1, i, i), 0);
		assert_true(m.pending <= 100);
	}
	assert_true(m.overflowed);
	assert_true(g.n >= 3000 - 100);
	assert_int_equal(hp_merge_flush(&m), 0);
	assert_int_equal(g.n, 3000);
	/* Pushed in tick order, so even forced releases come out in order. */
	for (size_t i = 0; i < 3000; i++)
		assert_int_equal(g.ev[i].tick, i);
	assert_true(g.max_pending_seen <= 100);
	hp_merge_release(&m);
	hp_defs_release(&defs);
}

/* TSC ticks scaled by the first and latest CLOCK pairs; time 0 is the first pair. */
static void ticks_to_ns(void **state)
{
	struct hp_defs defs;
	struct hp_merge m;
	struct got g = {0};
	uint64_t cal[2] = {40, 16}; /* per event, per allocation event */

	(void)state;
	hp_defs_init(&defs);
	hp_merge_init(&m, &defs, keep, &g, true, cal);
	struct hp_tick_event c1 = {.type = HP_EV__CLOCK, .tick = 1000, .addr = 5000};
	hp_merge_push(&m, &c1, 1);
	assert_int_equal(hp_merge_ns(&m, 1500), 500); /* one pair: ticks taken as nanoseconds */
	assert_int_equal(hp_merge_ns(&m, 900), 0);    /* before time 0: clamped */
	struct hp_tick_event c2 = {.type = HP_EV__CLOCK, .tick = 3000, .addr = 6000};
	hp_merge_push(&m, &c2, 1);
	assert_int_equal(hp_merge_ns(&m, 2000), 500); /* 2 ticks per ns */
	assert_int_equal(defs.process.event_cost_ns, 20);
	assert_int_equal(defs.process.alloc_event_cost_ns, 8);
	struct hp_tick_event c3 = {.type = HP_EV__CLOCK, .tick = 5000, .addr = 9000};
	hp_merge_push(&m, &c3, 1); /* first and latest: 4000 ticks = 4000 ns */
	assert_int_equal(hp_merge_ns(&m, 2000), 1000);
	struct hp_tick_event w = {.type = HP_EV_WAIT, .stream = 1, .key = 3000, .tick = 3000, .size = 800};
	hp_merge_push(&m, &w, 1);
	push(&m, HP_EV_ALLOC, 1, 4000, 1);
	assert_int_equal(hp_merge_flush(&m), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.ev[0].ns, 2000);
	assert_int_equal(g.ev[0].size, 800); /* a wait in ticks becomes nanoseconds too */
	assert_int_equal(g.ev[1].ns, 3000);
	assert_int_equal(defs.process.last_ns, 3000);
	assert_int_equal(defs.process.event_cost_ns, 40);
	assert_int_equal(defs.process.alloc_event_cost_ns, 16);
	/* No overflow on a long trace with a fast clock: saturates instead of wrapping. */
	struct hp_tick_event fast = {.type = HP_EV__CLOCK, .tick = 5001, .addr = 9000 + (1ull << 40)};
	m.t0 = 5000; /* the rate is now that of the last pair: 2^40 ns per tick */
	m.mono0 = 9000;
	m.nclock = 1;
	hp_merge_push(&m, &fast, 1);
	assert_int_equal(hp_merge_ns(&m, 5000 + (1ull << 30)), UINT64_MAX); /* 2^70 ns */
	hp_merge_release(&m);
	hp_defs_release(&defs);

	/* Without HPT_FEAT_TSC ticks are CLOCK_MONOTONIC nanoseconds, whatever the pairs say. */
	hp_defs_init(&defs);
	hp_merge_init(&m, &defs, keep, &g, false, NULL);
	hp_merge_push(&m, &c1, 1);
	hp_merge_push(&m, &c2, 1);
	assert_int_equal(hp_merge_ns(&m, 2000), 1000);
	assert_int_equal(hp_merge_duration_ns(&m, 800), 800);
	hp_merge_release(&m);
	hp_defs_release(&defs);
}

/* The merge against the rule it implements, said the slow way: repeatedly, the stream whose first
 * waiting event has the least (tick, stream) gives that event, while its tick is below the limit.
 * Ticks from a narrow range (ties across streams), sometimes going back within a stream, SYNCs at
 * random and a small max_pending: runs of one stream, cut by limits, ties and forced releases, and
 * batches of any size, each queued by runs of one stream that a forced release may cut. */
#define REF_STREAMS 5
#define REF_EVENTS 3000

struct ref {
	uint64_t tick[REF_STREAMS][REF_EVENTS];
	uint64_t id[REF_STREAMS][REF_EVENTS];
	size_t head[REF_STREAMS], len[REF_STREAMS];
	uint64_t out[REF_EVENTS];
	size_t nout, pending;
};

static void ref_release(struct ref *r, uint64_t limit, bool all, size_t count)
{
	while (count) {
		int best = -1;
		for (int s = 0; s < REF_STREAMS; s++)
			if (r->head[s] < r->len[s] &&
			    (best < 0 || r->tick[s][r->head[s]] < r->tick[best][r->head[best]]))
				best = s;
		if (best < 0 || (!all && r->tick[best][r->head[best]] >= limit))
			return;
		r->out[r->nout++] = r->id[best][r->head[best]++];
		r->pending--;
		count--;
	}
}

static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

static void same_order_as_the_rule(void **state)
{
	static struct got g;
	static struct ref r;

	(void)state;
	for (uint64_t seed = 1; seed <= 30; seed++) {
		struct hp_defs defs;
		struct hp_merge m;
		uint64_t x = seed, base = 1000;
		size_t max_pending = seed % 3 == 0 ? 40 : HP_MERGE_MAX_PENDING;

		memset(&g, 0, sizeof(g));
		memset(&r, 0, sizeof(r));
		hp_defs_init(&defs);
		hp_merge_init(&m, &defs, keep, &g, false, NULL);
		m.max_pending = max_pending;
		/* Handed over in batches of random sizes, SYNCs among the events, as the decoder does. */
		struct hp_tick_event batch[64];
		size_t nbatch = 0, want = 1 + lcg(&x) % 64;
		for (uint64_t id = 1; id <= REF_EVENTS; id++) {
			if (lcg(&x) % 16 == 0) {
				uint64_t w = base + lcg(&x) % 40;
				batch[nbatch++] = (struct hp_tick_event){.type = HP_EV__SYNC, .key = w, .tick = w};
				ref_release(&r, w, false, SIZE_MAX);
				base += lcg(&x) % 20;
			}
			/* Long runs of one stream, as a writer's buffers give them, now and then another. */
			int s = lcg(&x) % 4 ? (int)(id / 50 % REF_STREAMS) : (int)(lcg(&x) % REF_STREAMS);
			uint64_t tick = base + lcg(&x) % 30;
			batch[nbatch++] = (struct hp_tick_event){.type = HP_EV_ALLOC, .stream = (uint32_t)s + 1, .key = tick, .tick = tick,
								 .addr = id};
			r.tick[s][r.len[s]] = tick;
			r.id[s][r.len[s]++] = id;
			if (++r.pending > max_pending)
				ref_release(&r, 0, true, r.pending - max_pending * 3 / 4);
			if (nbatch + 2 > want || id == REF_EVENTS) {
				assert_int_equal(hp_merge_push(&m, batch, nbatch), 0);
				assert_int_equal(g.n, r.nout);
				nbatch = 0;
				want = 1 + lcg(&x) % 64;
			}
		}
		assert_int_equal(hp_merge_flush(&m), 0);
		ref_release(&r, 0, true, SIZE_MAX);
		assert_int_equal(g.n, REF_EVENTS);
		assert_int_equal(r.nout, REF_EVENTS);
		for (size_t i = 0; i < REF_EVENTS; i++)
			assert_int_equal(g.ev[i].addr, r.out[i]);
		hp_merge_release(&m);
		hp_defs_release(&defs);
	}
}

/* Released events fill in what the definitions learn from them. */
static void events_update_definitions(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct tb_events out = {0};
	struct hp_read_status st;

	(void)state;
	tb_init(&b, 0);
	tb_stream(&b, 0);
	tb_clock(&b, 1000, 1000, 0);
	tb_timed(&b, HPT_MODULE_LOAD, 1010, TB_U(0x400000) TB_STR("/bin/x") TB_STR("") TB_U(0));
	tb_stream(&b, 3);
	tb_timed(&b, HPT_THREAD_START, 1100, TB_U(777));
	tb_timed(&b, HPT_THREAD_END, 1400);
	tb_stream(&b, 0);
	tb_timed(&b, HPT_MODULE_UNLOAD, 1500, TB_U(0x400000));
	tb_rec(&b, HPT_PROCESS_END, TB_U(1600) TB_U(HPT_END_EXIT) TB_S(-3));
	tb_chunk(&b, HPT_CODEC_ZSTD);
	assert_int_equal(tb_read(&b, b.len, &defs, &out, &st), 0);
	assert_int_equal(out.n, 5);
	const struct hp_thread_info *t = hp_defs_thread(&defs, 3);
	assert_non_null(t);
	assert_int_equal(t->tid, 777);
	assert_int_equal(t->start_ns, 100);
	assert_int_equal(t->end_ns, 400);
	assert_true(t->ended);
	assert_int_equal(defs.modules[0].load_ns, 10);
	assert_int_equal(defs.modules[0].unload_ns, 500);
	assert_true(defs.process.ended);
	assert_int_equal(defs.process.end_status, -3);
	assert_int_equal(defs.process.end_ns, 600);
	assert_int_equal(defs.process.last_ns, 600);
	hp_defs_release(&defs);
	free(out.ev);
	tb_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_streams_sync),
		cmocka_unit_test(causal_order_in_a_trace),
		cmocka_unit_test(bounded_without_sync),
		cmocka_unit_test(ticks_to_ns),
		cmocka_unit_test(events_update_definitions),
		cmocka_unit_test(same_order_as_the_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
