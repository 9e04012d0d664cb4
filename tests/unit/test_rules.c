/* test_rules.c: each rule fires on the pattern it looks for, names the place and the numbers, and stays
 * quiet on a clean profile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixture_profile.h"
#include "report/rules.h"

static struct fixture fx;
static struct hp_config cfg;
static struct hp_recommendation *recs;
static size_t nrecs;

static int setup(void **state)
{
	(void)state;
	fixture_clean(&fx);
	hp_config_defaults(&cfg);
	recs = NULL;
	nrecs = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(recs);
	return 0;
}

static void run(void)
{
	free(recs);
	assert_int_equal(hp_rules_run(&fx.p, &cfg, &recs, &nrecs), 0);
}

static size_t count(const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < nrecs; i++)
		n += !strcmp(recs[i].rule, rule);
	return n;
}

/* The recommendation of rule at location; fails the test when there is none. */
static const struct hp_recommendation *find(const char *rule, const char *location)
{
	for (size_t i = 0; i < nrecs; i++)
		if (!strcmp(recs[i].rule, rule) && !strcmp(recs[i].location, location))
			return &recs[i];
	for (size_t i = 0; i < nrecs; i++)
		print_message("got: %s at %s: %s\n", recs[i].rule, recs[i].location, recs[i].title);
	fail_msg("no %s recommendation at %s", rule, location);
	return NULL;
}

static void has(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("'%s' does not contain '%s'", text, part);
}

static void clean_profile_gets_no_advice(void **state)
{
	(void)state;
	run();
	for (size_t i = 0; i < nrecs; i++)
		print_message("unexpected: %s: %s\n", recs[i].rule, recs[i].title);
	assert_int_equal(nrecs, 0);
}

static void small_allocs_in_hot_function_and_at_site(void **state)
{
	(void)state;
	/* 50000 allocations of 32 bytes: in process_batch (80% of the run) and all at one site. */
	fx.fn[1].allocs = 50000;
	fx.fn[1].alloc_bytes = 50000 * 32;
	fx.sites[0].allocs = 50000;
	fx.sites[0].bytes = 50000 * 32;
	fx.sites[0].min_size = 16;
	fx.sites[0].max_size = 48;
	fx.p.summary.allocations = 50000;
	run();
	const struct hp_recommendation *r = find("small-allocs", "process_batch (parser.c:40)");
	assert_int_equal(r->severity, HP_SEV_WARNING);
	has(r->title, "process_batch");
	has(r->detail, "50000 allocations in 1000 calls (50.0 per call), 32 bytes on average");
	has(r->detail, "80.0% of the run time");
	has(r->detail, "arena");
	r = find("small-allocs", "read_record (reader.c:88)");
	has(r->detail, "50000 allocations here (100.0% of the program's), 32 bytes on average (sizes 16 B to 48 B)");

	/* Larger blocks are not small. */
	cfg.small_max_mean_bytes = 16;
	run();
	assert_int_equal(count("small-allocs"), 0);
}

static void temporary_allocations(void **state)
{
	(void)state;
	fx.sites[0].temporary = 400;
	fx.sites[0].min_size = 64;
	fx.sites[0].max_size = 4096;
	run();
	const struct hp_recommendation *r = find("temporary", "read_record (reader.c:88)");
	assert_int_equal(r->severity, HP_SEV_WARNING);
	has(r->title, "reuse the buffer");
	has(r->detail, "400 of the 500 allocations here (80.0%)");
	has(r->detail, "sizes 64 B to 4.0 KiB");
	fx.sites[0].max_size = 64; /* one size: said once */
	run();
	has(find("temporary", "read_record (reader.c:88)")->detail, "next allocation, all of 64 B: allocate");
	fx.sites[0].max_size = 4096;

	cfg.temp_min_ratio = 0.9;
	run();
	assert_int_equal(count("temporary"), 0);

	/* 400 temporaries among 40,001 allocations of the program are under 1% of them: no advice;
	 * among 40,000, exactly 1%: advice. */
	cfg.temp_min_ratio = 0.5;
	fx.p.summary.allocations = 40001;
	run();
	assert_int_equal(count("temporary"), 0);
	fx.p.summary.allocations = 40000;
	run();
	assert_int_equal(count("temporary"), 1);
}

