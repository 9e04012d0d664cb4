/* config.c: the key table with the defaults, and the parser of `key = value` config files. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/config.h"
#include "util/grow.h"

#define K(name, field, def, min, max, doc) {name, offsetof(struct hp_config, field), def, min, max, false, false, doc}
#define KI(name, field, def, min, max, doc) {name, offsetof(struct hp_config, field), def, min, max, true, false, doc}
/* For values that a logarithmic scale divides by: zero is not allowed. */
#define KP(name, field, def, max, doc) {name, offsetof(struct hp_config, field), def, 0, max, false, true, doc}

static const struct hp_config_key keys[] = {
	K("alloc_cost_ns", alloc_cost_ns, 20, 0, 1e6,
	  "estimated cost in ns of one allocation with its free, for the allocator-share estimates"),
	K("hot_share", hot_share, 0.05, 0, 1,
	  "a function is hot when its total time is at least this share of the run time"),

	K("score.weight.churn", w_churn, 10, 0, 1000, "weight of the allocation churn component"),
	K("score.weight.temporary", w_temporary, 15, 0, 1000, "weight of the temporary allocations component"),
	K("score.weight.leaks", w_leaks, 30, 0, 1000, "weight of the leaks component"),
	K("score.weight.tail", w_tail, 15, 0, 1000, "weight of the tail latency component"),
	K("score.weight.allocator", w_allocator, 15, 0, 1000, "weight of the allocator share component"),
	K("score.weight.peak", w_peak, 10, 0, 1000, "weight of the memory peak component"),
	K("score.weight.events_lost", w_events_lost, 5, 0, 1000, "weight of the events lost component"),
	KP("score.churn.good", churn_good, 100000, 1e12, "allocations per second that still score 100"),
	KP("score.churn.bad", churn_bad, 10000000, 1e12, "allocations per second that score 0"),
	KI("score.churn.min_allocs", churn_min_allocs, 1000, 0, 1e12,
	   "fewer allocations than this in the whole run score 100"),
	K("score.temporary.good", temporary_good, 0.05, 0, 1, "temporary share of allocations that still scores 100"),
	K("score.temporary.bad", temporary_bad, 0.5, 0, 1, "temporary share of allocations that scores 0"),
	KI("score.temporary.min_allocs", temporary_min_allocs, 100, 0, 1e12,
	   "fewer allocations than this in the whole run score 100"),
	KP("score.leaks.bad", leaks_bad, 0.10, 1, "lost bytes as a share of the peak heap that score 0"),
	KP("score.tail.good", tail_good, 3, 1e9, "p99/p50 of a hot function that still scores 100"),
	KP("score.tail.bad", tail_bad, 30, 1e9, "p99/p50 of a hot function that scores 0"),
	KI("score.tail.min_calls", tail_min_calls, 100, 1, 1e12, "functions with fewer calls have no tail score"),
	K("tail.min_p50_ns", tail_min_p50_ns, 1000, 0, 1e12, "p99/p50 takes p50 as at least this: a median near the clock's resolution says little"),
	K("score.allocator.good", allocator_good, 0.02, 0, 1,
	  "estimated allocator share of a hot function's time that still scores 100"),
	K("score.allocator.bad", allocator_bad, 0.30, 0, 1,
	  "estimated allocator share of a hot function's time that scores 0"),
	KP("score.peak.good", peak_good, 2, 1e9, "peak heap / steady heap that still scores 100"),
	KP("score.peak.bad", peak_bad, 10, 1e9, "peak heap / steady heap that scores 0"),
	KI("score.peak.min_bytes", peak_min_bytes, 1048576, 0, 1e12, "a smaller peak heap scores 100"),
	KP("score.events_lost.bad", events_lost_bad, 0.01, 1, "share of events lost that scores 0"),

	KI("rule.max_per_rule", max_per_rule, 5, 0, 1e6,
	   "at most this many recommendations from one rule (the largest first); 0: no limit"),
	KI("rule.small_allocs.min_allocs", small_min_allocs, 1000, 1, 1e12,
	   "allocations a hot function or a site must make before small-allocs fires"),
	K("rule.small_allocs.max_mean_bytes", small_max_mean_bytes, 256, 0, 1e12,
	  "mean allocation size at or below which allocations count as small"),
	K("rule.small_allocs.min_site_share", small_min_site_share, 0.10, 0, 1,
	  "share of all allocations a site must make (site form of small-allocs)"),
	KI("rule.temporary.min_count", temp_min_count, 100, 1, 1e12,
	   "temporary allocations a site must make before temporary fires"),
	K("rule.temporary.min_ratio", temp_min_ratio, 0.5, 0, 1,
	  "share of a site's allocations that must be temporary"),
	K("rule.temporary.min_share", temp_min_share, 0.01, 0, 1,
	  "share of the program's allocations a site's temporary ones must make"),
	KI("rule.realloc.min_reallocs", realloc_min_reallocs, 8, 1, 1e12,
	   "reallocs with a constant growth step a site must make, and steps its largest block must span, before realloc-step fires"),
	KI("rule.leaks.min_bytes", leak_min_bytes, 1, 1, 1e12, "smaller groups of leaked blocks get no recommendation"),
	KI("rule.tail.min_calls", tailr_min_calls, 100, 1, 1e12, "calls a function must have before tail-latency fires"),
	KP("rule.tail.ratio", tailr_ratio, 10, 1e9, "p99/p50 at or above which tail-latency fires"),
	K("rule.tail.min_share", tailr_min_share, 0.01, 0, 1, "share of the run time a function must take"),
	K("rule.allocator.share", alloc_share, 0.10, 0, 1,
	  "estimated allocator share of a hot function's (or the program's) time at which allocator-share fires"),
	K("rule.allocator.critical_share", alloc_critical_share, 0.30, 0, 1,
	  "share at which allocator-share becomes critical"),
	KP("rule.peak.ratio", peakr_ratio, 4, 1e9, "peak heap / steady heap at or above which peak fires"),
	KI("rule.peak.min_bytes", peakr_min_bytes, 1048576, 0, 1e12, "smallest peak heap that peak looks at"),
	KI("rule.lost.min_events", lost_min_events, 1, 1, 1e12, "events lost at or above which events-lost fires"),
	K("rule.recorder.share", recorder_share, 0.5, 0, 1,
	  "share of the time measured inside a hot function that was the recorder's own at which recorder-share fires"),
	K("rule.wait.share", wait_share, 0.01, 0, 1,
	  "share of the threads' time spent waiting for the recorder at which recorder-wait fires"),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Pairs that must be ordered: a ramp from good to bad needs good < bad. */
static const struct {
	const char *lo, *hi;
} ordered[] = {
	{"score.churn.good", "score.churn.bad"},
	{"score.temporary.good", "score.temporary.bad"},
	{"score.tail.good", "score.tail.bad"},
	{"score.allocator.good", "score.allocator.bad"},
	{"score.peak.good", "score.peak.bad"},
	{"rule.allocator.share", "rule.allocator.critical_share"},
};

const struct hp_config_key *hp_config_keys(size_t *n)
{
	*n = NKEYS;
	return keys;
}

static double *field(struct hp_config *cfg, const struct hp_config_key *k)
{
	return (double *)((char *)cfg + k->offset);
}

void hp_config_defaults(struct hp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NKEYS; i++)
		*field(cfg, &keys[i]) = keys[i].def;
}

