/* usage_error.c: the one-line usage error every subcommand prints, in one shape. */
#include <stdarg.h>
#include <stdio.h>

#include "cmd/commands.h"

int hp_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hookprof: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (hookprof-analyze %s --help)\n", cmd);
	return 2;
}