static void realloc_with_constant_step(void **state)
{
	(void)state;
	fx.sites[0].reallocs = 64;
	fx.sites[0].realloc_const_step = 4096;
	fx.sites[0].max_size = 64 * 4096;
	run();
	const struct hp_recommendation *r = find("realloc-step", "read_record (reader.c:88)");
	has(r->detail, "64 reallocs here grow a block by the same 4.0 KiB each time (up to 256.0 KiB)");
	has(r->detail, "geometrically");
	has(r->detail, "reserve");

	/* A largest block of fewer steps than rule.realloc.min_reallocs (8) was never grown 8 times by
	 * the step, however many reallocs the site made: 7 steps of 4 KiB, no advice; 8, advice. */
	fx.sites[0].max_size = 8 * 4096 - 1;
	run();
	assert_int_equal(count("realloc-step"), 0);
	fx.sites[0].max_size = 8 * 4096;
	run();
	assert_int_equal(count("realloc-step"), 1);

	/* Growth that varies is not flagged. */
	fx.sites[0].realloc_const_step = 0;
	run();
	assert_int_equal(count("realloc-step"), 0);
}

static void leaks(void **state)
{
	(void)state;
	fixture_leak(&fx, 0, HP_LEAK_DEFINITE, 4096, 4);
	fixture_leak(&fx, 1, HP_LEAK_POSSIBLE, 2048, 1);
	fixture_leak(&fx, 2, HP_LEAK_UNCLASSIFIED, 1024, 2);
	fixture_leak(&fx, 3, HP_LEAK_REACHABLE, 8192, 1);
	run();
	const struct hp_recommendation *r = find("leak", "read_record (reader.c:88)");
	assert_int_equal(r->severity, HP_SEV_CRITICAL);
	has(r->title, "4.0 KiB");
	has(r->detail, "4096 bytes in 4 blocks allocated here are definitely lost");
	r = find("leak", "read_record (reader.c:89)");
	assert_int_equal(r->severity, HP_SEV_WARNING);
	has(r->detail, "2048 bytes in 1 blocks allocated here are possibly lost");
	/* Still reachable is not a leak, nor a block no scan classified (leak findings come from scans). */
	assert_int_equal(count("leak"), 2);
	/* The critical one comes first. */
	assert_string_equal(recs[0].rule, "leak");
	assert_int_equal(recs[0].severity, HP_SEV_CRITICAL);

	/* Suppressed leaks and those below rule.leaks.min_bytes get no advice. */
	fx.leaks[0].suppressed_by = "read_record";
	cfg.leak_min_bytes = 1500;
	run();
	assert_int_equal(count("leak"), 1);
	find("leak", "read_record (reader.c:89)");
}

static void critical_leak_survives_the_cap(void **state)
{
	(void)state;
	/* Three large possibly lost groups outweigh a small definite leak; the cap keeps two. */
	fixture_leak(&fx, 0, HP_LEAK_POSSIBLE, 1 << 20, 4);
	fixture_leak(&fx, 1, HP_LEAK_POSSIBLE, 1 << 19, 1);
	fixture_leak(&fx, 2, HP_LEAK_POSSIBLE, 1 << 18, 2);
	fixture_leak(&fx, 3, HP_LEAK_DEFINITE, 100, 1);
	cfg.max_per_rule = 2;
	run();
	assert_int_equal(count("leak"), 2);
	assert_int_equal(find("leak", "read_record (reader.c:91)")->severity, HP_SEV_CRITICAL);
	find("leak", "read_record (reader.c:88)");
}

static void tail_latency(void **state)
{
	(void)state;
	fx.fn[1].p50_ns = 100000;
	fx.fn[1].p95_ns = 400000;
	fx.fn[1].p99_ns = 5000000;
	fx.fn[1].max_ns = 20000000;
	run();
	const struct hp_recommendation *r = find("tail-latency", "process_batch (parser.c:40)");
	has(r->title, "p99 is 50x the median");
	has(r->detail, "over 1000 calls, p50 is 100.00 \xc2\xb5s, p95 400.00 \xc2\xb5s, p99 5.00 ms and the slowest 20.00 ms");

	cfg.tailr_min_calls = 1001;
	run();
	assert_int_equal(count("tail-latency"), 0);
}

static void allocator_share(void **state)
{
	(void)state;
	/* 10M allocations of 1 KiB in 800 ms: 200 ms at 20 ns each, 25%. */
	fx.fn[1].allocs = 10000000;
	fx.fn[1].alloc_bytes = 10000000ull * 1024;
	fx.fn[0].allocs = 10000000;
	fx.fn[0].alloc_bytes = 10000000ull * 1024;
	fx.p.summary.allocations = 10000000;
	fx.sites[0].allocs = 10000000;
	fx.sites[0].bytes = 10000000ull * 1024;
	run();
	const struct hp_recommendation *r = find("allocator-share", "process_batch (parser.c:40)");
	assert_int_equal(r->severity, HP_SEV_WARNING);
	has(r->title, "An estimated 25.0% of process_batch's time goes to the allocator");
	has(r->detail, "estimate: 10000000 allocations made inside process_batch x 20 ns each (alloc_cost_ns) = "
		       "200.00 ms of its 800.00 ms total time");
	/* The whole program: 200 ms of 900 ms of CPU time. */
	r = find("allocator-share", "whole program");
	has(r->title, "22.2%");
	has(r->detail, "10000000 allocations x 20 ns each (alloc_cost_ns) = 200.00 ms of 900.00 ms CPU time");

	/* A slower allocator makes it critical. */
	cfg.alloc_cost_ns = 40;
	run();
	r = find("allocator-share", "process_batch (parser.c:40)");
	assert_int_equal(r->severity, HP_SEV_CRITICAL);
	has(r->title, "50.0%");
}

