/* test_histogram.c: exact small values, <= 1% error above, edge quantiles. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "model/histogram.h"

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The exact q-quantile of sorted v[0..n): the smallest value with at least q*n values at or below. */
static uint64_t exact_quantile(const uint64_t *v, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n);
	return v[rank ? rank - 1 : 0];
}

static void small_values_are_exact(void **state)
{
	struct hp_histogram *h = hp_histogram_new();
	(void)state;

	for (uint64_t v = 1; v <= 100; v++)
		assert_int_equal(hp_histogram_add(h, v), 0);
	assert_int_equal(hp_histogram_quantile(h, 0.5), 50);
	assert_int_equal(hp_histogram_quantile(h, 0.95), 95);
	assert_int_equal(hp_histogram_quantile(h, 0.99), 99);
	assert_int_equal(hp_histogram_quantile(h, 0), 1);
	assert_int_equal(hp_histogram_quantile(h, 1), 100);
	hp_histogram_free(h);
}

static void relative_error_within_one_percent(void **state)
{
	enum { N = 100000 };
	uint64_t *v = malloc(N * sizeof(*v));
	struct hp_histogram *h = hp_histogram_new();
	(void)state;

	srand(7);
	for (size_t i = 0; i < N; i++) {
		/* Spread over 30 octaves, like call durations from ns to seconds. */
		double x = exp((double)rand() / RAND_MAX * 20.0) * 100.0;
		v[i] = (uint64_t)x;
		hp_histogram_add(h, v[i]);
	}
	qsort(v, N, sizeof(*v), cmp);
	const double qs[] = {0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999};
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double want = (double)exact_quantile(v, N, qs[i]);
		double got = (double)hp_histogram_quantile(h, qs[i]);
		assert_true(fabs(got - want) <= 0.01 * want);
	}
	free(v);
	hp_histogram_free(h);
}

static void empty_and_huge(void **state)
{
	struct hp_histogram *h = hp_histogram_new();
	(void)state;

	assert_int_equal(hp_histogram_quantile(h, 0.5), 0);
	hp_histogram_add(h, UINT64_MAX);
	hp_histogram_add(h, 0);
	assert_int_equal(hp_histogram_quantile(h, 1), UINT64_MAX);
	assert_int_equal(hp_histogram_quantile(h, 0.5), 0);
	hp_histogram_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_values_are_exact),
		cmocka_unit_test(relative_error_within_one_percent),
		cmocka_unit_test(empty_and_huge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
