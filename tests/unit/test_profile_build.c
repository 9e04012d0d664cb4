/* test_profile_build.c: the profile built from traces made in memory: the heap model (counts,
 * temporaries, realloc, lost frees, the peak, leaks) and the zone model (pairing, self time,
 * recursion, the call tree), and the observer that per-event exports read the one pass through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "export/export.h"
#include "model/profile.h"
#include "trace_builder.h"

static struct hp_profile *build(struct tb *b, const struct hp_profile_observer *obs)
{
	struct hp_profile_options opts = {.heuristics = -1, .observer = obs};
	char err[512];
	struct hp_profile *p = hp_profile_load_mem(b->buf, b->len, "t.hpt", &opts, err, sizeof(err));

	if (!p)
		fail_msg("%s", err);
	return p;
}

static const struct hp_alloc_site *site(const struct hp_profile *p, uint32_t stack)
{
	for (size_t i = 0; i < p->nsites; i++)
		if (p->sites[i].stack_id == stack)
			return &p->sites[i];
	fail_msg("no site for stack %u", stack);
	return NULL;
}

static const struct hp_function *function(const struct hp_profile *p, uint32_t zone_site, uint64_t fn_addr)
{
	for (size_t i = 0; i < p->nfunctions; i++)
		if (zone_site ? p->functions[i].site == zone_site : p->functions[i].fn_addr == fn_addr)
			return &p->functions[i];
	fail_msg("no function %u/%llx", zone_site, (unsigned long long)fn_addr);
	return NULL;
}

/* A trace in format version 2 (every event with its tick) or 3 (epochs), whose clock reads one tick
 * a nanosecond from 0, its next records in `stream`. */
static void begin(struct tb *b, bool epochs, uint32_t stream)
{
	if (epochs)
		tb_init_epochs(b, 0);
	else
		tb_init(b, 0);
	tb_stream(b, 0);
	tb_clock(b, 0, 0, 1);
	tb_stream(b, stream);
}

static void heap(void **state)
{
	struct tb b;

	(void)state;
	begin(&b, false, 1);
	tb_alloc(&b, 10, HPT_KIND_MALLOC, 0xa000, 100, 1);
	tb_alloc(&b, 20, HPT_KIND_MALLOC, 0xb000, 200, 2);
	tb_free(&b, 30, HPT_FREE_FREE, 0xa000);                           /* 0xb000 came since: not temporary */
	tb_realloc(&b, 40, HPT_KIND_REALLOC, 0, 0xb000, 0xc000, 300, 2);  /* moves: a free and an allocation */
	tb_realloc(&b, 50, HPT_KIND_REALLOC, HPT_REALLOC_FAILED, 0xc000, 0, 1 << 30, 2);
	tb_free(&b, 60, HPT_FREE_FREE, 0x9999);                           /* from before recording */
	tb_alloc(&b, 70, HPT_KIND_MALLOC, 0xc000, 50, 3);                 /* at a live address: its free was lost */
	tb_realloc(&b, 80, HPT_KIND_REALLOC, 0, 0, 0xd000, 64, 4);         /* realloc(NULL, n) */
	tb_alloc(&b, 90, HPT_KIND_MALLOC, 0, 8, 4);                       /* a failed malloc recorded as NULL */
	tb_alloc(&b, 100, HPT_KIND_MALLOC, 0xe000, 16, 5);
	tb_free(&b, 110, HPT_FREE_FREE, 0xe000);                          /* temporary */
	tb_alloc(&b, 120, HPT_KIND_MALLOC, 0xf000, 32, 6);
	tb_stream(&b, 2);
	tb_free(&b, 130, HPT_FREE_FREE, 0xf000);                          /* another thread's: not temporary */
	tb_chunk(&b, HPT_CODEC_ZSTD);
	struct hp_profile *p = build(&b, NULL);

	const struct hp_summary *s = &p->summary;
	assert_int_equal(s->allocations, 7);
	assert_int_equal(s->bytes_allocated, 100 + 200 + 300 + 50 + 64 + 16 + 32);
	assert_int_equal(s->frees, 4);
	assert_int_equal(s->reallocs, 2);
	assert_int_equal(s->failed_allocations, 1);
	assert_int_equal(s->unmatched_frees, 1);
	assert_int_equal(s->anomalies, 2);
	assert_int_equal(s->temporary_allocations, 1);
	assert_int_equal(s->peak_heap_bytes, 300);
	assert_int_equal(site(p, 1)->frees, 1);
	assert_int_equal(site(p, 2)->allocs, 2);
	assert_int_equal(site(p, 2)->bytes, 500);
	assert_int_equal(site(p, 2)->reallocs, 1);
	assert_int_equal(site(p, 2)->failed, 1);
	assert_int_equal(site(p, 2)->live_blocks, 0);
	assert_int_equal(site(p, 3)->live_bytes, 50);
	assert_int_equal(site(p, 4)->live_bytes, 64);
	assert_int_equal(site(p, 5)->temporary, 1);
	assert_int_equal(site(p, 6)->temporary, 0);
	/* What is alive at the end: two blocks, no scan saw them. */
	uint64_t leak_bytes = 0, leak_blocks = 0;
	for (size_t i = 0; i < p->nleaks; i++) {
		assert_int_equal(p->leaks[i].kind, HP_LEAK_UNCLASSIFIED);
		leak_bytes += p->leaks[i].bytes;
		leak_blocks += p->leaks[i].blocks;
	}
	assert_int_equal(leak_bytes, 50 + 64);
	assert_int_equal(leak_blocks, 2);
	assert_int_equal(s->leaked_bytes, 0);
	hp_profile_free(p);
	tb_release(&b);
}

