/* cmd_export.c: `hookprof-analyze export`: a trace in another tool's format (docs/export.md). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "cmd/options.h"
#include "export/export.h"
#include "util/output_file.h"
#include "model/run.h"
#include "read/trace_warnings.h"

static const char usage_line[] =
	"usage: hookprof-analyze export --format chrome|folded|massif|pprof [--cost COST] [-o FILE]\n"
	"                               [--suppressions FILE] TRACE";

static const char *const costs[] = {
	[HP_FOLD_TIME] = "time", [HP_FOLD_ALLOCS] = "allocs", [HP_FOLD_BYTES] = "bytes",
	[HP_FOLD_TEMPORARY] = "temporary", [HP_FOLD_LEAKED] = "leaked", [HP_FOLD_PEAK] = "peak", NULL,
};

static void help(void)
{
	printf("%s\n\n"
	       "Writes the root process of TRACE in another tool's format, to stdout or to FILE:\n\n"
	       "  chrome   Trace Event JSON for Perfetto UI (ui.perfetto.dev) and chrome://tracing: zones\n"
	       "           as slices per thread, marks, counters, heap and RSS as counter tracks\n"
	       "  folded   folded stacks for flamegraph.pl, speedscope and inferno; --cost says what they\n"
	       "           count: time (self time of nested zones, ns; the default), allocs, bytes,\n"
	       "           temporary, leaked (bytes) or peak (bytes live at the heap's peak)\n"
	       "  massif   valgrind massif's format, for ms_print and massif-visualizer\n"
	       "  pprof    pprof's profile.proto (gzip), for go tool pprof: allocations and live bytes by\n"
	       "           stack (alloc_objects, alloc_space, inuse_objects, inuse_space) and zone_time\n\n"
	       HP_RUN_LEAK_OPTIONS_HELP
	       "\nSee docs/export.md.\n",
	       usage_line);
}

#define usage_error(...) hp_usage_error("export", __VA_ARGS__)

/* The recorders of the formats that need each event, watching the one pass over the trace. */
struct passes {
	struct hp_profile_observer obs;
	struct hp_chrome_pass *chrome;
	struct hp_massif_pass *massif;
};

static int write_export(FILE *out, const struct hp_profile *p, const char *format, enum hp_fold_cost cost,
			const struct passes *ps, char *err, size_t errlen)
{
	if (!strcmp(format, "chrome"))
		return hp_export_chrome(out, p, ps->chrome, err, errlen);
	if (!strcmp(format, "massif"))
		return hp_export_massif(out, p, ps->massif, err, errlen);
	if (!strcmp(format, "pprof"))
		return hp_export_pprof(out, p, err, errlen);
	return hp_export_folded(out, p, cost, err, errlen);
}

int cmd_export(int argc, const char **argv)
{
	const char *format = NULL, *output = NULL, *trace = NULL;
	int cost = -1;
	char err[1024];

	static const char *const formats[] = {"chrome", "folded", "massif", "pprof", NULL};
	const char *cost_name = NULL;
	const char **args;
	size_t noperands;
	const struct hp_option opts[] = {
		HP_OPT_FORMAT(formats, &format),
		HP_OPT_CHOICE(COST, costs, &cost_name),
		HP_OPT_STRING(OUTPUT, "a file", &output),
		HP_OPT_LEAK_CHECK,
		HP_OPT_END,
	};
	int r = hp_options_front("export", opts, help, argc, argv, false, true, &args, &noperands);
	if (r >= 0)
		return r;
	trace = noperands ? args[0] : NULL;
	free((void *)args);
	for (int c = 0; cost_name && costs[c]; c++)
		if (!strcmp(cost_name, costs[c]))
			cost = c;
	if (!format)
		return usage_error("--format is needed: chrome, folded, massif or pprof");
	if (!trace)
		return usage_error("no trace given");
	if (cost >= 0 && strcmp(format, "folded"))
		return usage_error("--cost applies to --format folded only");
	if (!output && !strcmp(format, "pprof") && isatty(STDOUT_FILENO))
		return usage_error("pprof's format is binary: give -o FILE or redirect the output");

	struct passes ps = {0};
	if ((!strcmp(format, "chrome") && !(ps.chrome = hp_export_chrome_watch(&ps.obs))) ||
	    (!strcmp(format, "massif") && !(ps.massif = hp_export_massif_watch(&ps.obs)))) {
		fprintf(stderr, "hookprof: export: %s: out of memory\n", trace);
		return 1;
	}
	hp_run_observe_root(ps.obs.ctx ? &ps.obs : NULL);
	struct hp_run run;
	int loaded = hp_run_load(&run, trace, false, NULL, 0, NULL, NULL, err, sizeof(err));
	hp_run_observe_root(NULL);
	if (loaded) {
		fprintf(stderr, "hookprof: %s\n", err);
		hp_export_chrome_pass_free(ps.chrome);
		hp_export_massif_pass_free(ps.massif);
		return 1;
	}
	hp_profile_print_warnings(run.root);

	struct hp_output_file file;
	FILE *out = stdout;
	if (output) {
		if (hp_output_open(&file, output)) {
			fprintf(stderr, "hookprof: export: %s: %s\n", output, strerror(errno));
			hp_run_release(&run);
			hp_export_chrome_pass_free(ps.chrome);
			hp_export_massif_pass_free(ps.massif);
			return 1;
		}
		out = file.f;
	}
	int rc = 0;
	err[0] = 0;
	if (write_export(out, run.root, format, cost < 0 ? HP_FOLD_TIME : (enum hp_fold_cost)cost, &ps, err,
			 sizeof(err))) {
		fprintf(stderr, "hookprof: export: %s\n", err);
		rc = 1;
	}
	if (!rc && (fflush(out) || ferror(out))) {
		fprintf(stderr, "hookprof: export: writing %s: %s\n", output ? output : "the output", strerror(errno));
		rc = 1;
	}
	if (output && hp_output_finish(&file, !rc) && !rc) {
		fprintf(stderr, "hookprof: export: writing %s: %s\n", output, strerror(errno));
		rc = 1;
	}
	hp_run_release(&run);
	hp_export_chrome_pass_free(ps.chrome);
	hp_export_massif_pass_free(ps.massif);
	return rc;
}
