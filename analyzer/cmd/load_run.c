/* load_run.c: loads one of the traces a command was given as a run, its errors reported as every
 * command reports them. */
#include <stdio.h>

#include "cmd/commands.h"
#include "model/run.h"

static void print_child_error(const char *msg, void *ctx)
{
	int *rc = ctx;

	fprintf(stderr, "hookprof: %s\n", msg);
	*rc = 1;
}

int hp_cmd_load_run(struct hp_run *run, const char *const *traces, size_t ntraces, size_t t, bool children,
		    int *rc)
{
	char err[1024];

	if (hp_run_load(run, traces[t], children, traces, ntraces, print_child_error, rc, err, sizeof(err)) < 0) {
		fprintf(stderr, "hookprof: %s\n", err);
		*rc = 1;
		return -1;
	}
	return 0;
}
