/* history_judge.h: whether the latest run regressed against the runs before it, beyond their spread.
 *
 * The earlier runs give a baseline (their mean) and a spread (their sample standard deviation s).
 * One more run of the same code would fall within 2 s sqrt(1 + 1/n) of the baseline most of the time
 * (the prediction interval of one new value from n, at about two standard deviations, as `diff`
 * takes twice the standard error). The latest value regresses when it exceeds the baseline by more
 * than the threshold and by more than that noise: hp_judge_change, the rule of `diff` and `check`.
 */
#ifndef HP_HISTORY_JUDGE_H
#define HP_HISTORY_JUDGE_H

#include <stddef.h>

#include "model/profile_compare.h"

/* Fewer earlier runs than this give no spread to judge by: never a regression. */
#define HP_TREND_MIN_RUNS 3

struct hp_trend {
	size_t n;       /* earlier values */
	double base;    /* their mean */
	double spread;  /* their sample standard deviation */
	double noise;   /* 2 * spread * sqrt(1 + 1/n) */
	double change;  /* (latest - base) / base; 0 when base is 0 */
	enum hp_verdict verdict; /* SLOWER: a regression (a larger value); FEW_CALLS: too few runs */
};

/* Judges latest against earlier[0..n) with threshold a share (0.2 for 20%). */
void hp_trend_judge(const double *earlier, size_t n, double latest, double threshold, struct hp_trend *out);

/* Least-squares slope of values[0..n) against their index, as a share of their mean per step
 * (0.01: +1% a run); 0 with fewer than 2 values or a zero mean. */
double hp_trend_slope(const double *values, size_t n);

#endif
