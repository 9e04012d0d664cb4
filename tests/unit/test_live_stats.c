/* test_live_stats.c: the live view's running totals: heap and sites, zone time (nested, recursive, still
 * open, ended with their thread, less the recorder's), samples, and the windows that rates are taken
 * over. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "live/live_stats.h"
#include "read/trace.h"
#include "trace_builder.h"

static void read_into(struct tb *b, struct hp_live *l, struct hp_defs *defs)
{
	struct hp_read_status st;

	hp_defs_init(defs);
	hp_live_init(l);
	assert_int_equal(hp_trace_read_mem(b->buf, b->len, "t.hpt", defs, hp_live_event, l, &st), 0);
	assert_false(l->oom);
}

static const struct hp_live_site *site(const struct hp_live *l, uint32_t stack)
{
	for (size_t i = 0; i < l->nsites; i++)
		if (l->sites[i].stack == stack)
			return &l->sites[i];
	fail_msg("no site for stack %u", stack);
	return NULL;
}

static const struct hp_live_zone *zone(const struct hp_live *l, uint64_t key)
{
	for (size_t i = 0; i < l->nzones; i++)
		if (l->zones[i].key == key)
			return &l->zones[i];
	fail_msg("no zone %llu", (unsigned long long)key);
	return NULL;
}

static void heap_and_sites(void **state)
{
	struct tb b;
	struct hp_live l;
	struct hp_defs defs;

	(void)state;
	tb_init(&b, 0);
	tb_stream(&b, 0);
	tb_clock(&b, 0, 0, 1);
	tb_stream(&b, 1);
	tb_alloc(&b, 10, HPT_KIND_MALLOC, 0xa000, 100, 1);
	tb_alloc(&b, 20, HPT_KIND_MALLOC, 0xb000, 200, 2);
	tb_free(&b, 30, HPT_FREE_FREE, 0xa000);
	tb_realloc(&b, 40, HPT_KIND_REALLOC, 0, 0xb000, 0xc000, 300, 2);  /* moves: a free and an allocation */
	tb_realloc(&b, 50, HPT_KIND_REALLOC, HPT_REALLOC_FAILED, 0xc000, 0, 1 << 30, 2);
	tb_free(&b, 60, HPT_FREE_FREE, 0x9999);                           /* from before recording: ignored */
	tb_alloc(&b, 70, HPT_KIND_MALLOC, 0xc000, 50, 3);                 /* at a live address: its free was lost */
	tb_realloc(&b, 80, HPT_KIND_REALLOC, 0, 0, 0xd000, 64, 4);         /* realloc(NULL, n) */
	tb_alloc(&b, 90, HPT_KIND_MALLOC, 0, 8, 4);                       /* a failed malloc recorded as NULL */
	tb_chunk(&b, HPT_CODEC_STORED);
	read_into(&b, &l, &defs);

	assert_int_equal(l.total.allocs, 5);
	assert_int_equal(l.total.bytes, 100 + 200 + 300 + 50 + 64);
	assert_int_equal(l.total.frees, 2);
	assert_int_equal(l.heap_bytes, 50 + 64);
	assert_int_equal(l.heap.used, 2);
	assert_int_equal(l.heap_peak, 300);
	assert_int_equal(l.anomalies, 2); /* the lost free and the block at 0, as the report counts them */
	assert_int_equal(l.events, 9);
	assert_int_equal(site(&l, 1)->live_bytes, 0);
	assert_int_equal(site(&l, 2)->allocs, 2);
	assert_int_equal(site(&l, 2)->bytes, 500);
	assert_int_equal(site(&l, 2)->live_blocks, 0);
	assert_int_equal(site(&l, 3)->live_bytes, 50);
	assert_int_equal(site(&l, 4)->live_blocks, 1);
	assert_int_equal(site(&l, 4)->live_bytes, 64);
	hp_live_release(&l);
	hp_defs_release(&defs);
	tb_release(&b);
}

