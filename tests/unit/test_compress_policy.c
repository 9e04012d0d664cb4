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

/* A writer that spends under a tenth of a 100 ms window compressing takes the spare level, until
 * compressing takes over a quarter of a window at that level; never with a level the user chose. */
static void an_idle_writer_compresses_harder(void **state)
{
	(void)state;
	hp_rec.cfg.level = 3;
	hp_rec.cfg.level_given = false;
	hp_compress_start();
	hp_compress_note_producing(1);
	uint64_t t = 5000000000;
	hp_compress_note_round(t); /* the first window opens */
	assert_int_equal(hp_compress_level(), 3);
	hp_compress_judge_chunk(3, 100000, 20000, 4000000); /* 4 ms of 100 */
	hp_compress_note_round(t += 100000000);
	assert_int_equal(hp_compress_level(), HP_COMPRESS_SPARE_LEVEL);
	hp_compress_judge_chunk(HP_COMPRESS_SPARE_LEVEL, 100000, 15000, 20000000); /* 20 ms: still spare */
	hp_compress_note_round(t += 100000000);
	assert_int_equal(hp_compress_level(), HP_COMPRESS_SPARE_LEVEL);
	hp_compress_judge_chunk(HP_COMPRESS_SPARE_LEVEL, 100000, 15000, 30000000); /* 30 ms: busy */
	hp_compress_note_round(t += 100000000);
	assert_int_equal(hp_compress_level(), 3);
	hp_compress_judge_chunk(3, 100000, 20000, 12000000); /* 12 ms: not idle enough to go back */
	hp_compress_note_round(t += 100000000);
	assert_int_equal(hp_compress_level(), 3);

	/* Idle, but behind: a producer waited, so the writer compresses less, not more. */
	hp_compress_note_round(t += 100000000);
	assert_int_equal(hp_compress_level(), HP_COMPRESS_SPARE_LEVEL);
	hp_compress_note_wait();
	hp_compress_note_round(t += 1000000);
	assert_true(hp_compress_level() < 3);

	/* A level the user chose is kept. */
	hp_rec.cfg.level_given = true;
	hp_compress_start();
	hp_compress_note_round(t += 100000000);
	hp_compress_note_round(t += 100000000);
	assert_int_equal(hp_compress_level(), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(level_follows_the_writers_pressure),
		cmocka_unit_test(an_idle_writer_compresses_harder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