/* The calls the observer saw closing, in order. */
struct calls {
	struct {
		uint32_t stream;
		uint64_t key, start, end;
	} v[16];
	size_t n;
	uint64_t events, heap_bytes;
};

static int on_call(void *ctx, uint32_t stream, uint64_t key, uint64_t start_ns, uint64_t end_ns)
{
	struct calls *c = ctx;

	assert_true(c->n < 16);
	c->v[c->n].stream = stream;
	c->v[c->n].key = key;
	c->v[c->n].start = start_ns;
	c->v[c->n++].end = end_ns;
	return 0;
}

static int on_event(void *ctx, const struct hp_event *ev, const struct hp_observed_heap *heap)
{
	struct calls *c = ctx;

	(void)ev;
	c->events++;
	c->heap_bytes = heap->live_bytes;
	return 0;
}

/* Version 3: allocation events carry only their stream's epoch. Another thread's reuse of a freed
 * address in the same epoch comes after the free whatever the streams' order (stream 2 before 3 at
 * equal keys); a free of a block from before recording waits for the rest of its epoch, then counts
 * as unmatched, as it would in a trace with a tick per event. */
static void epochs_put_a_free_before_the_reuse_of_its_address(void **state)
{
	struct tb b;

	(void)state;
	begin(&b, true, 3);
	tb_alloc(&b, 100, HPT_KIND_MALLOC, 0xa000, 10, 1);
	tb_stream(&b, 2);
	tb_alloc(&b, 200, HPT_KIND_MALLOC, 0xa000, 20, 2); /* 0xa000 is stream 3's until its free */
	tb_free(&b, 200, HPT_FREE_FREE, 0x9999);           /* allocated before recording */
	tb_stream(&b, 3);
	tb_free(&b, 200, HPT_FREE_FREE, 0xa000);
	tb_alloc(&b, 200, HPT_KIND_MALLOC, 0xc000, 30, 3);
	tb_stream(&b, 0);
	tb_sync(&b, 201);
	tb_chunk(&b, HPT_CODEC_ZSTD);
	tb_stream(&b, 2);
	tb_free(&b, 300, HPT_FREE_FREE, 0xc000);
	tb_chunk(&b, HPT_CODEC_STORED);
	struct hp_profile *p = build(&b, NULL);

	const struct hp_summary *s = &p->summary;
	assert_int_equal(s->allocations, 3);
	assert_int_equal(s->frees, 2);
	assert_int_equal(s->anomalies, 0);
	assert_int_equal(s->unmatched_frees, 1);
	assert_int_equal(s->peak_heap_bytes, 50); /* 0xa000's second life and 0xc000 */
	assert_int_equal(site(p, 1)->frees, 1);
	assert_int_equal(site(p, 1)->live_blocks, 0);
	assert_int_equal(site(p, 2)->live_bytes, 20);
	assert_int_equal(site(p, 3)->live_blocks, 0);
	hp_profile_free(p);
	tb_release(&b);
}

/* Version 3, as a JVM did it: in one epoch thread 20 allocates, frees and allocates again one
 * address, and hands the last block to thread 12, which frees it. Stream 12's free is taken first (the
 * lower stream) while the address is unknown, so it waits; it must then free the block thread 20 leaves
 * alive, not the first one (which thread 20 frees itself). */
