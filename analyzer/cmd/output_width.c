/* output_width.c: the columns a command's text output fits in, one rule for `report` and `leaks`. */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "report/elide.h"

size_t hp_cmd_text_width(size_t asked)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	size_t w = 100;
	char *end;

	if (asked)
		return asked;
	if (env && *env) {
		unsigned long v = strtoul(env, &end, 10);
		if (!*end && v > 0)
			w = v;
	} else if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		w = ws.ws_col;
	}
	return w < HP_WIDTH_MIN ? HP_WIDTH_MIN : w;
}
