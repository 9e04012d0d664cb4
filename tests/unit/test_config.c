/* test_config.c: the config parser: defaults, a good file, and every error with its FILE:LINE. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "report/config.h"

static char err[512];

static int parse(struct hp_config *cfg, const char *text)
{
	err[0] = '\0';
	return hp_config_parse(cfg, text, strlen(text), "t.conf", err, sizeof(err));
}

/* The text must fail with exactly this message, and leave the config as it was. */
static void fails(const char *text, const char *message)
{
	struct hp_config cfg, before;

	hp_config_defaults(&cfg);
	before = cfg;
	assert_int_equal(parse(&cfg, text), -1);
	assert_string_equal(err, message);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
}

static void defaults(void **state)
{
	struct hp_config cfg;
	size_t n;
	const struct hp_config_key *k = hp_config_keys(&n);
	(void)state;

	hp_config_defaults(&cfg);
	assert_true(n > 30);
	assert_true(cfg.alloc_cost_ns == 20);
	assert_true(cfg.hot_share == 0.05);
	assert_true(cfg.w_leaks == 30);
	assert_true(cfg.max_per_rule == 5);
	for (size_t i = 0; i < n; i++) {
		double v = *(double *)((char *)&cfg + k[i].offset);
		assert_true(v == k[i].def);
		assert_true(v >= k[i].min && v <= k[i].max);
		assert_non_null(k[i].doc);
	}
	/* The defaults themselves pass the whole-file checks. */
	assert_int_equal(parse(&cfg, ""), 0);
}

static void good_file(void **state)
{
	struct hp_config cfg;
	(void)state;

	hp_config_defaults(&cfg);
	assert_int_equal(parse(&cfg, "# thresholds for the nightly job\n"
				     "\n"
				     "alloc_cost_ns = 35   # measured on the CI machine\n"
				     "  hot_share=0.10\r\n"
				     "\tscore.weight.leaks = 50\n"
				     "rule.temporary.min_count = 1e3\n"
				     "score.churn.good = 2.5e5\n"
				     "rule.max_per_rule = 0"),
			 0);
	assert_true(cfg.alloc_cost_ns == 35);
	assert_true(cfg.hot_share == 0.10);
	assert_true(cfg.w_leaks == 50);
	assert_true(cfg.temp_min_count == 1000);
	assert_true(cfg.churn_good == 250000);
	assert_true(cfg.max_per_rule == 0);
	/* Untouched keys keep their defaults. */
	assert_true(cfg.w_churn == 10);
}

static void errors(void **state)
{
	(void)state;
	fails("\n\nfoo = 1\n", "t.conf:3: unknown key 'foo'");
	fails("alloc_cost_ns 20\n", "t.conf:1: expected 'key = value', got 'alloc_cost_ns 20'");
	fails("= 20\n", "t.conf:1: missing key before '='");
	fails("hot_share =   # nothing\n", "t.conf:1: missing value for 'hot_share'");
	fails("hot_share = abc\n", "t.conf:1: 'abc' is not a number (for 'hot_share')");
	fails("hot_share = 0.1x\n", "t.conf:1: '0.1x' is not a number (for 'hot_share')");
	fails("hot_share = nan\n", "t.conf:1: 'nan' is not a number (for 'hot_share')");
	fails("alloc_cost_ns = inf\n", "t.conf:1: 'inf' is not a number (for 'alloc_cost_ns')");
	fails("alloc_cost_ns = 0x10\n", "t.conf:1: '0x10' is not a number (for 'alloc_cost_ns')");
	fails("alloc_cost_ns = 1e999\n", "t.conf:1: '1e999' is not a number (for 'alloc_cost_ns')");
	fails("hot_share = 1.5\n", "t.conf:1: 'hot_share' = 1.5 is out of range: 0 to 1");
	fails("score.weight.churn = -1\n", "t.conf:1: 'score.weight.churn' = -1 is out of range: 0 to 1000");
	fails("score.tail.good = 0\n", "t.conf:1: 'score.tail.good' = 0 is out of range: above 0 to 1000000000");
	fails("rule.tail.min_calls = 10.5\n", "t.conf:1: 'rule.tail.min_calls' must be a whole number, not 10.5");
	fails("hot_share = 0.1\nhot_share = 0.2\n", "t.conf:2: 'hot_share' is already set on line 1");
}

