/* growth.h: tells a steadily growing series (a site's live bytes over time) from noise.
 *
 * For servers that never exit: a site whose live bytes rise along a straight line through the run is
 * a suspected leak even though nothing was left at exit. The fit is an online least-squares line, so
 * a site costs six numbers whatever the run's length.
 */
#ifndef HP_GROWTH_H
#define HP_GROWTH_H

#include <stdbool.h>
#include <stdint.h>

struct hp_growth {
	double n, st, sy, stt, sty, syy;
	double first_y, last_y;
};

/* Adds the point (t seconds, y bytes). */
void hp_growth_add(struct hp_growth *g, double t, double y);

/* Slope (bytes per second) and coefficient of determination of the fitted line; false with fewer
 * than two points or no spread in time. */
bool hp_growth_fit(const struct hp_growth *g, double *slope, double *r2);

/* Steady growth: at least min_points points, slope ≥ min_rate bytes/s, r² ≥ min_r2, and the series
 * ended above where it started by at least min_bytes. */
bool hp_growth_steady(const struct hp_growth *g, unsigned min_points, double min_rate, double min_r2,
		      double min_bytes);

#endif
