/* test_window.c: `--window FROM..TO`: parsing each side, bounds resolved by marks, clipping a call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/window.h"

static void parse_sides(void **state)
{
	struct hp_window w;
	char err[256];

	(void)state;
	assert_int_equal(hp_window_parse(&w, "1.5s..200ms", err, sizeof(err)), -1); /* ends before it starts */
	assert_int_equal(hp_window_parse(&w, "200ms..1.5s", err, sizeof(err)), 0);
	assert_int_equal(w.from.kind, HP_BOUND_TIME);
	assert_int_equal(w.from.ns, 200000000);
	assert_int_equal(w.to.ns, 1500000000);
	hp_window_release(&w);
	assert_int_equal(hp_window_parse(&w, "warmed-up..", err, sizeof(err)), 0);
	assert_int_equal(w.from.kind, HP_BOUND_MARK);
	assert_string_equal(w.from.mark, "warmed-up");
	assert_int_equal(w.to.kind, HP_BOUND_OPEN);
	hp_window_release(&w);
	assert_int_equal(hp_window_parse(&w, "..30us", err, sizeof(err)), 0);
	assert_int_equal(w.from.kind, HP_BOUND_OPEN);
	assert_int_equal(w.to.ns, 30000);
	hp_window_release(&w);
	assert_int_equal(hp_window_parse(&w, "warm", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "FROM..TO"));
	assert_int_equal(hp_window_parse(&w, "5ks..", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a time"));
}

static void marks_and_clipping(void **state)
{
	struct hp_window w;
	struct hp_window_state s;
	char err[256];
	bool overlaps;
	uint64_t from, len;

	(void)state;
	assert_int_equal(hp_window_parse(&w, "tick..tick", err, sizeof(err)), 0);
	hp_window_begin(&s, &w);
	assert_false(hp_window_has(&s, 0));
	assert_int_equal(hp_window_clip(&s, 0, 100, &overlaps), 0);
	assert_false(overlaps);
	hp_window_mark(&s, "other", 50);
	hp_window_mark(&s, "tick", 100); /* the first tick opens it... */
	assert_true(hp_window_has(&s, 100));
	assert_false(hp_window_has(&s, 99));
	hp_window_mark(&s, "tick", 300); /* ...the next one closes it */
	assert_false(hp_window_has(&s, 300));
	assert_int_equal(hp_window_clip(&s, 50, 150, &overlaps), 50);
	assert_true(overlaps);
	assert_int_equal(hp_window_clip(&s, 120, 180, &overlaps), 60);
	assert_int_equal(hp_window_clip(&s, 250, 400, &overlaps), 50);
	assert_int_equal(hp_window_clip(&s, 300, 400, &overlaps), 0);
	assert_false(overlaps);
	assert_int_equal(hp_window_finish(&s, 1000, &from, &len, err, sizeof(err)), 0);
	assert_int_equal(from, 100);
	assert_int_equal(len, 200);
	hp_window_release(&w);

	/* No window: everything inside, the run's whole length. */
	hp_window_begin(&s, NULL);
	assert_true(hp_window_has(&s, 0));
	assert_int_equal(hp_window_clip(&s, 10, 20, &overlaps), 10);
	assert_int_equal(hp_window_finish(&s, 1000, &from, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 1000);

	/* A mark that never came. */
	assert_int_equal(hp_window_parse(&w, "go..", err, sizeof(err)), 0);
	hp_window_begin(&s, &w);
	assert_int_equal(hp_window_finish(&s, 1000, &from, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no mark 'go'"));
	hp_window_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_sides),
		cmocka_unit_test(marks_and_clipping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
