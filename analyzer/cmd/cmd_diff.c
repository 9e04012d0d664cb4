/* cmd_diff.c: `hookprof-analyze diff BASE NEW`: what changed between two runs, noise-aware, by impact. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "cmd/options.h"
#include "report/config.h"
#include "util/json_out.h"
#include "model/profile_compare.h"
#include "report/report.h"
#include "model/run.h"
#include "read/trace_warnings.h"
#include "report/score.h"

static const char usage_line[] =
	"usage: hookprof-analyze diff [--format text|json|md] [--threshold PCT] [--top N] [--all]\n"
	"                             [--config FILE] [--suppressions FILE] [--window FROM..TO] BASE NEW";

static void help(void)
{
	printf("%s\n\n"
	       "Compares the root process of NEW with that of BASE: totals, each function's time per call\n"
	       "(mean, p50, p95) and each allocation site, largest impact first.\n\n"
	       "  --format F       text (default), json or md (Markdown, for a pull request comment)\n"
	       "  --threshold PCT  smaller changes count as the same (default 5%%)\n"
	       "  --top N          rows per table (default 20, 0 for all)\n"
	       "  --all            also list functions and sites that did not change\n"
	       "  --config FILE    score thresholds and weights (docs/config.md)\n"
	       HP_RUN_LEAK_OPTIONS_HELP
	       HP_RUN_WINDOW_OPTION_HELP
	       "\nA function is slower or faster when its mean time per call changed by more than the\n"
	       "threshold and by more than twice the standard error of the difference (the spread of\n"
	       "its calls in both runs); \"within noise\" otherwise. Functions are matched by name and\n"
	       "file, sites by the place that allocates.\n",
	       usage_line);
}

#define usage_error(...) hp_usage_error("diff", __VA_ARGS__)

/* One line of the totals: the same quantity in both runs. */
struct total {
	const char *name;
	uint64_t base, now;
	char *(*fmt)(char *buf, uint64_t v);
};

static char *fmt_count(char *buf, uint64_t v)
{
	snprintf(buf, HP_FMT_MAX, "%" PRIu64, v);
	return buf;
}

static size_t totals(struct total *t, const struct hp_profile *b, const struct hp_profile *n, int bscore, int nscore)
{
	const struct hp_summary *x = &b->summary, *y = &n->summary;
	size_t k = 0;

	t[k++] = (struct total){"run time", x->run_ns, y->run_ns, hp_fmt_ns};
	t[k++] = (struct total){"CPU time", x->cpu_ns, y->cpu_ns, hp_fmt_ns};
	t[k++] = (struct total){"zone calls", x->zone_calls, y->zone_calls, fmt_count};
	t[k++] = (struct total){"allocations", x->allocations, y->allocations, fmt_count};
	t[k++] = (struct total){"bytes allocated", x->bytes_allocated, y->bytes_allocated, hp_fmt_bytes};
	t[k++] = (struct total){"temporary allocations", x->temporary_allocations, y->temporary_allocations, fmt_count};
	t[k++] = (struct total){"peak heap", x->peak_heap_bytes, y->peak_heap_bytes, hp_fmt_bytes};
	t[k++] = (struct total){"peak RSS", x->peak_rss, y->peak_rss, hp_fmt_bytes};
	t[k++] = (struct total){"leaked bytes", x->leaked_bytes, y->leaked_bytes, hp_fmt_bytes};
	t[k++] = (struct total){"leaked blocks", x->leaked_blocks, y->leaked_blocks, fmt_count};
	t[k++] = (struct total){"score", (uint64_t)bscore, (uint64_t)nscore, fmt_count};
	return k;
}

/* "+12.3%", "-4.0%", "0%", "new" (from zero); change of now over base. */
static char *fmt_change(char *buf, double base, double now)
{
	if (base == now)
		snprintf(buf, HP_FMT_MAX, "0%%");
	else if (base == 0)
		snprintf(buf, HP_FMT_MAX, "from 0");
	else
		snprintf(buf, HP_FMT_MAX, "%+.1f%%", 100.0 * (now - base) / base);
	return buf;
}

static bool changed(uint64_t base, uint64_t now, double threshold)
{
	return fabs((double)now - (double)base) > (double)base * threshold && base != now;
}

static bool site_changed(const struct hp_site_delta *s, double threshold)
{
	return s->in_base != s->in_now || changed(s->base.allocs, s->now.allocs, threshold) ||
	       changed(s->base.bytes, s->now.bytes, threshold) || changed(s->base.peak_bytes, s->now.peak_bytes, threshold) ||
	       changed(s->base.leaked_bytes, s->now.leaked_bytes, threshold);
}

