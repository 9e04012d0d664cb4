/* fuzz_pipeline.c: libFuzzer target for everything a command does with a trace: read, merge, build the
 * profile, every report format, every export, dump, leaks, check and diff, over hostile bytes.
 *
 * The trace is a memfd named by its /proc path, so that the commands open it as they open any file
 * (the exports read it a second time). Output goes to /dev/null; run the fuzzer with -close_fd_mask=3
 * to silence the commands' messages (sanitizer reports still reach the terminal).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "report/config.h"
#include "export/export.h"
#include "model/profile.h"
#include "model/profile_compare.h"
#include "report/report.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink;
static int trace_fd = -1;
static char trace_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sink = fopen("/dev/null", "w");
	/* The commands print to stdout: not worth the fuzzer's time. */
	if (!sink || !freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

/* A message the analyzer gives must be one line, and not empty. */
static void check_message(const char *msg)
{
	if (!msg[0] || strchr(msg, '\n'))
		__builtin_trap();
}

static void write_trace(const uint8_t *data, size_t size)
{
	if (trace_fd < 0) {
		if ((trace_fd = memfd_create("fuzz.hpt", MFD_CLOEXEC)) < 0)
			abort();
		snprintf(trace_path, sizeof(trace_path), "/proc/self/fd/%d", trace_fd);
	}
	if (ftruncate(trace_fd, 0) || pwrite(trace_fd, data, size, 0) != (ssize_t)size)
		abort();
}

static void reports(struct hp_profile *p)
{
	static const struct hp_report_opts top = {.top = 20, .threads = true};
	static const struct hp_report_opts all = {.top = 0, .threads = false};
	int (*const writers[])(FILE *, const struct hp_report *, const struct hp_report *, size_t,
			       const struct hp_report_opts *) = {
		hp_report_write_text, hp_report_write_json, hp_report_write_csv, hp_report_write_md,
		hp_report_write_line, hp_report_write_html,
	};
	struct hp_config cfg;
	struct hp_report r;

	hp_config_defaults(&cfg);
	if (hp_report_init(&r, p, &cfg))
		return;
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
		writers[i](sink, &r, NULL, 0, &top);
		writers[i](sink, &r, &r, 1, &all); /* the same report as its own child: the children's path */
	}
	for (size_t i = 0; hp_csv_sections[i]; i++) {
		struct hp_report_opts one = {.top = 5, .section = hp_csv_sections[i]};
		hp_report_write_csv(sink, &r, NULL, 0, &one);
	}
	hp_report_release(&r);
}

static void exports(const struct hp_profile *p)
{
	char err[1024];

	for (int cost = HP_FOLD_TIME; cost <= HP_FOLD_PEAK; cost++) {
		err[0] = 0;
		if (hp_export_folded(sink, p, (enum hp_fold_cost)cost, err, sizeof(err)))
			check_message(err);
	}
	err[0] = 0;
	if (hp_export_pprof(sink, p, err, sizeof(err)))
		check_message(err);
}

/* Chrome and massif watch the pass that builds the profile: each gets a build of its own. */
static void per_event_exports(void)
{
	struct hp_profile_observer obs;
	char err[1024];
	struct hp_chrome_pass *chrome = hp_export_chrome_watch(&obs);
	struct hp_profile_options opts = {.heuristics = -1, .observer = &obs};
	struct hp_profile *p = chrome ? hp_profile_load(trace_path, &opts, err, sizeof(err)) : NULL;

	err[0] = 0;
	if (p && hp_export_chrome(sink, p, chrome, err, sizeof(err)))
		check_message(err);
	hp_profile_free(p);
	hp_export_chrome_pass_free(chrome);
	struct hp_massif_pass *massif = hp_export_massif_watch(&obs);
	p = massif ? hp_profile_load(trace_path, &opts, err, sizeof(err)) : NULL;
	err[0] = 0;
	if (p && hp_export_massif(sink, p, massif, err, sizeof(err)))
		check_message(err);
	hp_profile_free(p);
	hp_export_massif_pass_free(massif);
}

static void commands(void)
{
	const char *dump[] = {"dump", trace_path};
	const char *dump_json[] = {"dump", "--json", trace_path};
	const char *leaks[] = {"leaks", "--kinds", "all", trace_path};
	const char *check[] = {"check", "--min-score", "50", "--max-leaked", "0", "--max-lost", "0", trace_path};
	const char *diff[] = {"diff", trace_path, trace_path};

	cmd_dump(2, dump);
	cmd_dump(3, dump_json);
	cmd_leaks(4, leaks);
	cmd_check(8, check);
	cmd_diff(3, diff);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];

	write_trace(data, size);
	struct hp_profile *p = hp_profile_load(trace_path, NULL, err, sizeof(err));
	if (!p) {
		check_message(err);
		return 0;
	}
	if (p->status.warning[0])
		check_message(p->status.warning);
	reports(p);
	exports(p);
	per_event_exports();
	struct hp_comparison c;
	if (!hp_compare_profiles(&c, p, p, 0.05))
		hp_comparison_release(&c);
	hp_profile_free(p);
	commands();
	return 0;
}