static void peak_far_above_steady_state(void **state)
{
	(void)state;
	fx.tl[8].heap_bytes = 64 * FX_MIB;
	fx.p.summary.peak_heap_bytes = 64 * FX_MIB;
	fx.p.summary.peak_heap_ns = 496 * FX_MS;
	fx.sites[0].peak_bytes = 60 * FX_MIB;
	run();
	const struct hp_recommendation *r = find("peak", "read_record (reader.c:88)");
	has(r->title, "43x");
	has(r->detail, "the heap peaked at 64.0 MiB at 496.00 ms into the run, 42.7x its steady state of 1.5 MiB");
	has(r->detail, "read_record (reader.c:88) with 60.0 MiB (93.8% of it)");

	cfg.peakr_min_bytes = 128 * FX_MIB;
	run();
	assert_int_equal(count("peak"), 0);
}

static void recording_problems(void **state)
{
	(void)state;
	fx.p.summary.events_lost = 10;
	fx.p.summary.wait_ns = 50 * FX_MS;
	run();
	const struct hp_recommendation *r = find("events-lost", "whole program");
	assert_int_equal(r->severity, HP_SEV_CRITICAL);
	has(r->detail, "10 events were lost against 10000 recorded (0.1%)");
	r = find("recorder-wait", "whole program");
	assert_int_equal(r->severity, HP_SEV_WARNING);
	has(r->detail, "waited 50.00 ms in total");
	has(r->detail, "5.0% of their time");

	/* Thread lifetimes, when the trace has them, are the measure of the threads' time. */
	struct hp_thread_info th[2] = {{.stream = 1, .start_ns = 0, .end_ns = 1000 * FX_MS, .ended = true},
				       {.stream = 2, .start_ns = 0, .end_ns = 9000 * FX_MS, .ended = true}};
	fx.p.defs.threads = th;
	fx.p.defs.nthreads = 2;
	run();
	assert_int_equal(count("recorder-wait"), 0); /* 50 ms of 10 s */
	fx.p.defs.threads = NULL;
	fx.p.defs.nthreads = 0;
}

static void time_mostly_the_recorders(void **state)
{
	(void)state;
	/* 800 ms left of 2.4 s measured inside process_batch: 1.6 s were the recorder's, two thirds. */
	fx.fn[1].recorder_ns = 1600 * FX_MS;
	run();
	const struct hp_recommendation *r = find("recorder-share", "process_batch (parser.c:40)");
	assert_int_equal(r->severity, HP_SEV_WARNING);
	has(r->title, "process_batch's time is mostly the recorder's");
	has(r->detail, "of the 2.400 s measured inside process_batch, 1.600 s (66.7%) was the recorder's own");
	has(r->detail, "the 800.00 ms left");

	/* Its tail is the recorder's estimate's: tail-latency leaves it alone. */
	fx.fn[1].p99_ns = 50 * fx.fn[1].p50_ns;
	run();
	assert_int_equal(count("tail-latency"), 0);

	/* Under half, or in a function that is not hot as measured (recorder included), it stays quiet. */
	fx.fn[1].recorder_ns = 700 * FX_MS;
	run();
	assert_int_equal(count("recorder-share"), 0);
	assert_int_equal(count("tail-latency"), 1);
	fx.fn[1].recorder_ns = 1600 * FX_MS;
	fx.p.summary.run_ns = 100000 * FX_MS; /* 2.4 s of 100 s: 2.4%, under hot_share's 5% */
	run();
	assert_int_equal(count("recorder-share"), 0);
}

static void at_most_max_per_rule_largest_first(void **state)
{
	(void)state;
	for (int i = 0; i < 8; i++) {
		fixture_stack(&fx, i);
		fx.sites[i] = (struct hp_alloc_site){.stack_id = 10 + (uint32_t)i, .frames = &fx.stacks[i], .allocs = 1000,
						     .bytes = 1000 * 1024, .temporary = 500 + (uint64_t)i * 50,
						     .min_size = 1024, .max_size = 1024};
	}
	fx.p.nsites = 8;
	run();
	assert_int_equal(count("temporary"), 5);
	find("temporary", "read_record (reader.c:95)"); /* the one with the most temporaries */
	assert_string_equal(recs[0].location, "read_record (reader.c:95)");
	cfg.max_per_rule = 0;
	run();
	assert_int_equal(count("temporary"), 8);
}