static void nul_byte(void **state)
{
	static const char text[] = "hot_share = 0.1\nalloc\0_cost_ns = 3\n";
	struct hp_config cfg;
	(void)state;

	hp_config_defaults(&cfg);
	assert_int_equal(hp_config_parse(&cfg, text, sizeof(text) - 1, "t.conf", err, sizeof(err)), -1);
	assert_string_equal(err, "t.conf:2: NUL byte in line");
}

static void whole_file_checks(void **state)
{
	(void)state;
	/* The later line of the pair is the one to blame. */
	fails("score.churn.bad = 50000\n", "t.conf:1: 'score.churn.good' (100000) must be below 'score.churn.bad' (50000)");
	fails("score.temporary.bad = 0.3\n\nscore.temporary.good = 0.3\n",
	      "t.conf:3: 'score.temporary.good' (0.3) must be below 'score.temporary.bad' (0.3)");
	fails("rule.allocator.critical_share = 0.05\n",
	      "t.conf:1: 'rule.allocator.share' (0.1) must be below 'rule.allocator.critical_share' (0.05)");
	fails("score.weight.churn = 0\nscore.weight.temporary = 0\nscore.weight.leaks = 0\nscore.weight.tail = 0\n"
	      "score.weight.allocator = 0\nscore.weight.peak = 0\nscore.weight.events_lost = 0\n",
	      "t.conf:7: the score weights are all 0: at least one must be positive");
}

static void load_file(void **state)
{
	char path[] = "/tmp/hp_test_config_XXXXXX";
	struct hp_config cfg;
	(void)state;

	hp_config_defaults(&cfg);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char text[] = "alloc_cost_ns = 42\nbogus = 1\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (int)sizeof(text) - 1);
	close(fd);
	assert_int_equal(hp_config_load(&cfg, path, err, sizeof(err)), -1);
	char want[600];
	snprintf(want, sizeof(want), "%s:2: unknown key 'bogus'", path);
	assert_string_equal(err, want);
	assert_true(cfg.alloc_cost_ns == 20);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, 19), 19);
	close(fd);
	assert_int_equal(hp_config_load(&cfg, path, err, sizeof(err)), 0);
	assert_true(cfg.alloc_cost_ns == 42);
	unlink(path);

	assert_int_equal(hp_config_load(&cfg, "/nonexistent/hp.conf", err, sizeof(err)), -1);
	assert_string_equal(err, "cannot open '/nonexistent/hp.conf': No such file or directory");
}

/* docs/config.md documents every key with its default. */
static void documented(void **state)
{
	char path[512];
	const char *me = __FILE__;
	const char *slash = strstr(me, "tests/unit/");
	size_t n;
	const struct hp_config_key *k = hp_config_keys(&n);
	(void)state;

	snprintf(path, sizeof(path), "%.*sdocs/config.md", slash ? (int)(slash - me) : 0, me);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char doc[65536];
	size_t len = fread(doc, 1, sizeof(doc) - 1, f);
	doc[len] = '\0';
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		char row[160];
		snprintf(row, sizeof(row), "| `%s` | %.15g |", k[i].name, k[i].def);
		if (!strstr(doc, row))
			fail_msg("docs/config.md has no row starting '%s'", row);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),	     cmocka_unit_test(good_file), cmocka_unit_test(errors),
		cmocka_unit_test(nul_byte),	     cmocka_unit_test(whole_file_checks),
		cmocka_unit_test(load_file),	     cmocka_unit_test(documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
