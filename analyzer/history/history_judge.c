/* history_judge.c: a run against the runs before it: baseline, spread, the noise they allow, the verdict. */
#include <math.h>

#include "history/history_judge.h"

void hp_trend_judge(const double *earlier, size_t n, double latest, double threshold, struct hp_trend *out)
{
	double sum = 0, sq = 0;

	*out = (struct hp_trend){.n = n};
	for (size_t i = 0; i < n; i++)
		sum += earlier[i];
	out->base = n ? sum / (double)n : 0;
	for (size_t i = 0; i < n; i++)
		sq += (earlier[i] - out->base) * (earlier[i] - out->base);
	out->spread = n > 1 ? sqrt(sq / (double)(n - 1)) : 0;
	out->noise = n ? 2 * out->spread * sqrt(1 + 1 / (double)n) : 0;
	out->change = out->base > 0 ? (latest - out->base) / out->base : 0;
	out->verdict = hp_judge_change(out->base, latest, out->noise, threshold, n >= HP_TREND_MIN_RUNS);
}

double hp_trend_slope(const double *values, size_t n)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0;

	if (n < 2)
		return 0;
	for (size_t i = 0; i < n; i++) {
		double x = (double)i;
		sx += x;
		sy += values[i];
		sxx += x * x;
		sxy += x * values[i];
	}
	double mean = sy / (double)n, den = (double)n * sxx - sx * sx;
	if (mean == 0 || den == 0)
		return 0;
	return ((double)n * sxy - sx * sy) / den / mean;
}