struct diff {
	const struct hp_profile *base, *now;
	const struct hp_comparison *c;
	int bscore, nscore;
	size_t top;
	bool all;
};

/* Rows of a table: `top` of those shown, 0 meaning all. */
static bool room(const struct diff *d, size_t shown)
{
	return !d->top || shown < d->top;
}

/* "a -> b" of two values in one unit; one value when they are equal. */
static char *pair(char *buf, size_t len, uint64_t a, uint64_t b, bool has_a, bool has_b, char *(*fmt)(char *, uint64_t))
{
	char x[HP_FMT_MAX], y[HP_FMT_MAX];

	if (has_a && has_b && a == b)
		snprintf(buf, len, "%s", fmt(x, a));
	else
		snprintf(buf, len, "%s -> %s", has_a ? fmt(x, a) : "-", has_b ? fmt(y, b) : "-");
	return buf;
}

static int build_totals(struct hp_table *t, const struct diff *d)
{
	static const char *const head[] = {"", "base", "new", "change"};
	struct total tot[16];
	size_t n = totals(tot, d->base, d->now, d->bscore, d->nscore);
	char b[HP_FMT_MAX], m[HP_FMT_MAX], c[HP_FMT_MAX];

	hp_table_init(t, head, "lrrr", NULL);
	snprintf(t->title, sizeof(t->title), "Totals");
	for (size_t i = 0; i < n; i++)
		if ((tot[i].base || tot[i].now || d->all) && hp_table_row(t, tot[i].name, tot[i].fmt(b, tot[i].base), tot[i].fmt(m, tot[i].now),
				 fmt_change(c, (double)tot[i].base, (double)tot[i].now)))
			return -1;
	return 0;
}

static int build_functions(struct hp_table *t, const struct diff *d)
{
	static const char *const head[] = {"function", "calls", "mean", "change", "noise", "p50", "p95", "verdict"};
	size_t count[HP_VERDICT_REMOVED + 1] = {0}, shown = 0;
	char name[512], calls[160], mean[160], p50[160], p95[160], ch[HP_FMT_MAX], noise[HP_FMT_MAX];

	hp_table_init(t, head, "lrrrrrrl", d->all ? "no functions (no zones were recorded)" : "no function changed");
	for (size_t i = 0; i < d->c->nfunctions; i++)
		count[d->c->functions[i].verdict]++;
	snprintf(t->title, sizeof(t->title),
		 "Functions by impact: %zu slower, %zu faster, %zu within noise, %zu too few calls, %zu added, "
		 "%zu removed, %zu the same (threshold %.0f%%)",
		 count[HP_VERDICT_SLOWER], count[HP_VERDICT_FASTER], count[HP_VERDICT_NOISE], count[HP_VERDICT_FEW_CALLS],
		 count[HP_VERDICT_ADDED], count[HP_VERDICT_REMOVED], count[HP_VERDICT_SAME], 100 * d->c->threshold);
	for (size_t i = 0; i < d->c->nfunctions && room(d, shown); i++) {
		const struct hp_function_delta *f = &d->c->functions[i];
		const struct hp_function *b = f->base, *n = f->now;
		if (f->verdict == HP_VERDICT_SAME && !d->all)
			continue;
		hp_fmt_function(name, sizeof(name), n ? n : b);
		pair(calls, sizeof(calls), b ? b->calls : 0, n ? n->calls : 0, b, n, fmt_count);
		pair(mean, sizeof(mean), b ? (uint64_t)b->mean_ns : 0, n ? (uint64_t)n->mean_ns : 0, b, n, hp_fmt_ns);
		pair(p50, sizeof(p50), b ? b->p50_ns : 0, n ? n->p50_ns : 0, b, n, hp_fmt_ns);
		pair(p95, sizeof(p95), b ? b->p95_ns : 0, n ? n->p95_ns : 0, b, n, hp_fmt_ns);
		if (b && n)
			fmt_change(ch, b->mean_ns, n->mean_ns);
		else
			ch[0] = 0;
		if (f->noise_ns > 0)
			hp_fmt_ns(noise, (uint64_t)f->noise_ns);
		else
			snprintf(noise, sizeof(noise), "%s", b && n ? "?" : "");
		if (hp_table_row(t, name, calls, mean, ch, noise, p50, p95, hp_verdict_name(f->verdict)))
			return -1;
		shown++;
	}
	return 0;
}

