/* hookprof_analyze.c: hookprof-analyze, the offline half of hookprof: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"

#define HP_VERSION "hookprof 0.1.0"

struct command {
	const char *name;
	int (*fn)(int argc, const char **argv);
	const char *help;
};

static const struct command commands[] = {
	{"check", cmd_check, "exit non-zero when a trace fails limits (score, leaks, regressions): for CI"},
	{"diff", cmd_diff, "what changed between two runs: totals, time per call, allocation sites, noise-aware"},
	{"dump", cmd_dump, "print every event of a trace in causal order, then its definitions"},
	{"history", cmd_history, "runs kept over time in a database: add, show (trends, HTML plot), check for regressions"},
	{"export", cmd_export, "a trace for other tools: chrome (Perfetto), folded (flame graphs), massif, pprof"},
	{"leaks", cmd_leaks, "blocks never freed, by allocation stack, classified like valgrind's memcheck"},
	{"probe", cmd_probe, "tell whether a program can be recorded (dynamic, static, script)"},
	{"report", cmd_report, "functions, heap, leaks, score and recommendations for a run's traces"},
	{"status", cmd_status, "tell whether each trace ends with its process's end (complete) or not"},
	{"top", cmd_top, "a refreshing view of a trace while its process writes it (heap, rates, zones, sites)"},
};

static void usage(FILE *to)
{
	fprintf(to, "usage: hookprof-analyze COMMAND [OPTIONS] [TRACE...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(to, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(to, "\n'hookprof-analyze COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		puts(HP_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, (const char **)argv + 1);
	fprintf(stderr, "hookprof: unknown command '%s' (hookprof-analyze --help lists them)\n", argv[1]);
	return 2;
}