static void epochs_free_the_life_a_thread_leaves_alive(void **state)
{
	struct tb b;

	(void)state;
	begin(&b, true, 12);
	tb_free(&b, 100, HPT_FREE_FREE, 0xe000);
	tb_stream(&b, 20);
	tb_alloc(&b, 100, HPT_KIND_MALLOC, 0xe000, 8, 1);
	tb_free(&b, 100, HPT_FREE_FREE, 0xe000);
	tb_alloc(&b, 100, HPT_KIND_MALLOC, 0xe000, 16, 2);
	tb_chunk(&b, HPT_CODEC_ZSTD);
	struct hp_profile *p = build(&b, NULL);

	const struct hp_summary *s = &p->summary;
	assert_int_equal(s->allocations, 2);
	assert_int_equal(s->frees, 2);
	assert_int_equal(s->anomalies, 0);
	assert_int_equal(s->unmatched_frees, 0);
	assert_int_equal(site(p, 1)->temporary, 1); /* freed by its own thread, right after */
	assert_int_equal(site(p, 2)->frees, 1);
	assert_int_equal(site(p, 2)->live_blocks, 0);
	hp_profile_free(p);
	tb_release(&b);
}

/* Version 3, as two JVM threads did it in one epoch: thread 21 allocates an address, frees a block of
 * thread 22's, then frees the address and allocates it again, and thread 12 frees that last block.
 * Stream 12's free waits for the address (the lower stream goes first); once thread 21 has handed it
 * out, it must still wait, for thread 21 frees that life itself further on in the epoch. Taken then, it
 * would have left thread 21's own free to match nothing. */
static void epochs_a_free_waits_while_the_allocator_frees_the_block_itself(void **state)
{
	struct tb b;

	(void)state;
	begin(&b, true, 12);
	tb_free(&b, 100, HPT_FREE_FREE, 0xe000);
	tb_stream(&b, 21);
	tb_alloc(&b, 100, HPT_KIND_MALLOC, 0xe000, 8, 1);
	tb_free(&b, 100, HPT_FREE_FREE, 0xf000); /* thread 22's, not handed out yet */
	tb_free(&b, 100, HPT_FREE_FREE, 0xe000);
	tb_alloc(&b, 100, HPT_KIND_MALLOC, 0xe000, 16, 2);
	tb_stream(&b, 22);
	tb_alloc(&b, 100, HPT_KIND_MALLOC, 0xf000, 32, 3);
	tb_chunk(&b, HPT_CODEC_ZSTD);
	struct hp_profile *p = build(&b, NULL);

	const struct hp_summary *s = &p->summary;
	assert_int_equal(s->allocations, 3);
	assert_int_equal(s->frees, 3);
	assert_int_equal(s->anomalies, 0);
	assert_int_equal(s->unmatched_frees, 0);
	assert_int_equal(site(p, 1)->frees, 1);
	assert_int_equal(site(p, 2)->frees, 1);
	assert_int_equal(site(p, 3)->frees, 1);
	assert_int_equal(site(p, 2)->live_blocks, 0);
	hp_profile_free(p);
	tb_release(&b);
}

/* Version 3, as glibc's threads did it past its arenas (rec_thread_churn.c): in one epoch the main
 * thread (stream 1) allocates a thread's DTV at an address that a worker (stream 5) allocates and
 * frees in the same epoch, and frees the DTV epochs later. Taken by stream order, the DTV came
 * first, the worker's allocation found its address alive (a lost free, dropped) and the DTV's own
 * free matched nothing; the order found at the epoch's start puts the worker's life first. */
static void epochs_a_life_of_another_thread_goes_before_one_that_outlives_the_epoch(void **state)
{
	struct tb b;

	(void)state;
	begin(&b, true, 1);
	tb_alloc(&b, 50, HPT_KIND_MALLOC, 0x9000, 8, 1); /* an earlier epoch */
	tb_alloc(&b, 100, HPT_KIND_CALLOC, 0xa000, 304, 2); /* the DTV */
	tb_stream(&b, 5);
	tb_alloc(&b, 100, HPT_KIND_MALLOC, 0xb000, 32, 3);
	tb_alloc(&b, 100, HPT_KIND_MALLOC, 0xa000, 43, 3);
	tb_free(&b, 100, HPT_FREE_FREE, 0xb000);
	tb_free(&b, 100, HPT_FREE_FREE, 0xa000);
	tb_stream(&b, 0);
	tb_sync(&b, 101);
	tb_stream(&b, 1);
	tb_free(&b, 300, HPT_FREE_FREE, 0xa000); /* the DTV, epochs later */
	tb_chunk(&b, HPT_CODEC_ZSTD);
	struct hp_profile *p = build(&b, NULL);

	const struct hp_summary *s = &p->summary;
	assert_int_equal(s->allocations, 4);
	assert_int_equal(s->frees, 3);
	assert_int_equal(s->anomalies, 0);
	assert_int_equal(s->unmatched_frees, 0);
	assert_int_equal(site(p, 2)->frees, 1); /* the DTV's free is the DTV's */
	assert_int_equal(site(p, 3)->frees, 2);
	assert_int_equal(site(p, 3)->live_blocks, 0);
	hp_profile_free(p);
	tb_release(&b);
}

