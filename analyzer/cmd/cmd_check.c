/* cmd_check.c: `hookprof-analyze check`: exits non-zero when a trace fails the limits given (for CI).
 *
 * Each failed condition prints one line `hookprof: check failed: ...`; exit 0 when all hold, 1 when
 * one fails or a trace cannot be read, 2 on a usage error.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/options.h"
#include "report/config.h"
#include "model/profile_compare.h"
#include "report/report.h"
#include "model/run.h"
#include "read/trace_warnings.h"
#include "report/score.h"

static const char usage_line[] =
	"usage: hookprof-analyze check TRACE [--min-score N] [--max-leaked BYTES] [--max-lost N]\n"
	"                              [--baseline BASE [--max-regression PCT]] [--allow-incomplete]\n"
	"                              [--config FILE] [--suppressions FILE] [--no-builtin-suppressions LIST]\n"
	"                              [--window FROM..TO]";

static void help(void)
{
	printf("%s\n\n"
	       "Checks the root process of TRACE against limits, for CI pipelines. Exit 0 when every\n"
	       "condition holds; 1, with one line per failed condition, when one does not.\n\n"
	       "  --min-score N          the score (0-100, as `report` computes it) is at least N\n"
	       "  --max-leaked BYTES     lost bytes at exit (definite, indirect, possible; suffixes K, M, G)\n"
	       "  --max-lost N           events the recorder could not record\n"
	       "  --baseline BASE        compare with the trace BASE: a function present in both, with 5\n"
	       "                         calls or more in each, regresses when its mean time grew by more\n"
	       "                         than --max-regression (default 10%%) and by more than twice the\n"
	       "                         standard error of the difference (run-to-run noise), as `diff`\n"
	       "                         says \"slower\"; peak heap and\n"
	       "                         bytes allocated regress when they grew by more than that share\n"
	       "  --allow-incomplete     pass a trace that does not record the end of its process (killed,\n"
	       "                         cut, chunks missing); by default that fails the check, since its\n"
	       "                         counts stop early and its live blocks count as leaked\n"
	       "  --config FILE          score thresholds and weights (docs/config.md)\n"
	       HP_RUN_LEAK_OPTIONS_HELP
	       HP_RUN_WINDOW_OPTION_HELP,
	       usage_line);
}

#define usage_error(...) hp_usage_error("check", __VA_ARGS__)

/* "1500", "64K", "3M", "1G": bytes (binary multiples). -1 when malformed. */
/* A size in bytes, suffixes K, M, G, into the uint64_t at opt->dest. */
static int parse_bytes(const struct hp_option *opt, const char *s)
{
	uint64_t *out = opt->dest;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	uint64_t mult = 1;

	if (end == s || errno || *s == '-')
		return -1;
	if (*end == 'K' || *end == 'k')
		mult = 1ull << 10, end++;
	else if (*end == 'M' || *end == 'm')
		mult = 1ull << 20, end++;
	else if (*end == 'G' || *end == 'g')
		mult = 1ull << 30, end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || (mult > 1 && v > UINT64_MAX / mult))
		return -1;
	*out = (uint64_t)v * mult;
	return 0;
}

