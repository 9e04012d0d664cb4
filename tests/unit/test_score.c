/* test_score.c: categories, ramps, weights, components that do not apply, per-function scores, the
 * recorder's time kept out of the tail. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture_profile.h"
#include "report/score.h"

static struct fixture fx;
static struct hp_config cfg;

static int setup(void **state)
{
	(void)state;
	fixture_clean(&fx);
	hp_config_defaults(&cfg);
	return 0;
}

static void categories(void **state)
{
	(void)state;
	assert_string_equal(hp_score_category(100), "excellent");
	assert_string_equal(hp_score_category(90), "excellent");
	assert_string_equal(hp_score_category(89), "good");
	assert_string_equal(hp_score_category(75), "good");
	assert_string_equal(hp_score_category(74), "average");
	assert_string_equal(hp_score_category(60), "average");
	assert_string_equal(hp_score_category(59), "poor");
	assert_string_equal(hp_score_category(40), "poor");
	assert_string_equal(hp_score_category(39), "critical");
	assert_string_equal(hp_score_category(0), "critical");
}

static void ramps(void **state)
{
	(void)state;
	assert_true(hp_score_ramp(0.01, 0.05, 0.5) == 100);
	assert_true(hp_score_ramp(0.05, 0.05, 0.5) == 100);
	assert_true(fabs(hp_score_ramp(0.275, 0.05, 0.5) - 50) < 1e-9);
	assert_true(hp_score_ramp(0.5, 0.05, 0.5) == 0);
	assert_true(hp_score_ramp(3, 0.05, 0.5) == 0);
	/* Logarithmic: the geometric middle scores 50. */
	assert_true(fabs(hp_score_ramp_log(1e6, 1e5, 1e7) - 50) < 1e-9);
	assert_true(hp_score_ramp_log(1e4, 1e5, 1e7) == 100);
	assert_true(hp_score_ramp_log(1e8, 1e5, 1e7) == 0);
}

static void clean_profile_is_excellent(void **state)
{
	struct hp_score s;
	(void)state;

	hp_score_profile(&fx.p, &cfg, &s);
	assert_true(s.value >= 90);
	assert_string_equal(s.category, "excellent");
	assert_true(fx.p.score == s.value);
	assert_string_equal(fx.p.score_category, "excellent");
	for (int i = 0; i < HP_SC_COUNT; i++) {
		assert_non_null(s.comp[i].name);
		assert_true(s.comp[i].applies);
		assert_true(s.comp[i].score == 100);
	}
	assert_string_equal(s.comp[HP_SC_TAIL].where, "process_batch");
	/* process_batch's p99/p50 is 1.2 ms / 780 us. */
	assert_true(fabs(s.comp[HP_SC_TAIL].value - 1200000.0 / 780000) < 1e-9);
}

static void leaky_churny_profile_scores_low(void **state)
{
	struct hp_summary *sum = &fx.p.summary;
	struct hp_score s;
	(void)state;

	sum->allocations = 5000000; /* 5M a second */
	sum->frees = 4000000;
	sum->temporary_allocations = 3000000;
	sum->peak_heap_bytes = 20 * FX_MIB;
	fixture_leak(&fx, 0, HP_LEAK_DEFINITE, 10 * FX_MIB, 1000);
	fx.fn[1].allocs = 5000000; /* 100 ms of 800 ms in the allocator, estimated */
	hp_score_profile(&fx.p, &cfg, &s);
	assert_true(s.value < 60);
	assert_true(!strcmp(s.category, "poor") || !strcmp(s.category, "critical"));
	assert_true(s.comp[HP_SC_LEAKS].score == 0);
	assert_true(s.comp[HP_SC_TEMPORARY].score == 0);
	assert_true(s.comp[HP_SC_CHURN].score < 20);
	assert_true(fabs(s.comp[HP_SC_CHURN].value - 5e6) < 1);
	assert_true(s.comp[HP_SC_ALLOCATOR].score < 70);
	assert_true(fabs(s.comp[HP_SC_ALLOCATOR].value - 0.125) < 1e-9);

	/* The overall score is the weighted mean of the components, as shown. */
	double sum_w = 0, sum_ws = 0;
	for (int i = 0; i < HP_SC_COUNT; i++) {
		sum_w += s.comp[i].weight;
		sum_ws += s.comp[i].weight * s.comp[i].score;
	}
	assert_int_equal(s.value, (int)lround(sum_ws / sum_w));
}

static void weights_are_applied(void **state)
{
	struct hp_score s;
	(void)state;

	/* Only the temporary component fails (every allocation temporary). */
	fx.p.summary.temporary_allocations = fx.p.summary.allocations;
	hp_score_profile(&fx.p, &cfg, &s);
	assert_true(s.comp[HP_SC_TEMPORARY].score == 0);
	assert_true(s.comp[HP_SC_TEMPORARY].weight == 15);
	assert_int_equal(s.value, 85); /* 100 * (100 - 15) / 100 */

	cfg.w_temporary = 85; /* now half the total weight */
	hp_score_profile(&fx.p, &cfg, &s);
	assert_int_equal(s.value, 50);
	assert_string_equal(s.category, "poor");

	cfg.w_temporary = 0;
	hp_score_profile(&fx.p, &cfg, &s);
	assert_int_equal(s.value, 100);
}