static void zones(void **state)
{
	struct tb b;
	struct calls seen = {0};
	const struct hp_profile_observer obs = {on_event, on_call, &seen};
	const uint64_t fn = 0x401000 | HP_ZONE_FN_KEY;

	(void)state;
	begin(&b, false, 1);
	tb_timed(&b, HPT_ZONE_BEGIN, 1000, TB_U(1));
	tb_timed(&b, HPT_ZONE_BEGIN, 1100, TB_U(1)); /* recursive: its time is already the outer call's */
	tb_timed(&b, HPT_ZONE_BEGIN, 1150, TB_U(5));
	tb_timed(&b, HPT_ZONE_END, 1200, TB_U(1));   /* closes 5 on the way down to the inner 1 */
	tb_timed(&b, HPT_ZONE_END, 1500, TB_U(0));   /* the innermost: the outer 1 */
	tb_timed(&b, HPT_ZONE_END, 1550, TB_U(7));   /* matches nothing */
	tb_timed(&b, HPT_FUNC_ENTER, 1600, TB_U(0x401000));
	tb_alloc(&b, 1650, HPT_KIND_MALLOC, 0xa000, 40, 1);
	tb_timed(&b, HPT_ZONE_BEGIN, 1700, TB_U(2)); /* left open: closes at the thread's last event */
	tb_stream(&b, 2);
	tb_timed(&b, HPT_ZONE_BEGIN, 1000, TB_U(2));
	tb_timed(&b, HPT_THREAD_END, 1300);           /* ends its open zone */
	tb_chunk(&b, HPT_CODEC_ZSTD);
	struct hp_profile *p = build(&b, &obs);

	const struct hp_function *one = function(p, 1, 0), *five = function(p, 5, 0), *two = function(p, 2, 0);
	const struct hp_function *f = function(p, 0, 0x401000);
	assert_int_equal(one->calls, 2);
	assert_int_equal(one->total_ns, 500); /* the outermost call only */
	assert_int_equal(one->self_ns, 400 + 50);
	assert_int_equal(one->recursive_calls, 1);
	assert_int_equal(five->total_ns, 50);
	assert_int_equal(five->self_ns, 50);
	assert_int_equal(two->calls, 2);
	assert_int_equal(two->total_ns, 300 + 0);
	assert_int_equal(f->total_ns, 100);
	assert_int_equal(f->allocs, 1);
	assert_int_equal(f->alloc_bytes, 40);
	assert_int_equal(p->summary.zone_calls, 6);
	assert_int_equal(p->summary.anomalies, 1);
	/* The tree: 1, 1 > 1, 1 > 1 > 5, fn, fn > 2, and thread 2's 2, under the root. */
	assert_int_equal(p->nzone_nodes, 7);

	/* The observer saw each call close, innermost first, in trace order, then those left open. */
	assert_int_equal(seen.n, 6);
	assert_int_equal(seen.v[0].key, 5);
	assert_int_equal(seen.v[0].end - seen.v[0].start, 50);
	assert_int_equal(seen.v[1].key, 1);
	assert_int_equal(seen.v[1].end - seen.v[1].start, 100);
	assert_int_equal(seen.v[2].stream, 2);
	assert_int_equal(seen.v[2].end - seen.v[2].start, 300);
	assert_int_equal(seen.v[3].key, 1);
	assert_int_equal(seen.v[3].end - seen.v[3].start, 500);
	assert_int_equal(seen.v[4].key, 2);
	assert_int_equal(seen.v[4].end - seen.v[4].start, 0);
	assert_int_equal(seen.v[5].key, fn);
	assert_int_equal(seen.v[5].end - seen.v[5].start, 100);
	assert_int_equal(seen.heap_bytes, 40);
	assert_int_equal(seen.events, p->summary.events);
	hp_profile_free(p);
	tb_release(&b);
}

/* A zone's time leaves out the recorder's own: each event at what CALIBRATION says it costs, but
 * allocation events after the stream's EVENT_COST at its measured rate, and the WAITs. */