static long key_index(const char *name, size_t len)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == len && memcmp(keys[i].name, name, len) == 0)
			return (long)i;
	return -1;
}

static const char *trim(const char *s, const char *end, const char **tend)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*tend = end;
	return s;
}

/* Checks one `key = value` line and stores it in cfg; 0 or -1 with the reason (without FILE:LINE). */
static int parse_line(struct hp_config *cfg, const char *s, const char *end, unsigned *lines, unsigned lineno,
		      char *why, size_t whylen)
{
	const char *eq = memchr(s, '=', (size_t)(end - s));
	const char *kend, *vend;

	if (!eq) {
		snprintf(why, whylen, "expected 'key = value', got '%.*s'", (int)(end - s), s);
		return -1;
	}
	const char *key = trim(s, eq, &kend);
	const char *val = trim(eq + 1, end, &vend);
	if (key == kend) {
		snprintf(why, whylen, "missing key before '='");
		return -1;
	}
	long ki = key_index(key, (size_t)(kend - key));
	if (ki < 0) {
		snprintf(why, whylen, "unknown key '%.*s'", (int)(kend - key), key);
		return -1;
	}
	const struct hp_config_key *k = &keys[ki];
	if (lines[ki]) {
		snprintf(why, whylen, "'%s' is already set on line %u", k->name, lines[ki]);
		return -1;
	}
	if (val == vend) {
		snprintf(why, whylen, "missing value for '%s'", k->name);
		return -1;
	}

	char num[64];
	if ((size_t)(vend - val) >= sizeof(num)) {
		snprintf(why, whylen, "'%s': value too long", k->name);
		return -1;
	}
	memcpy(num, val, (size_t)(vend - val));
	num[vend - val] = '\0';
	char *nend;
	errno = 0;
	double v = strtod(num, &nend);
	/* strtod also takes "nan", "inf" and hex floats: only plain decimal numbers are meant here. */
	if (nend == num || *nend != '\0' || errno == ERANGE || !isfinite(v) || strpbrk(num, "xXnNiI")) {
		snprintf(why, whylen, "'%s' is not a number (for '%s')", num, k->name);
		return -1;
	}
	if (k->integer && v != floor(v)) {
		snprintf(why, whylen, "'%s' must be a whole number, not %s", k->name, num);
		return -1;
	}
	if (v < k->min || v > k->max || (k->above_min && v <= k->min)) {
		snprintf(why, whylen, "'%s' = %s is out of range: %s%.15g to %.15g", k->name, num,
			 k->above_min ? "above " : "", k->min, k->max);
		return -1;
	}
	*field(cfg, k) = v;
	lines[ki] = lineno;
	return 0;
}

