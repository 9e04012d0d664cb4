/* test_growth.c: the least-squares fit and the steady-growth verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model/growth.h"

static void exact_line(void **state)
{
	struct hp_growth g = {0};
	double slope, r2;
	(void)state;

	for (int i = 0; i < 10; i++)
		hp_growth_add(&g, i * 0.5, 1000 + 200.0 * i * 0.5);
	assert_true(hp_growth_fit(&g, &slope, &r2));
	assert_true(slope > 199.999 && slope < 200.001);
	assert_true(r2 > 0.999999);
	assert_true(hp_growth_steady(&g, 10, 100, 0.9, 500));
	assert_false(hp_growth_steady(&g, 11, 100, 0.9, 500)); /* too few points */
	assert_false(hp_growth_steady(&g, 10, 300, 0.9, 500)); /* too slow */
	assert_false(hp_growth_steady(&g, 10, 100, 0.9, 5000)); /* grew too little */
}

static void sawtooth_is_not_steady(void **state)
{
	struct hp_growth g = {0};
	double slope, r2;
	(void)state;

	/* A cache filled and flushed again and again: no trend. */
	for (int i = 0; i < 100; i++)
		hp_growth_add(&g, i, (i % 10) * 1000.0);
	assert_true(hp_growth_fit(&g, &slope, &r2));
	assert_true(r2 < 0.1);
	assert_false(hp_growth_steady(&g, 10, 1, 0.8, 1));
}

static void flat_and_degenerate(void **state)
{
	struct hp_growth g = {0};
	double slope = -1, r2 = -1;
	(void)state;

	assert_false(hp_growth_fit(&g, &slope, &r2));
	hp_growth_add(&g, 1, 5);
	assert_false(hp_growth_fit(&g, &slope, &r2));
	hp_growth_add(&g, 1, 7); /* no spread in time */
	assert_false(hp_growth_fit(&g, &slope, &r2));
	struct hp_growth flat = {0};
	for (int i = 0; i < 5; i++)
		hp_growth_add(&flat, i, 4096);
	assert_true(hp_growth_fit(&flat, &slope, &r2));
	assert_true(slope == 0 && r2 == 0);
	assert_false(hp_growth_steady(&flat, 2, 1, 0.5, 1)); /* no rate, no fit, no growth */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exact_line),
		cmocka_unit_test(sawtooth_is_not_steady),
		cmocka_unit_test(flat_and_degenerate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