static void the_recorders_time_is_left_out_of_zones(void **state)
{
	struct tb b;

	(void)state;
	tb_recorder_zone(&b);
	tb_chunk(&b, HPT_CODEC_ZSTD);
	struct hp_profile *p = build(&b, NULL);

	assert_int_equal(function(p, 1, 0)->total_ns, TB_RECORDER_ZONE_NS);
	assert_int_equal(p->summary.wait_ns, 300);
	hp_profile_free(p);
	tb_release(&b);
}

/* A trace may claim waits that no uint64_t holds in sum: the recorder's time in the zone counts as
 * the largest, and the zone's own as none (under UBSan, `make test-asan`, the conversion of the sum
 * was an error). */
static void waits_past_uint64(void **state)
{
	struct tb b;

	(void)state;
	begin(&b, false, 1);
	tb_timed(&b, HPT_ZONE_BEGIN, 1000, TB_U(1));
	tb_timed(&b, HPT_WAIT, 1010, TB_U(UINT64_MAX));
	tb_timed(&b, HPT_WAIT, 1020, TB_U(UINT64_MAX));
	tb_timed(&b, HPT_ZONE_END, 2000, TB_U(1));
	tb_chunk(&b, HPT_CODEC_ZSTD);
	struct hp_profile *p = build(&b, NULL);

	assert_int_equal(function(p, 1, 0)->total_ns, 0);
	hp_profile_free(p);
	tb_release(&b);
}

/* The massif export, taken in the same pass: 50 to 100 snapshots whatever the run's length, the peak
 * once with the heap's highest bytes, the end with what is left. A block allocated where one is alive
 * (its free was lost) replaces it in the bytes by stack as in the profile. */
static void massif_snapshots(void **state)
{
	struct tb b;
	struct hp_profile_observer obs;
	struct hp_massif_pass *mp = hp_export_massif_watch(&obs);
	char err[256], *text = NULL;
	size_t len = 0;

	(void)state;
	assert_non_null(mp);
	begin(&b, true, 1);
	for (uint64_t i = 0; i < 1000; i++)
		tb_alloc(&b, 1000 + i, HPT_KIND_MALLOC, 0x10000 + 16 * i, 10, 1);
	tb_alloc(&b, 3000, HPT_KIND_MALLOC, 0x10000, 100, 2); /* over a live block: 10090 bytes, the peak */
	for (uint64_t i = 1; i <= 300; i++)
		tb_free(&b, 4000 + i, HPT_FREE_FREE, 0x10000 + 16 * i);
	tb_chunk(&b, HPT_CODEC_ZSTD);
	struct hp_profile *p = build(&b, &obs);
	assert_int_equal(p->summary.peak_heap_bytes, 10090);
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(hp_export_massif(out, p, mp, err, sizeof(err)), 0);
	fclose(out);

	size_t snapshots = 0, peaks = 0;
	uint64_t most = 0, last = 0;
	for (const char *l = text; (l = strstr(l, "mem_heap_B=")); l++, snapshots++) {
		last = strtoull(l + strlen("mem_heap_B="), NULL, 10);
		most = last > most ? last : most;
	}
	for (const char *l = text; (l = strstr(l, "heap_tree=peak")); l++)
		peaks++;
	assert_in_range(snapshots, 50, 103);
	assert_int_equal(peaks, 1);
	assert_int_equal(most, 10090);
	assert_int_equal(last, 10090 - 300 * 10);
	/* The end's tree: its root holds every byte left, 100 of them from stack 2. */
	const char *end = strrchr(text, '#');
	assert_non_null(strstr(end, ": 7090 (heap allocation functions)"));
	free(text);
	hp_export_massif_pass_free(mp);
	hp_profile_free(p);
	tb_release(&b);
}

/* A trace that is not one fails with the reader's message, naming the trace. */
static void not_a_trace(void **state)
{
	char err[512];

	(void)state;
	assert_null(hp_profile_load_mem("nonsense", 8, "bad.hpt", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "bad.hpt"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(heap),
		cmocka_unit_test(epochs_put_a_free_before_the_reuse_of_its_address),
		cmocka_unit_test(epochs_free_the_life_a_thread_leaves_alive),
		cmocka_unit_test(epochs_a_free_waits_while_the_allocator_frees_the_block_itself),
		cmocka_unit_test(epochs_a_life_of_another_thread_goes_before_one_that_outlives_the_epoch),
		cmocka_unit_test(zones),
		cmocka_unit_test(the_recorders_time_is_left_out_of_zones),
		cmocka_unit_test(waits_past_uint64),
		cmocka_unit_test(massif_snapshots),
		cmocka_unit_test(not_a_trace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
