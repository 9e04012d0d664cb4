/* load_run.c: loads one of the traces a command was given as a run, its errors and its symbol
 * warnings reported as every command reports them. */
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "model/run.h"
#include "model/symbolizer.h"
#include "read/trace_warnings.h"

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

/* The symbolizer's lines of process i of a run (0: the root). */
static size_t symbol_lines(const struct hp_run *run, size_t i, const char *const **lines)
{
	const struct hp_profile *p = hp_run_process(run, i);

	return p->sym ? hp_symbolizer_warnings(p->sym, lines) : 0;
}

static void print_symbol_warnings(const struct hp_run *run)
{
	for (size_t i = 0; i <= run->nchildren; i++) {
		const char *const *lines;
		size_t n = symbol_lines(run, i, &lines);
		for (size_t k = 0; k < n; k++) {
			/* Said already by an earlier process of the run? Then it was counted there. */
			bool said = false;
			for (size_t j = 0; j < i && !said; j++) {
				const char *const *before;
				size_t m = symbol_lines(run, j, &before);
				for (size_t l = 0; l < m && !said; l++)
					said = !strcmp(before[l], lines[k]);
			}
			if (said)
				continue;
			size_t also = 0;
			for (size_t j = i + 1; j <= run->nchildren; j++) {
				const char *const *after;
				size_t m = symbol_lines(run, j, &after);
				for (size_t l = 0; l < m; l++)
					if (!strcmp(after[l], lines[k])) {
						also++;
						break;
					}
			}
			const struct hp_profile *p = hp_run_process(run, i);
			if (also)
				fprintf(stderr, "hookprof: warning: %s: %s (and %zu more trace%s of this run)\n", p->path,
					lines[k], also, also == 1 ? "" : "s");
			else
				fprintf(stderr, "hookprof: warning: %s: %s\n", p->path, lines[k]);
		}
	}
}

void hp_cmd_print_run_warnings(const struct hp_run *run)
{
	hp_run_warnings(run, hp_warning_to_stderr, NULL);
	print_symbol_warnings(run);
}