static int build_sites(struct hp_table *t, const struct diff *d)
{
	static const char *const head[] = {"allocated at", "allocations", "bytes", "change", "peak", "leaked"};
	char allocs[160], bytes[160], peak[160], leaked[160], ch[HP_FMT_MAX];
	size_t shown = 0, nchanged = 0;

	hp_table_init(t, head, "lrrrrr", d->all ? "no allocations" : "no allocation site changed");
	for (size_t i = 0; i < d->c->nsites; i++)
		nchanged += site_changed(&d->c->sites[i], d->c->threshold);
	snprintf(t->title, sizeof(t->title), "Allocation sites by impact: %zu of %zu changed", nchanged, d->c->nsites);
	for (size_t i = 0; i < d->c->nsites && room(d, shown); i++) {
		const struct hp_site_delta *s = &d->c->sites[i];
		if (!d->all && !site_changed(s, d->c->threshold))
			continue;
		pair(allocs, sizeof(allocs), s->base.allocs, s->now.allocs, s->in_base, s->in_now, fmt_count);
		pair(bytes, sizeof(bytes), s->base.bytes, s->now.bytes, s->in_base, s->in_now, hp_fmt_bytes);
		pair(peak, sizeof(peak), s->base.peak_bytes, s->now.peak_bytes, s->in_base, s->in_now, hp_fmt_bytes);
		pair(leaked, sizeof(leaked), s->base.leaked_bytes, s->now.leaked_bytes, s->in_base, s->in_now,
		     hp_fmt_bytes);
		if (s->in_base && s->in_now)
			fmt_change(ch, (double)s->base.bytes, (double)s->now.bytes);
		else
			snprintf(ch, sizeof(ch), "%s", s->in_now ? "added" : "removed");
		if (hp_table_row(t, s->location, allocs, bytes, ch, peak, leaked))
			return -1;
		shown++;
	}
	return 0;
}

static int write_tables(FILE *out, const struct diff *d, bool md, bool color)
{
	int (*build[])(struct hp_table *, const struct diff *) = {build_totals, build_functions, build_sites};

	if (md)
		fprintf(out, "## hookprof diff\n\nbase `%s`, new `%s`\n", d->base->path, d->now->path);
	else
		fprintf(out, "hookprof diff: base %s, new %s\n", d->base->path, d->now->path);
	for (size_t i = 0; i < sizeof(build) / sizeof(build[0]); i++) {
		struct hp_table t;
		int rc = build[i](&t, d);
		if (!rc && md)
			hp_table_print_md(out, &t, true);
		else if (!rc)
			hp_table_print_text(out, &t, true, color);
		hp_table_release(&t);
		if (rc)
			return -1;
	}
	return 0;
}

static void json_function(struct hp_jw *w, const char *key, const struct hp_function *f)
{
	if (!f) {
		hp_jw_null(w, key);
		return;
	}
	hp_jw_obj(w, key);
	hp_jw_u64(w, "calls", f->calls);
	hp_jw_u64(w, "total_ns", f->total_ns);
	hp_jw_dbl(w, "mean_ns", f->mean_ns);
	hp_jw_dbl(w, "stddev_ns", f->stddev_ns);
	hp_jw_u64(w, "p50_ns", f->p50_ns);
	hp_jw_u64(w, "p95_ns", f->p95_ns);
	hp_jw_u64(w, "p99_ns", f->p99_ns);
	hp_jw_u64(w, "allocs", f->allocs);
	hp_jw_u64(w, "alloc_bytes", f->alloc_bytes);
	hp_jw_end_obj(w);
}

static void json_site_costs(struct hp_jw *w, const char *key, const struct hp_alloc_costs *t, bool present)
{
	if (!present) {
		hp_jw_null(w, key);
		return;
	}
	hp_jw_obj(w, key);
	hp_report_json_costs(w, t, false);
	hp_jw_end_obj(w);
}

