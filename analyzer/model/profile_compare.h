/* profile_compare.h: two profiles of the same program side by side: functions, sites, totals, with noise.
 *
 * `diff` prints the comparison and `check --baseline` gates on it. A function is matched by its name
 * and file (line numbers move between versions of the code); an allocation site by where it
 * allocates (hp_fmt_site: stack ids differ between runs). A change in a function's mean time is
 * a regression only when it exceeds both the threshold and twice the standard error of the
 * difference of the two means (Welch): what run-to-run spread alone would rarely produce.
 */
#ifndef HP_PROFILE_COMPARE_H
#define HP_PROFILE_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "model/profile.h"

/* Fewer calls than this in either run give no usable estimate of the spread. */
#define HP_COMPARE_MIN_CALLS 5

enum hp_verdict {
	HP_VERDICT_SAME,      /* changed by no more than the threshold */
	HP_VERDICT_SLOWER,    /* beyond the threshold and the noise */
	HP_VERDICT_FASTER,
	HP_VERDICT_NOISE,     /* beyond the threshold, within the noise */
	HP_VERDICT_FEW_CALLS, /* beyond the threshold, too few calls to tell it from noise */
	HP_VERDICT_ADDED,     /* only in the new profile */
	HP_VERDICT_REMOVED,   /* only in the base profile */
};

struct hp_function_delta {
	const struct hp_function *base, *now; /* one of them NULL for ADDED / REMOVED */
	double mean_change;                   /* (now - base) / base of the mean; 0 without both */
	double noise_ns;                      /* twice the standard error of the difference; 0 unknown */
	double impact_ns;                     /* |change of the mean| times calls, or the whole total */
	enum hp_verdict verdict;
};

struct hp_site_delta {
	char *location;                 /* hp_fmt_site of the first stack seen */
	/* What each run allocated at the place (all the stacks that share it); zero where it has none. */
	struct hp_alloc_costs base, now;
	bool in_base, in_now;
	double impact;                  /* |bytes change| + |leaked change| + |peak change| */
};

struct hp_comparison {
	double threshold;                   /* a share: 0.05 for 5% */
	struct hp_function_delta *functions; /* by impact, largest first */
	size_t nfunctions;
	struct hp_site_delta *sites;        /* by impact, largest first */
	size_t nsites;
};

/* The rule every comparison follows: a change of a quantity from base to now is SAME within the
 * threshold (a share of base), FEW_CALLS beyond it when there is not enough data to estimate the
 * noise, NOISE when within `noise` (the same unit as the values), SLOWER or FASTER beyond both. */
enum hp_verdict hp_judge_change(double base, double now, double noise, double threshold, bool enough);

/* Compares now with base. 0, or -1 when memory runs out (c is then empty). */
int hp_compare_profiles(struct hp_comparison *c, const struct hp_profile *base, const struct hp_profile *now,
			double threshold);
void hp_comparison_release(struct hp_comparison *c);

/* "same", "slower", "faster", "within noise", "too few calls", "added", "removed" */
const char *hp_verdict_name(enum hp_verdict v);

#endif
