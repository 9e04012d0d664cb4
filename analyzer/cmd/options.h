/* options.h: the one option parser of hookprof-analyze's subcommands, driven by a table per command. */
#ifndef HP_OPTIONS_H
#define HP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/analyze_options.h"

/*
 * A command declares its options in an array of struct hp_option ended by HP_OPT_END and calls
 * hp_options_parse() once. Every option is accepted as `--name VALUE` and `--name=VALUE` (and `-x VALUE`
 * when it has a short name); `-h` / `--help` asks for help; `--` ends the options; anything else not
 * starting with '-' (a lone "-" included) is an operand, kept in argv order.
 *
 * What an option does with its value:
 *   takes == NULL            a flag: *(bool *)dest = true; `--flag=x` is a usage error.
 *   parse == NULL            *(const char **)dest = the value (a pointer into argv), never empty; with
 *                            choices set, the value must be one of them.
 *   parse != NULL            parse(opt, value) stores it; returns 0, -1 when the value is bad (the parser
 *                            then prints the error), or -2 when parse printed an error of its own.
 * `takes` says what the value is ("a number of rows (0: all)"); with choices and takes == NULL, the
 * message lists the choices ("takes text, json or md").
 *
 * Every usage error is one line on stderr, then hp_options_parse returns 2:
 *   hookprof: CMD: unknown option '--bogus' (hookprof-analyze CMD --help)
 *   hookprof: CMD: --top takes a number of rows (0: all) (hookprof-analyze CMD --help)
 *   hookprof: CMD: --top takes a number of rows (0: all), not 'x' (hookprof-analyze CMD --help)
 */
struct hp_option {
	const char *name;		/* "--top"; NULL ends the table */
	char short_name;		/* 'o' for -o, 0 when there is none */
	const char *takes;		/* what the value is, for errors; NULL for a flag unless choices is set */
	const char *const *choices;	/* NULL, or the allowed values, NULL-terminated */
	int (*parse)(const struct hp_option *opt, const char *value);
	void *dest;
	double min, max;		/* the range hp_opt_count, hp_opt_number and hp_opt_percent accept */
};

#define HP_OPT_END {NULL, 0, NULL, NULL, NULL, NULL, 0, 0}
/* Table entries name an option by its ID in common/analyze_options.h, where its name, short name and
 * whether it takes a value are written once. HP_OPT_NAME compiles only when the list agrees with the
 * entry: a flag (value 0) or an option that takes a value (1). */
#define HP_OPT_NAME(id, value)                                                                                  \
	hp_analyze_option_names[HP_AOPT_INDEX_##id + 0 * sizeof(char[HP_AOPT_VALUE_##id == (value) ? 1 : -1])]
#define HP_OPT_FLAG(id, dest) {HP_OPT_NAME(id, 0), HP_AOPT_SHORT_##id, NULL, NULL, NULL, dest, 0, 0}
#define HP_OPT_STRING(id, takes, dest) {HP_OPT_NAME(id, 1), HP_AOPT_SHORT_##id, takes, NULL, NULL, dest, 0, 0}
#define HP_OPT_CHOICE(id, choices, dest) {HP_OPT_NAME(id, 1), HP_AOPT_SHORT_##id, NULL, choices, NULL, dest, 0, 0}
#define HP_OPT_PARSE(id, takes, fn, dest, min, max)                                                            \
	{HP_OPT_NAME(id, 1), HP_AOPT_SHORT_##id, takes, NULL, fn, dest, min, max}

/* Options several commands share, declared once. */
#define HP_OPT_CONFIG(dest) HP_OPT_STRING(CONFIG, "a file", dest)
#define HP_OPT_NO_CHILDREN(dest) HP_OPT_FLAG(NO_CHILDREN, dest)
#define HP_OPT_FORMAT(choices, dest) HP_OPT_CHOICE(FORMAT, choices, dest)
#define HP_OPT_TOP(takes, dest, min, max) HP_OPT_PARSE(TOP, takes, hp_opt_count, dest, min, max)
/* --width N: the columns of the text output, into a size_t (hp_cmd_text_width in cmd/commands.h
 * resolves it; HP_WIDTH_MIN is in report/elide.h). */
#define HP_OPT_WIDTH(dest) HP_OPT_PARSE(WIDTH, "a number of columns (at least 60)", hp_opt_count, dest, HP_WIDTH_MIN, 100000)
/* Suppressions and heuristics of the leak classification (model/run.h keeps their values). */
#define HP_OPT_LEAK_CHECK                                                                                      \
	HP_OPT_PARSE(SUPPRESSIONS, "a file", hp_opt_run_leak, NULL, 0, 0),                                     \
	HP_OPT_PARSE(NO_BUILTIN_SUPPRESSIONS, "a list of names (stdio, loader, locale, time, nss, tty, "       \
		     "environ, libstdc++, all)", hp_opt_run_leak, NULL, 0, 0),                                           \
	HP_OPT_PARSE(LEAK_CHECK_HEURISTICS, "a list (stdstring, length64, newarray, "                          \
		     "multipleinheritance, all, none)", hp_opt_run_leak, NULL, 0, 0)
/* The part of each trace the run reads (model/run.h). */
#define HP_OPT_WINDOW                                                                                          \
	HP_OPT_PARSE(WINDOW, "FROM..TO (each a mark name, a time like 1.5s, or empty)", hp_opt_run_window,      \
		     NULL, 0, 0)

/* Parses argv[1..argc) (argv[0] is the command's name) against opts. Operands go to operands[] (room
 * for argc entries, the caller's), their count to *noperands. Returns 0 when parsed, 1 when help was
 * asked for (nothing printed), 2 after printing a usage error. */
int hp_options_parse(const char *cmd, const struct hp_option *opts, int argc, const char **argv,
		     const char **operands, size_t *noperands);

/* The front of a command that reads traces: parses argv against opts (as hp_options_parse), then
 * counts the traces: none when `needed` is "no trace given", more than one when `one` is "one trace
 * at a time ('A' and 'B')". Returns -1 when the command goes on, with *traces (malloc'd, the caller's to
 * free; its strings point into argv) and *ntraces set; otherwise the command's exit status: 0 after
 * printing help(), 2 after a usage error, 1 when out of memory (each reported; *traces is NULL). */
int hp_options_front(const char *cmd, const struct hp_option *opts, void (*help)(void), int argc,
		     const char **argv, bool needed, bool one, const char ***traces, size_t *ntraces);

/* Value parsers for HP_OPT_PARSE. hp_opt_count: decimal digits only, min..max, into a size_t.
 * hp_opt_number: a decimal number (a trailing '%' allowed) in min..max, into a double.
 * hp_opt_percent: the same, stored divided by 100 (a fraction). */
int hp_opt_count(const struct hp_option *opt, const char *value);
int hp_opt_number(const struct hp_option *opt, const char *value);
int hp_opt_percent(const struct hp_option *opt, const char *value);
/* Hand the value to hp_run_leak_option / hp_run_window_option (they report their own errors: -2). */
int hp_opt_run_leak(const struct hp_option *opt, const char *value);
int hp_opt_run_window(const struct hp_option *opt, const char *value);

#endif