static void zone_time(void **state)
{
	struct tb b;
	struct hp_live l;
	struct hp_defs defs;

	(void)state;
	tb_init(&b, 0);
	tb_stream(&b, 0);
	tb_clock(&b, 0, 0, 1);
	tb_stream(&b, 1);
	tb_timed(&b, HPT_ZONE_BEGIN, 1000, TB_U(1));
	tb_timed(&b, HPT_ZONE_BEGIN, 1100, TB_U(1)); /* recursive: its time is already the outer call's */
	tb_timed(&b, HPT_ZONE_BEGIN, 1150, TB_U(5));
	tb_timed(&b, HPT_ZONE_END, 1200, TB_U(1));   /* closes 5 on the way down to the inner 1 */
	tb_timed(&b, HPT_ZONE_END, 1500, TB_U(0));   /* the innermost: the outer 1 */
	tb_timed(&b, HPT_ZONE_END, 1550, TB_U(7));   /* matches nothing */
	tb_timed(&b, HPT_FUNC_ENTER, 1600, TB_U(0x401000));
	tb_timed(&b, HPT_ZONE_BEGIN, 1700, TB_U(2)); /* left open */
	tb_stream(&b, 2);
	tb_timed(&b, HPT_ZONE_BEGIN, 1000, TB_U(2));
	tb_timed(&b, HPT_THREAD_END, 1300);           /* ends its open zone */
	tb_stream(&b, 0);
	tb_rec(&b, HPT_SAMPLE, TB_U(1800) TB_U(4096) TB_U(600) TB_U(300) TB_U(0) TB_U(0) TB_U(0) TB_U(0));
	tb_rec(&b, HPT_SAMPLE, TB_U(1900) TB_U(8192) TB_U(1000) TB_U(400) TB_U(0) TB_U(0) TB_U(0) TB_U(0));
	tb_chunk(&b, HPT_CODEC_ZSTD);
	read_into(&b, &l, &defs);

	assert_int_equal(zone(&l, 1)->calls, 2);
	assert_int_equal(zone(&l, 1)->ns, 500);
	assert_int_equal(zone(&l, 1)->open, 0);
	assert_int_equal(zone(&l, 5)->ns, 50);
	assert_int_equal(l.anomalies, 1);
	assert_int_equal(zone(&l, 2)->calls, 2);
	assert_int_equal(zone(&l, 2)->open, 1);
	assert_int_equal(zone(&l, 2)->ns, 300); /* thread 2's call, until its thread ended */
	assert_int_equal(zone(&l, 0x401000 | HP_LIVE_FN)->ns, 0);

	/* Open calls count the time they have spent so far, once. */
	hp_live_credit(&l, 2000);
	assert_int_equal(zone(&l, 2)->ns, 300 + 300);
	assert_int_equal(zone(&l, 0x401000 | HP_LIVE_FN)->ns, 400);
	hp_live_credit(&l, 2000);
	assert_int_equal(zone(&l, 2)->ns, 600);

	assert_true(l.have_sample);
	assert_int_equal(l.rss, 8192);
	/* The trace's CPU time: from its first sample, which the writer takes as it starts. */
	assert_int_equal(l.total.cpu_ns, 1400 - 900);
	assert_int_equal(l.total.cpu_at_ns, 1900);
	hp_live_release(&l);
	hp_defs_release(&defs);
	tb_release(&b);
}

/* A zone's time leaves out the recorder's on its thread, by the report's rule (model/recorder_cost.h):
 * the trace test_profile_build reads too (tb_recorder_zone), the same time; an open call's credit
 * leaves it out as well. */
static void the_recorders_time_is_left_out_as_in_the_report(void **state)
{
	struct tb b;
	struct hp_live l;
	struct hp_defs defs;

	(void)state;
	tb_recorder_zone(&b);
	tb_timed(&b, HPT_ZONE_BEGIN, 3000, TB_U(2));        /* left open */
	tb_alloc(&b, 3100, HPT_KIND_MALLOC, 0xc000, 40, 1); /* 25 */
	tb_chunk(&b, HPT_CODEC_ZSTD);
	read_into(&b, &l, &defs);

	assert_int_equal(zone(&l, 1)->ns, TB_RECORDER_ZONE_NS);
	hp_live_credit(&l, 3500);
	assert_int_equal(zone(&l, 2)->ns, 500 - 25);
	hp_live_credit(&l, 3600); /* the allocation is counted once */
	assert_int_equal(zone(&l, 2)->ns, 600 - 25);
	hp_live_release(&l);
	hp_defs_release(&defs);
	tb_release(&b);
}

static void windows(void **state)
{
	struct hp_live l;
	struct hp_event ev = {.type = HP_EV_ALLOC, .stream = 1, .size = 10, .stack = 1};

	(void)state;
	hp_live_init(&l);
	/* Before any mark: from the start of the trace. */
	assert_int_equal(hp_live_window(&l, 500, 100), 0);
	assert_int_equal(l.mark[0].ns, 0);
	ev.addr = 0x1000;
	assert_int_equal(hp_live_event(&l, &ev, NULL), 0);
	hp_live_mark(&l, 1000);
	ev.addr = 0x2000;
	assert_int_equal(hp_live_event(&l, &ev, NULL), 0);
	/* The latest mark is recent: the window reaches back to the one before. */
	assert_int_equal(hp_live_window(&l, 1050, 500), 1);
	assert_int_equal(l.total.allocs - l.mark[1].allocs, 2);
	assert_int_equal(hp_live_window(&l, 1600, 500), 0);
	assert_int_equal(l.total.allocs - l.mark[0].allocs, 1);
	hp_live_mark(&l, 1600);
	assert_int_equal(l.mark[1].ns, 1000);
	assert_int_equal(l.mark[0].allocs, 2);
	hp_live_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(heap_and_sites),
		cmocka_unit_test(zone_time),
		cmocka_unit_test(the_recorders_time_is_left_out_as_in_the_report),
		cmocka_unit_test(windows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
