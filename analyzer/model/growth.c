/* growth.c: online least-squares fit of a series and the "steady growth" verdict. */
#include "model/growth.h"

void hp_growth_add(struct hp_growth *g, double t, double y)
{
	if (g->n == 0)
		g->first_y = y;
	g->last_y = y;
	g->n += 1;
	g->st += t;
	g->sy += y;
	g->stt += t * t;
	g->sty += t * y;
	g->syy += y * y;
}

bool hp_growth_fit(const struct hp_growth *g, double *slope, double *r2)
{
	if (g->n < 2)
		return false;
	double vt = g->n * g->stt - g->st * g->st;
	double vy = g->n * g->syy - g->sy * g->sy;
	double cov = g->n * g->sty - g->st * g->sy;
	if (vt <= 0)
		return false;
	*slope = cov / vt;
	/* A flat series is explained perfectly by a flat line, but it is no growth: r² 0 then. */
	*r2 = vy > 0 ? (cov * cov) / (vt * vy) : 0;
	return true;
}

bool hp_growth_steady(const struct hp_growth *g, unsigned min_points, double min_rate, double min_r2,
		      double min_bytes)
{
	double slope, r2;

	if (g->n < min_points || !hp_growth_fit(g, &slope, &r2))
		return false;
	return slope >= min_rate && r2 >= min_r2 && g->last_y - g->first_y >= min_bytes;
}
