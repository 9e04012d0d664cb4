/* test_options.c: the subcommands' option parser: both spellings, short names, operands, and its errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd/options.h"

static const char *const formats[] = {"text", "json", "md", NULL};

struct parsed {
	const char *format, *output, *config;
	size_t top;
	double threshold;
	bool all;
	const char *operands[16];
	size_t noperands;
	char err[512]; /* what the parser printed on stderr */
};

/* Parses argv (NULL-ended) against a table like a command's, capturing stderr. */
static int parse(struct parsed *p, const char **argv)
{
	const struct hp_option opts[] = {
		HP_OPT_FORMAT(formats, &p->format),
		{"--output", 'o', "a file", NULL, NULL, &p->output, 0, 0},
		HP_OPT_TOP("a number of rows (0: all)", &p->top, 0, 1000),
		HP_OPT_PARSE(THRESHOLD, "a percentage, e.g. 5%", hp_opt_percent, &p->threshold, 0, 100),
		HP_OPT_FLAG(ALL, &p->all),
		HP_OPT_CONFIG(&p->config),
		HP_OPT_END,
	};
	int argc = 0, saved = dup(STDERR_FILENO);
	FILE *tmp = tmpfile();

	while (argv[argc])
		argc++;
	memset(p, 0, sizeof(*p));
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	int r = hp_options_parse("test", opts, argc, argv, p->operands, &p->noperands);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	size_t n = fread(p->err, 1, sizeof(p->err) - 1, tmp);
	p->err[n] = '\0';
	fclose(tmp);
	return r;
}

static void both_spellings(void **state)
{
	struct parsed p;
	(void)state;
	const char *spaced[] = {"cmd", "--format", "json", "--top", "7", "--threshold", "5%", "--config", "c", NULL};
	const char *joined[] = {"cmd", "--format=json", "--top=7", "--threshold=5%", "--config=c", NULL};

	for (int k = 0; k < 2; k++) {
		assert_int_equal(parse(&p, k ? joined : spaced), 0);
		assert_string_equal(p.format, "json");
		assert_int_equal(p.top, 7);
		assert_true(p.threshold > 0.0499 && p.threshold < 0.0501);
		assert_string_equal(p.config, "c");
		assert_string_equal(p.err, "");
	}
}

static void short_names_flags_and_operands(void **state)
{
	struct parsed p;
	(void)state;
	const char *argv[] = {"cmd", "a.hpt", "-o", "out", "--all", "-", "--", "--top", NULL};

	assert_int_equal(parse(&p, argv), 0);
	assert_string_equal(p.output, "out");
	assert_true(p.all);
	assert_int_equal(p.noperands, 3);
	assert_string_equal(p.operands[0], "a.hpt");
	assert_string_equal(p.operands[1], "-");
	assert_string_equal(p.operands[2], "--top"); /* after "--", an operand */
	assert_int_equal(p.top, 0);
}

static void help_is_asked(void **state)
{
	struct parsed p;
	(void)state;
	const char *argv[] = {"cmd", "x", "-h", "--bogus", NULL};

	assert_int_equal(parse(&p, argv), 1);
	assert_string_equal(p.err, "");
}

static void errors_are_one_line(void **state)
{
	struct {
		const char *argv[4];
		const char *message;
	} cases[] = {
		{{"cmd", "--bogus", NULL}, "hookprof: test: unknown option '--bogus' (hookprof-analyze test --help)\n"},
		{{"cmd", "--top", NULL}, "hookprof: test: --top takes a number of rows (0: all) (hookprof-analyze test --help)\n"},
		{{"cmd", "--top=x", NULL},
		 "hookprof: test: --top takes a number of rows (0: all), not 'x' (hookprof-analyze test --help)\n"},
		{{"cmd", "--top", "1001", NULL},
		 "hookprof: test: --top takes a number of rows (0: all), not '1001' (hookprof-analyze test --help)\n"},
		{{"cmd", "--format", "xml", NULL},
		 "hookprof: test: --format takes text, json or md, not 'xml' (hookprof-analyze test --help)\n"},
		{{"cmd", "--format", NULL}, "hookprof: test: --format takes text, json or md (hookprof-analyze test --help)\n"},
		{{"cmd", "--threshold", "-1", NULL},
		 "hookprof: test: --threshold takes a percentage, e.g. 5%, not '-1' (hookprof-analyze test --help)\n"},
		{{"cmd", "--all=yes", NULL}, "hookprof: test: --all takes no value (hookprof-analyze test --help)\n"},
		{{"cmd", "--topx", "1", NULL}, "hookprof: test: unknown option '--topx' (hookprof-analyze test --help)\n"},
	};
	struct parsed p;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(&p, cases[i].argv), 2);
		assert_string_equal(p.err, cases[i].message);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_spellings),
		cmocka_unit_test(short_names_flags_and_operands),
		cmocka_unit_test(help_is_asked),
		cmocka_unit_test(errors_are_one_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
