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

/* The symbolizer's warnings of process i of a run (0: the root). */
static size_t symbol_warnings(const struct hp_run *run, size_t i, const struct hp_symbol_warning **w)
{
	const struct hp_profile *p = hp_run_process(run, i);

	return p->sym ? hp_symbolizer_warnings(p->sym, w) : 0;
}

/* Whether process j's warnings hold `line` among those about a module with a file problem. */
static bool has_line(const struct hp_run *run, size_t j, const char *line)
{
	const struct hp_symbol_warning *w;
	size_t n = symbol_warnings(run, j, &w);

	for (size_t l = 0; l < n; l++)
		if (!w[l].nameless && !strcmp(w[l].line, line))
			return true;
	return false;
}

/* A module whose file is missing or rebuilt: one line each, said once a run with the count of the
 * other traces that say it too. */
static void print_file_warnings(const struct hp_run *run)
{
	for (size_t i = 0; i <= run->nchildren; i++) {
		const struct hp_symbol_warning *w;
		size_t n = symbol_warnings(run, i, &w);
		for (size_t k = 0; k < n; k++) {
			bool said = false;
			for (size_t j = 0; j < i && !said; j++)
				said = has_line(run, j, w[k].line);
			if (w[k].nameless || said)
				continue;
			size_t also = 0;
			for (size_t j = i + 1; j <= run->nchildren; j++)
				also += has_line(run, j, w[k].line);
			const struct hp_profile *p = hp_run_process(run, i);
			if (also)
				fprintf(stderr, "hookprof: warning: %s: %s (and %zu more trace%s of this run)\n", p->path,
					w[k].line, also, also == 1 ? "" : "s");
			else
				fprintf(stderr, "hookprof: warning: %s: %s\n", p->path, w[k].line);
		}
	}
}

/* Whether a warning before process i's k-th names the same module without names. */
static bool nameless_before(const struct hp_run *run, size_t i, size_t k)
{
	const struct hp_symbol_warning *w, *mine;

	symbol_warnings(run, i, &mine);
	for (size_t j = 0; j <= i; j++) {
		size_t n = symbol_warnings(run, j, &w);
		for (size_t l = 0; l < (j == i ? k : n); l++)
			if (w[l].nameless && !strcmp(w[l].nameless, mine[k].nameless))
				return true;
	}
	return false;
}

#define NAMELESS_LISTED 8 /* modules named on the line; the report names them all */

/* The modules with addresses left without a name, all of the run's in one line: a stripped system
 * has dozens, and a line each with its build-id and advice buried what else stderr said (each
 * process's report keeps them, build-ids and all). */
static void print_nameless_modules(const struct hp_run *run)
{
	const struct hp_profile *first = NULL;
	size_t traces = 0, modules = 0, len = 0;
	char names[1024] = "";

	for (size_t i = 0; i <= run->nchildren; i++) {
		const struct hp_symbol_warning *w;
		size_t n = symbol_warnings(run, i, &w);
		bool any = false;
		for (size_t k = 0; k < n; k++) {
			if (!w[k].nameless)
				continue;
			any = true;
			if (nameless_before(run, i, k))
				continue;
			if (modules++ < NAMELESS_LISTED && len < sizeof(names)) {
				const char *base = strrchr(w[k].nameless, '/') ? strrchr(w[k].nameless, '/') + 1 : w[k].nameless;
				int c = snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "", base);
				len += c > 0 ? (size_t)c : 0;
			}
		}
		if (any && !traces++)
			first = hp_run_process(run, i);
	}
	if (!modules)
		return;
	char more[64] = "", others[64] = "";
	if (modules > NAMELESS_LISTED)
		snprintf(more, sizeof(more), " and %zu more", modules - NAMELESS_LISTED);
	if (traces > 1)
		snprintf(others, sizeof(others), " and %zu more trace%s of this run", traces - 1, traces > 2 ? "s" : "");
	fprintf(stderr,
		"hookprof: warning: %s%s: %zu module%s with addresses left without a name, whose frames read "
		"NAME+0xOFFSET: %s%s; install %s debug package%s (-dbg, -dbgsym or -debuginfo) or set DEBUGINFOD_URLS "
		"(docs/symbols.md); `report` names each file with its build-id\n",
		first->path, others, modules, modules == 1 ? "" : "s", names, more, modules == 1 ? "its" : "their",
		modules == 1 ? "" : "s");
}

void hp_cmd_print_run_warnings(const struct hp_run *run)
{
	hp_run_warnings(run, hp_warning_to_stderr, NULL);
	print_file_warnings(run);
	print_nameless_modules(run);
}
