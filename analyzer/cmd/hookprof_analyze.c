/* hookprof_analyze.c: hookprof-analyze, the offline half of hookprof: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "common/commands.h"
#include "common/version.h"

struct command {
	const char *name;
	int (*fn)(int argc, const char **argv);
	const char *help;
};

#define COMMAND_ENTRY(name, help) {#name, cmd_##name, help},
static const struct command commands[] = {HP_ANALYZE_COMMANDS(COMMAND_ENTRY)};
#undef COMMAND_ENTRY

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
		puts("hookprof " HP_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, (const char **)argv + 1);
	fprintf(stderr, "hookprof: unknown command '%s' (hookprof-analyze --help lists them)\n", argv[1]);
	return 2;
}