static void definite_leak_takes_its_indirect_blocks_along(void **state)
{
	(void)state;
	fixture_leak(&fx, 0, HP_LEAK_INDIRECT, 768000, 12000);
	fixture_leak(&fx, 0, HP_LEAK_DEFINITE, 384, 6);
	run();
	assert_int_equal(count("leak"), 1);
	const struct hp_recommendation *r = find("leak", "read_record (reader.c:88)");
	has(r->detail, "384 bytes in 6 blocks allocated here are definitely lost");
	has(r->detail, "Another 768000 bytes in 12000 blocks from here are indirectly lost");
}

/* Site 1 as site 0 but for its stack (stack 1, whose frames the test sets): 400 and 300 temporary
 * allocations of 500. */
static void second_site_of_temporaries(void)
{
	fx.sites[1] = fx.sites[0];
	fx.sites[1].stack_id = 11;
	fx.sites[1].frames = &fx.stacks[1];
	fx.p.nsites = 2;
	fx.sites[0].temporary = 400;
	fx.sites[1].temporary = 300;
}

static void wrapper_sites_name_their_caller(void **state)
{
	(void)state;
	/* Two stacks through the same xmalloc call: the location says which caller. */
	fixture_stack(&fx, 1);
	fx.frames[1][1].ip = fx.frames[0][1].ip;
	fx.frames[1][1].line = 88;
	fx.frames[1][2].function = "load_config";
	fx.frames[1][2].line = 7;
	fx.frames[1][2].ip = 0x401900; /* another caller: another return address */
	fx.stacks[0].user_frame_shared = fx.stacks[1].user_frame_shared = true; /* as profile_finish marks them */
	second_site_of_temporaries();
	run();
	find("temporary", "read_record (reader.c:88) from process_batch (parser.c:41)");
	find("temporary", "read_record (reader.c:88) from load_config (parser.c:7)");
}

/* Two stacks that differ only past what the location shows (deeper callers): one place, one piece of
 * advice with their counts added, not the same advice twice. */
static void call_paths_of_one_place_are_advised_once(void **state)
{
	(void)state;
	fixture_stack(&fx, 1);
	fx.frames[1][1] = fx.frames[0][1];       /* the same call in read_record */
	fx.frames[1][3].function = "main_loop"; /* from a caller the location does not name */
	second_site_of_temporaries();
	fx.sites[1].min_size = 32;
	run();
	assert_int_equal(count("temporary"), 1);
	const struct hp_recommendation *r = find("temporary", recs[0].location);
	has(r->detail, "700 of the 1000 allocations here (70.0%), over 2 call paths, were freed");
	has(r->detail, "sizes 32 B to 1.0 KiB"); /* the smallest of both, the largest of both */
}

static void unsymbolized_site_is_named_by_stack(void **state)
{
	(void)state;
	fx.sites[0].frames = NULL;
	fx.sites[0].temporary = 400;
	run();
	find("temporary", "stack #10");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(clean_profile_gets_no_advice, setup, teardown),
		cmocka_unit_test_setup_teardown(small_allocs_in_hot_function_and_at_site, setup, teardown),
		cmocka_unit_test_setup_teardown(temporary_allocations, setup, teardown),
		cmocka_unit_test_setup_teardown(realloc_with_constant_step, setup, teardown),
		cmocka_unit_test_setup_teardown(leaks, setup, teardown),
		cmocka_unit_test_setup_teardown(critical_leak_survives_the_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(tail_latency, setup, teardown),
		cmocka_unit_test_setup_teardown(allocator_share, setup, teardown),
		cmocka_unit_test_setup_teardown(peak_far_above_steady_state, setup, teardown),
		cmocka_unit_test_setup_teardown(recording_problems, setup, teardown),
		cmocka_unit_test_setup_teardown(time_mostly_the_recorders, setup, teardown),
		cmocka_unit_test_setup_teardown(at_most_max_per_rule_largest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(definite_leak_takes_its_indirect_blocks_along, setup, teardown),
		cmocka_unit_test_setup_teardown(wrapper_sites_name_their_caller, setup, teardown),
		cmocka_unit_test_setup_teardown(call_paths_of_one_place_are_advised_once, setup, teardown),
		cmocka_unit_test_setup_teardown(unsymbolized_site_is_named_by_stack, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
