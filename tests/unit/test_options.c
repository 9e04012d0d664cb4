/* test_options.c: the subcommands' option parser: both spellings, short names, operands, its errors, and
 * the front of commands that read traces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

static int saved_stderr = -1;

/* Sends stderr to a temporary file until stderr_end, which copies what was written into err. */
static FILE *stderr_begin(void)
{
	FILE *tmp = tmpfile();

	assert_non_null(tmp);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fileno(tmp), STDERR_FILENO);
	return tmp;
}

static void stderr_end(FILE *tmp, char *err, size_t len)
{
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(tmp);
	size_t n = fread(err, 1, len - 1, tmp);
	err[n] = '\0';
	fclose(tmp);
}

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
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(p, 0, sizeof(*p));
	FILE *tmp = stderr_begin();
	int r = hp_options_parse("test", opts, argc, argv, p->operands, &p->noperands);
	stderr_end(tmp, p->err, sizeof(p->err));
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

static int helps;
static void count_help(void)
{
	helps++;
}

/* hp_options_front: what it returns, what it prints, and the traces it hands back. */
static void front_counts_the_traces(void **state)
{
	struct {
		const char *argv[4];
		bool needed, one;
		int status;
		size_t ntraces;
		int helps;
		const char *message;
	} cases[] = {
		{{"cmd", NULL}, true, false, 2, 0, 0, "hookprof: test: no trace given (hookprof-analyze test --help)\n"},
		{{"cmd", NULL}, false, true, -1, 0, 0, ""},
		{{"cmd", "a", "b", NULL}, false, true, 2, 0, 0,
		 "hookprof: test: one trace at a time ('a' and 'b') (hookprof-analyze test --help)\n"},
		{{"cmd", "a", "b", NULL}, true, false, -1, 2, 0, ""},
		{{"cmd", "--all", "a", NULL}, true, true, -1, 1, 0, ""},
		{{"cmd", "a", "--help", NULL}, true, true, 0, 0, 1, ""},
		{{"cmd", "--bogus", "a", NULL}, true, true, 2, 0, 0,
		 "hookprof: test: unknown option '--bogus' (hookprof-analyze test --help)\n"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool all = false;
		const struct hp_option opts[] = {HP_OPT_FLAG(ALL, &all), HP_OPT_END};
		const char **traces = NULL;
		size_t ntraces = 99;
		char err[512];
		int argc = 0;
		while (cases[i].argv[argc])
			argc++;
		helps = 0;
		FILE *tmp = stderr_begin();
		int r = hp_options_front("test", opts, count_help, argc, cases[i].argv, cases[i].needed, cases[i].one,
					 &traces, &ntraces);
		stderr_end(tmp, err, sizeof(err));
		assert_int_equal(r, cases[i].status);
		assert_string_equal(err, cases[i].message);
		assert_int_equal(helps, cases[i].helps);
		assert_int_equal(ntraces, cases[i].ntraces);
		if (r >= 0) {
			assert_null(traces);
			continue;
		}
		assert_non_null(traces);
		for (size_t k = 0; k < ntraces; k++)
			assert_string_equal(traces[k], cases[i].argv[argc - (int)ntraces + (int)k]);
		free((void *)traces);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_spellings),
		cmocka_unit_test(short_names_flags_and_operands),
		cmocka_unit_test(help_is_asked),
		cmocka_unit_test(errors_are_one_line),
		cmocka_unit_test(front_counts_the_traces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