static int failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int failed(const char *fmt, ...)
{
	va_list ap;

	fputs("hookprof: check failed: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return 1;
}

/* Relative growth of new over base beyond `limit` (a share): one failure line. */
static int grew(const char *what, uint64_t base, uint64_t now, double limit)
{
	char b1[32], b2[32];

	if (base == 0 || (double)now <= (double)base * (1 + limit))
		return 0;
	return failed("%s grew from %s to %s (+%.1f%%), more than --max-regression %.1f%%", what,
		      hp_fmt_bytes(b1, base), hp_fmt_bytes(b2, now), 100.0 * ((double)now / (double)base - 1),
		      100.0 * limit);
}

static int compare(const struct hp_profile *base, const struct hp_profile *now, double limit)
{
	char b1[HP_FMT_MAX], b2[HP_FMT_MAX], b3[HP_FMT_MAX], name[512];
	struct hp_comparison c;
	int bad = 0;

	if (hp_compare_profiles(&c, base, now, limit)) {
		fprintf(stderr, "hookprof: check: out of memory comparing with the baseline\n");
		return 1;
	}
	for (size_t i = 0; i < c.nfunctions; i++) {
		const struct hp_function_delta *d = &c.functions[i];
		if (d->verdict != HP_VERDICT_SLOWER)
			continue;
		hp_fmt_function(name, sizeof(name), d->now);
		bad |= failed("%s: mean %s per call, was %s (+%.1f%%, beyond --max-regression %.1f%% and the "
			      "run-to-run noise of %s)", name, hp_fmt_ns(b1, (uint64_t)d->now->mean_ns),
			      hp_fmt_ns(b2, (uint64_t)d->base->mean_ns), 100.0 * d->mean_change, 100.0 * limit,
			      hp_fmt_ns(b3, (uint64_t)d->noise_ns));
	}
	hp_comparison_release(&c);
	bad |= grew("peak heap", base->summary.peak_heap_bytes, now->summary.peak_heap_bytes, limit);
	bad |= grew("bytes allocated", base->summary.bytes_allocated, now->summary.bytes_allocated, limit);
	return bad;
}

int cmd_check(int argc, const char **argv)
{
	const char *trace = NULL, *baseline = NULL, *config = NULL;
	double min_score = -1, max_regression = -1; /* -1: not given */
	uint64_t max_leaked = UINT64_MAX, max_lost = UINT64_MAX;
	bool have_regression, allow_incomplete = false;
	char err[1024];

	const char **operands;
	size_t noperands;
	const struct hp_option opts[] = {
		HP_OPT_PARSE(MIN_SCORE, "a number from 0 to 100", hp_opt_number, &min_score, 0, 100),
		HP_OPT_PARSE(MAX_LEAKED, "a size in bytes (suffixes K, M, G)", parse_bytes, &max_leaked, 0, 0),
		HP_OPT_PARSE(MAX_LOST, "a number of events", parse_bytes, &max_lost, 0, 0),
		HP_OPT_STRING(BASELINE, "a trace", &baseline),
		HP_OPT_PARSE(MAX_REGRESSION, "a percentage, e.g. 10%", hp_opt_percent, &max_regression, 0,
			     HUGE_VAL),
		HP_OPT_FLAG(ALLOW_INCOMPLETE, &allow_incomplete),
		HP_OPT_CONFIG(&config),
		HP_OPT_LEAK_CHECK,
		HP_OPT_WINDOW,
		HP_OPT_END,
	};
	int r = hp_options_front("check", opts, help, argc, argv, false, true, &operands, &noperands);
	if (r >= 0)
		return r;
	trace = noperands ? operands[0] : NULL;
	free((void *)operands);
	have_regression = max_regression >= 0;
	if (!have_regression)
		max_regression = 0.10;
	if (!trace)
		return usage_error("no trace given");
	if (have_regression && !baseline)
		return usage_error("--max-regression needs --baseline");

	struct hp_config cfg;
	hp_config_defaults(&cfg);
	if (config && hp_config_load(&cfg, config, err, sizeof(err))) {
		fprintf(stderr, "hookprof: %s\n", err);
		return 2;
	}
	struct hp_run run, base_run;
	if (hp_run_load(&run, trace, false, NULL, 0, NULL, NULL, err, sizeof(err))) {
		fprintf(stderr, "hookprof: %s\n", err);
		return 1;
	}
	struct hp_profile *p = run.root;
	struct hp_score score;
	char b1[32], b2[32];
	int bad = 0;

	hp_profile_print_warnings(p);
	hp_score_profile(p, &cfg, &score);
	if (!allow_incomplete && hp_trace_incomplete(&p->status, &p->defs))
		bad |= failed("%s is incomplete: the end of the process is not recorded (--allow-incomplete to "
			      "check it anyway)", trace);
	if (max_leaked != UINT64_MAX && hp_allocs_not_recorded(&p->defs))
		bad |= failed("--max-leaked: allocations were %s", hp_allocs_not_recorded_text(&p->defs));
	if (min_score >= 0 && score.value < min_score)
		bad |= failed("score %d (%s) < --min-score %g", score.value, score.category, min_score);
	if (p->summary.leaked_bytes > max_leaked)
		bad |= failed("leaked %s in %llu blocks > --max-leaked %s", hp_fmt_bytes(b1, p->summary.leaked_bytes),
			      (unsigned long long)p->summary.leaked_blocks, hp_fmt_bytes(b2, max_leaked));
	if (p->summary.events_lost > max_lost)
		bad |= failed("%llu events lost > --max-lost %llu", (unsigned long long)p->summary.events_lost,
			      (unsigned long long)max_lost);
	if (baseline) {
		if (hp_run_load(&base_run, baseline, false, NULL, 0, NULL, NULL, err, sizeof(err))) {
			fprintf(stderr, "hookprof: %s\n", err);
			hp_run_release(&run);
			return 1;
		}
		bad |= compare(base_run.root, p, max_regression);
		hp_run_release(&base_run);
	}
	if (!bad)
		printf("hookprof: check passed: %s (score %d)\n", trace, score.value);
	hp_run_release(&run);
	return bad ? 1 : 0;
}
