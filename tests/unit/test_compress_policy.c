/* test_compress_policy.c: the writer's zstd level per chunk: configured while it keeps up, level 1
 * when a producer waited and the writer has a CPU of its own, the fast level when the producing
 * threads fill every CPU. */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "compress_policy.h"

static unsigned cpus(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) == 0 ? (unsigned)CPU_COUNT(&set) : 1;
}

static void level_follows_the_writers_pressure(void **state)
{
	(void)state;
	hp_rec.cfg.level = 3;
	hp_compress_start();
	hp_compress_note_producing(1);
	hp_compress_note_round(1000000000);
	assert_int_equal(hp_compress_level(), 3); /* keeping up */

	hp_compress_note_wait(); /* a producer found its ring full */
	hp_compress_note_round(1001000000);
	assert_int_equal(hp_compress_level(), cpus() > 1 ? HP_COMPRESS_BEHIND_LEVEL : HP_COMPRESS_FAST_LEVEL);
	hp_compress_note_producing(cpus());
	assert_int_equal(hp_compress_level(), HP_COMPRESS_FAST_LEVEL);

	/* Kept up for 20 ms: the configured level again. */
	hp_compress_note_round(1030000000);
	assert_int_equal(hp_compress_level(), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(level_follows_the_writers_pressure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