/* Whole-file checks, reported at the line of the later key set of a pair (both are in the file or
 * one of them is a default). */
static int check_consistency(const struct hp_config *cfg, const unsigned *lines, const char *name, char *err,
			     size_t errlen)
{
	for (size_t i = 0; i < sizeof(ordered) / sizeof(ordered[0]); i++) {
		long lo = key_index(ordered[i].lo, strlen(ordered[i].lo));
		long hi = key_index(ordered[i].hi, strlen(ordered[i].hi));
		double vlo = *field((struct hp_config *)cfg, &keys[lo]);
		double vhi = *field((struct hp_config *)cfg, &keys[hi]);
		if (vlo < vhi)
			continue;
		unsigned at = lines[lo] > lines[hi] ? lines[lo] : lines[hi];
		snprintf(err, errlen, "%s:%u: '%s' (%.15g) must be below '%s' (%.15g)", name, at, keys[lo].name, vlo,
			 keys[hi].name, vhi);
		return -1;
	}

	double sum = 0;
	unsigned last = 0;
	for (size_t i = 0; i < NKEYS; i++) {
		if (strncmp(keys[i].name, "score.weight.", 13) != 0)
			continue;
		sum += *field((struct hp_config *)cfg, &keys[i]);
		if (lines[i] > last)
			last = lines[i];
	}
	if (sum <= 0) {
		snprintf(err, errlen, "%s:%u: the score weights are all 0: at least one must be positive", name, last);
		return -1;
	}
	return 0;
}

int hp_config_parse(struct hp_config *cfg, const char *text, size_t len, const char *name, char *err,
		    size_t errlen)
{
	struct hp_config tmp = *cfg;
	unsigned lines[NKEYS] = {0};
	const char *p = text, *end = text + len;
	unsigned lineno = 0;
	char why[256];

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *lend = nl ? nl : end;
		const char *hash = memchr(p, '#', (size_t)(lend - p));
		const char *s, *send;

		lineno++;
		s = trim(p, hash ? hash : lend, &send);
		if (memchr(p, '\0', (size_t)(lend - p))) {
			snprintf(err, errlen, "%s:%u: NUL byte in line", name, lineno);
			return -1;
		}
		if (s < send && parse_line(&tmp, s, send, lines, lineno, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s:%u: %s", name, lineno, why);
			return -1;
		}
		p = nl ? nl + 1 : end;
	}
	if (check_consistency(&tmp, lines, name, err, errlen) < 0)
		return -1;
	*cfg = tmp;
	return 0;
}

int hp_config_load(struct hp_config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = -1;

	if (!f) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		char *nbuf = hp_grow_from(buf, &cap, len + 1, 1, 4096);
		if (!nbuf) {
			snprintf(err, errlen, "cannot read '%s': %s", path, strerror(ENOMEM));
			goto out;
		}
		buf = nbuf;
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno ? errno : EIO));
		goto out;
	}
	rc = hp_config_parse(cfg, buf ? buf : "", len, path, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}
