/* score.h: the 0-100 score of a profile, a weighted mean of components the report shows, and one per function.
 *
 * Each component measures one thing (allocation churn, temporary allocations, leaks, tail latency,
 * allocator share in hot functions, memory peak against the steady state, events lost) and maps it to
 * 0-100: 100 at or below the component's `good` value from the config, 0 at or above `bad`, linearly
 * in between (logarithmically for rates and ratios). The score is the weighted mean of the components
 * that apply, rounded; a component without evidence (no hot function, no timeline) does not apply and
 * its weight is left out. docs/report-guide.md explains each component.
 */
#ifndef HP_SCORE_H
#define HP_SCORE_H

#include <stdbool.h>

#include "report/config.h"
#include "model/profile.h"

enum hp_component {
	HP_SC_CHURN,
	HP_SC_TEMPORARY,
	HP_SC_LEAKS,
	HP_SC_TAIL,
	HP_SC_ALLOCATOR,
	HP_SC_PEAK,
	HP_SC_EVENTS_LOST,
	HP_SC_COUNT
};

/* How a component's measured value reads. */
enum hp_unit {
	HP_UNIT_PER_SECOND, /* 12000 -> "12.0k/s" */
	HP_UNIT_SHARE,      /* 0.25 -> "25.0%" */
	HP_UNIT_RATIO,      /* 8.5 -> "8.5x" */
};

struct hp_score_component {
	const char *name; /* "churn", "temporary", ...: the JSON and config name */
	const char *what; /* what value measures, for the report */
	enum hp_unit unit;
	bool applies;
	double value;  /* the measurement */
	double score;  /* 0-100 */
	double weight; /* from the config */
	const char *where; /* the function the value comes from (tail, allocator), or NULL */
};

struct hp_score {
	int value; /* 0-100 */
	const char *category;
	struct hp_score_component comp[HP_SC_COUNT];
};

/* Scores p: fills out, p->score, p->score_category and every p->functions[i].score. */
void hp_score_profile(struct hp_profile *p, const struct hp_config *cfg, struct hp_score *out);

/* "excellent" (90-100), "good" (75-89), "average" (60-74), "poor" (40-59), "critical" (0-39). */
const char *hp_score_category(int value);

/* 100 when x <= good, 0 when x >= bad, linear in between; good < bad. */
double hp_score_ramp(double x, double good, double bad);
/* The same on a logarithmic scale (for rates and ratios); 0 < good < bad. */
double hp_score_ramp_log(double x, double good, double bad);

/* The heap's steady state: the median of the timeline's heap sizes, 0 without a timeline. */
uint64_t hp_steady_heap(const struct hp_profile *p);

/* The estimated share of a function's total time spent in the allocator: allocs x alloc_cost_ns /
 * total_ns, at most 1. */
double hp_function_allocator_share(const struct hp_function *f, const struct hp_config *cfg);

/* The time the program's threads existed, summed (run time when the trace names no thread). */
uint64_t hp_thread_time_ns(const struct hp_profile *p);

/* p99 over p50, with p50 taken as at least cfg->tail_min_p50_ns (score and rules share it). */
double hp_tail_ratio(const struct hp_function *f, const struct hp_config *cfg);

/* The share of the time measured inside f that was the recorder's own, which its times leave out. */
double hp_function_recorder_share(const struct hp_function *f);
/* f's times are mostly the recorder's (at least cfg->recorder_share): what is left, and so its
 * spread, follows the recorder's measure of itself more than the program. Neither the tail-latency
 * rule nor the score's tail reads such a function. */
bool hp_function_mostly_recorder(const struct hp_function *f, const struct hp_config *cfg);

#endif
