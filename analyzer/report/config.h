/* config.h: the thresholds and weights of the score and the rules: built-in defaults, a file overrides them.
 *
 * A config file holds `key = value` lines; `#` starts a comment, blank lines are skipped. Every key
 * is listed, with its default, range and meaning, in docs/config.md (and in hp_config_keys below,
 * which the documentation test compares against). Shares are fractions (0.05 is 5%).
 */
#ifndef HP_CONFIG_H
#define HP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct hp_config {
	double alloc_cost_ns; /* estimated cost of one malloc/free pair, to estimate time in the allocator */
	double hot_share;     /* a function is hot when its total time is at least this share of the run */

	/* Score: one weight per component, and the values at which a component scores 100 (good) and 0 (bad). */
	double w_churn, w_temporary, w_leaks, w_tail, w_allocator, w_peak, w_events_lost;
	double churn_good, churn_bad, churn_min_allocs;             /* allocations per second */
	double temporary_good, temporary_bad, temporary_min_allocs; /* temporary / allocations */
	double leaks_bad;                                            /* lost bytes / peak heap */
	double tail_good, tail_bad, tail_min_calls;                  /* p99 / p50 of hot functions */
	double tail_min_p50_ns; /* the floor of p50 in both tail ratios */
	double allocator_good, allocator_bad;                        /* estimated allocator share of a hot function */
	double peak_good, peak_bad, peak_min_bytes;                  /* peak heap / steady heap */
	double events_lost_bad;                                      /* lost / (recorded + lost) */

	/* Rules: when each recommendation fires. */
	double small_min_allocs, small_max_mean_bytes, small_min_site_share;
	double temp_min_count, temp_min_ratio, temp_min_share;
	double realloc_min_reallocs;
	double leak_min_bytes;
	double max_per_rule; /* recommendations one rule may make; 0: no limit */
	double tailr_min_calls, tailr_ratio, tailr_min_share;
	double alloc_share, alloc_critical_share;
	double peakr_ratio, peakr_min_bytes;
	double lost_min_events;
	double wait_share;
	double recorder_share;
};

struct hp_config_key {
	const char *name;
	size_t offset; /* of the double in struct hp_config */
	double def, min, max;
	bool integer;
	bool above_min; /* the value must be strictly greater than min */
	const char *doc;
};

/* The table of every key, in documentation order; *n receives its length. */
const struct hp_config_key *hp_config_keys(size_t *n);

void hp_config_defaults(struct hp_config *cfg);

/* Applies the `key = value` lines of text (len bytes; need not end in a newline) over cfg. `name`
 * prefixes messages. Returns 0, or -1 with one line in err ("NAME:LINE: why"); cfg is then left
 * unchanged. */
int hp_config_parse(struct hp_config *cfg, const char *text, size_t len, const char *name, char *err,
		    size_t errlen);

/* Reads the file at path and applies it as hp_config_parse does; "cannot open 'PATH': why" when the
 * file cannot be read. */
int hp_config_load(struct hp_config *cfg, const char *path, char *err, size_t errlen);

#endif