static void components_without_evidence_do_not_apply(void **state)
{
	struct hp_score s;
	(void)state;

	fx.p.nfunctions = 0;
	fx.p.ntimeline = 0;
	fx.p.summary.temporary_allocations = fx.p.summary.allocations;
	hp_score_profile(&fx.p, &cfg, &s);
	assert_false(s.comp[HP_SC_TAIL].applies);
	assert_false(s.comp[HP_SC_ALLOCATOR].applies);
	assert_false(s.comp[HP_SC_PEAK].applies);
	/* Left: churn 10, temporary 15 (at 0), leaks 30, events lost 5: 100 * 45 / 60. */
	assert_int_equal(s.value, 75);
}

static void small_counts_do_not_count(void **state)
{
	struct hp_score s;
	(void)state;

	/* 50 allocations, all temporary, in 1 us: too few to judge churn or temporaries. */
	fx.p.summary.allocations = 50;
	fx.p.summary.temporary_allocations = 50;
	fx.p.summary.run_ns = 1000;
	hp_score_profile(&fx.p, &cfg, &s);
	assert_true(s.comp[HP_SC_CHURN].score == 100);
	assert_true(s.comp[HP_SC_TEMPORARY].score == 100);
	assert_true(s.comp[HP_SC_CHURN].value > cfg.churn_bad);
}

static void peak_against_steady_state(void **state)
{
	struct hp_score s;
	(void)state;

	assert_int_equal(hp_steady_heap(&fx.p), 3 * FX_MIB / 2);
	/* The peak at 15 MiB over a 1.5 MiB median: 10x, the bad end. */
	fx.tl[8].heap_bytes = 15 * FX_MIB;
	fx.p.summary.peak_heap_bytes = 15 * FX_MIB;
	hp_score_profile(&fx.p, &cfg, &s);
	assert_true(fabs(s.comp[HP_SC_PEAK].value - 10) < 1e-9);
	assert_true(s.comp[HP_SC_PEAK].score == 0);
	/* The same shape below score.peak.min_bytes does not matter. */
	cfg.peak_min_bytes = 16 * FX_MIB;
	hp_score_profile(&fx.p, &cfg, &s);
	assert_true(s.comp[HP_SC_PEAK].score == 100);
}

static void leaks_and_lost_events(void **state)
{
	struct hp_score s;
	(void)state;

	/* 5% of the 2 MiB peak definitely lost: half way to score.leaks.bad (10%). */
	fixture_leak(&fx, 0, HP_LEAK_DEFINITE, 2 * FX_MIB / 20, 10);
	/* Still reachable blocks are not lost; unclassified ones (no scan saw them) are not known lost. */
	fixture_leak(&fx, 1, HP_LEAK_REACHABLE, FX_MIB, 1);
	hp_score_profile(&fx.p, &cfg, &s);
	assert_true(fabs(s.comp[HP_SC_LEAKS].score - 50) < 1e-3);
	fixture_leak(&fx, 2, HP_LEAK_UNCLASSIFIED, 2 * FX_MIB / 5, 10);
	hp_score_profile(&fx.p, &cfg, &s);
	assert_true(fabs(s.comp[HP_SC_LEAKS].score - 50) < 1e-3);
	fixture_leak(&fx, 2, HP_LEAK_POSSIBLE, 2 * FX_MIB / 10, 10); /* 10% more: at score.leaks.bad */
	hp_score_profile(&fx.p, &cfg, &s);
	assert_true(s.comp[HP_SC_LEAKS].score == 0);

	fx.p.summary.events_lost = 50; /* 50 of 10050: 0.5%, half of score.events_lost.bad */
	hp_score_profile(&fx.p, &cfg, &s);
	assert_true(fabs(s.comp[HP_SC_EVENTS_LOST].value - 50.0 / 10050) < 1e-12);
	assert_true(fabs(s.comp[HP_SC_EVENTS_LOST].score - hp_score_ramp(50.0 / 10050, 0, 0.01)) < 1e-9);
}

static void function_scores(void **state)
{
	struct hp_score s;
	(void)state;

	hp_score_profile(&fx.p, &cfg, &s);
	assert_true(fx.fn[1].score == 100);
	/* main has one call: no tail score, allocator share tiny. */
	assert_true(fx.fn[0].score == 100);

	/* p99 30x p50 scores 0 on tail; allocator share still 0: equal weights give 50. */
	fx.fn[1].p50_ns = 100000;
	fx.fn[1].p99_ns = 3000000;
	hp_score_profile(&fx.p, &cfg, &s);
	assert_true(fx.fn[1].score == 50);
	assert_true(s.comp[HP_SC_TAIL].score == 0);
	assert_string_equal(s.comp[HP_SC_TAIL].where, "process_batch");

	/* Two thirds of the time measured inside it were the recorder's: its spread is the recorder's
	 * estimate's, not the program's (the rule recorder-share names it), and the tail leaves it out. */
	fx.fn[1].recorder_ns = 2 * fx.fn[1].total_ns;
	hp_score_profile(&fx.p, &cfg, &s);
	assert_true(fx.fn[1].score == 100);
	assert_false(s.comp[HP_SC_TAIL].applies);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(categories),
		cmocka_unit_test(ramps),
		cmocka_unit_test_setup(clean_profile_is_excellent, setup),
		cmocka_unit_test_setup(leaky_churny_profile_scores_low, setup),
		cmocka_unit_test_setup(weights_are_applied, setup),
		cmocka_unit_test_setup(components_without_evidence_do_not_apply, setup),
		cmocka_unit_test_setup(small_counts_do_not_count, setup),
		cmocka_unit_test_setup(peak_against_steady_state, setup),
		cmocka_unit_test_setup(leaks_and_lost_events, setup),
		cmocka_unit_test_setup(function_scores, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