static void write_json(FILE *out, const struct diff *d)
{
	struct hp_jw w = {.f = out};
	struct total tot[16];
	size_t n = totals(tot, d->base, d->now, d->bscore, d->nscore), shown = 0;

	hp_jw_obj(&w, NULL);
	hp_jw_str(&w, "base", d->base->path);
	hp_jw_str(&w, "new", d->now->path);
	hp_jw_dbl(&w, "threshold", d->c->threshold);
	hp_jw_arr(&w, "totals");
	for (size_t i = 0; i < n; i++) {
		hp_jw_obj(&w, NULL);
		hp_jw_str(&w, "name", tot[i].name);
		hp_jw_u64(&w, "base", tot[i].base);
		hp_jw_u64(&w, "new", tot[i].now);
		hp_jw_end_obj(&w);
	}
	hp_jw_end_arr(&w);
	hp_jw_arr(&w, "functions");
	for (size_t i = 0; i < d->c->nfunctions && room(d, shown); i++) {
		const struct hp_function_delta *f = &d->c->functions[i];
		const struct hp_function *named = f->now ? f->now : f->base;
		if (f->verdict == HP_VERDICT_SAME && !d->all)
			continue;
		hp_jw_obj(&w, NULL);
		hp_jw_str(&w, "name", named->name);
		hp_jw_str(&w, "file", named->file);
		hp_jw_u64(&w, "line", named->line);
		hp_jw_str(&w, "verdict", hp_verdict_name(f->verdict));
		hp_jw_dbl(&w, "mean_change", f->mean_change);
		hp_jw_dbl(&w, "noise_ns", f->noise_ns);
		hp_jw_dbl(&w, "impact_ns", f->impact_ns);
		json_function(&w, "base", f->base);
		json_function(&w, "new", f->now);
		hp_jw_end_obj(&w);
		shown++;
	}
	hp_jw_end_arr(&w);
	shown = 0;
	hp_jw_arr(&w, "sites");
	for (size_t i = 0; i < d->c->nsites && room(d, shown); i++) {
		const struct hp_site_delta *s = &d->c->sites[i];
		if (!d->all && !site_changed(s, d->c->threshold))
			continue;
		hp_jw_obj(&w, NULL);
		hp_jw_str(&w, "location", s->location);
		json_site_costs(&w, "base", &s->base, s->in_base);
		json_site_costs(&w, "new", &s->now, s->in_now);
		hp_jw_end_obj(&w);
		shown++;
	}
	hp_jw_end_arr(&w);
	hp_jw_end_obj(&w);
	fputc('\n', out);
}

int cmd_diff(int argc, const char **argv)
{
	const char *paths[2] = {NULL, NULL}, *format = "text", *config = NULL;
	double threshold = 0.05;
	size_t top = 20;
	bool all = false;
	size_t npaths = 0;
	char err[1024];

	static const char *const formats[] = {"text", "json", "md", NULL};
	const char **operands = calloc((size_t)argc, sizeof(*operands));
	const struct hp_option opts[] = {
		HP_OPT_FORMAT(formats, &format),
		HP_OPT_PARSE(THRESHOLD, "a percentage, e.g. 5%", hp_opt_percent, &threshold, 0, HUGE_VAL),
		HP_OPT_TOP("a number of rows (0 for all)", &top, 0, 1e9),
		HP_OPT_FLAG(ALL, &all),
		HP_OPT_CONFIG(&config),
		HP_OPT_LEAK_CHECK,
		HP_OPT_WINDOW,
		HP_OPT_END,
	};
	if (!operands) {
		fprintf(stderr, "hookprof: diff: %s\n", strerror(ENOMEM));
		return 1;
	}
	int parsed = hp_options_parse("diff", opts, argc, argv, operands, &npaths);
	if (parsed == 0 && npaths > 2)
		parsed = usage_error("two traces only: BASE and NEW ('%s' is a third)", operands[2]);
	for (size_t k = 0; k < 2 && k < npaths; k++)
		paths[k] = operands[k];
	free((void *)operands);
	if (parsed == 1)
		help();
	if (parsed)
		return parsed == 1 ? 0 : 2;
	if (npaths != 2)
		return usage_error("give two traces: BASE and NEW");

	struct hp_config cfg;
	hp_config_defaults(&cfg);
	if (config && hp_config_load(&cfg, config, err, sizeof(err))) {
		fprintf(stderr, "hookprof: %s\n", err);
		return 2;
	}
	struct hp_run runs[2];
	for (int r = 0; r < 2; r++) {
		if (hp_run_load(&runs[r], paths[r], false, NULL, 0, NULL, NULL, err, sizeof(err))) {
			fprintf(stderr, "hookprof: %s\n", err);
			if (r)
				hp_run_release(&runs[0]);
			return 1;
		}
		hp_profile_print_warnings(runs[r].root);
	}
	struct hp_score sb, sn;
	hp_score_profile(runs[0].root, &cfg, &sb);
	hp_score_profile(runs[1].root, &cfg, &sn);
	struct hp_comparison c;
	int rc = 1;
	if (hp_compare_profiles(&c, runs[0].root, runs[1].root, threshold)) {
		fprintf(stderr, "hookprof: diff: out of memory comparing %s and %s\n", paths[0], paths[1]);
		goto out;
	}
	struct diff d = {runs[0].root, runs[1].root, &c, sb.value, sn.value, top, all};
	rc = 0;
	if (!strcmp(format, "json"))
		write_json(stdout, &d);
	else if (write_tables(stdout, &d, !strcmp(format, "md"), hp_color_wanted(STDOUT_FILENO)))
		rc = 1, fprintf(stderr, "hookprof: diff: out of memory\n");
	hp_comparison_release(&c);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "hookprof: diff: writing the output: %s\n", strerror(errno));
		rc = 1;
	}
out:
	hp_run_release(&runs[0]);
	hp_run_release(&runs[1]);
	return rc;
}
