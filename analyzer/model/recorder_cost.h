/* recorder_cost.h: the recorder's own time on a thread, which zone and call times leave out: the one
 * rule the profile (profile_zones.c) and the live view (live_stats.c) follow (docs/trace-format.md,
 * "The recorder's cost").
 *
 * A thread's cost grows with each of its events: an allocation event at the stream's latest
 * EVENT_COST rate, or, before one, at CALIBRATION's allocation cost; any other event at CALIBRATION's
 * timed-event cost; a WAIT by its length. A call's share is the growth between its start and end.
 */
#ifndef HP_RECORDER_COST_H
#define HP_RECORDER_COST_H

#include <stdint.h>

#include "read/trace.h"

struct hp_recorder_cost {
	uint64_t events;       /* timed events (zones, calls, marks, counters, ...) */
	uint64_t alloc_events; /* allocation events before the stream's first EVENT_COST */
	double measured_ns;    /* at measured rates, and waits */
	double alloc_event_ns; /* the stream's latest EVENT_COST rate; 0 before one (not a reading) */
};

static inline void hp_recorder_cost_add(struct hp_recorder_cost *c, const struct hp_event *ev)
{
	if (ev->type == HP_EV_EVENT_COST) {
		if (ev->value)
			c->alloc_event_ns = (double)ev->size / (double)ev->value;
	} else if (ev->type == HP_EV_WAIT) {
		c->measured_ns += (double)ev->size;
	} else if (ev->type > HP_EV_ALLOC_FAIL) {
		c->events++;
	} else if (c->alloc_event_ns > 0) {
		c->measured_ns += c->alloc_event_ns;
	} else {
		c->alloc_events++;
	}
}

/* The recorder's time on a thread between two readings of its cost. A trace may claim waits no
 * uint64_t holds: the measured part then counts as the largest one does (a conversion past the
 * range is undefined). */
static inline uint64_t hp_recorder_cost_ns(const struct hp_process_info *pi, const struct hp_recorder_cost *from,
					   const struct hp_recorder_cost *to)
{
	uint64_t alloc_event_ns = pi->alloc_event_cost_ns ? pi->alloc_event_cost_ns : pi->event_cost_ns;
	double measured = to->measured_ns - from->measured_ns;
	uint64_t measured_ns = !(measured > 0) ? 0 : measured >= 0x1p64 ? UINT64_MAX : (uint64_t)(measured + 0.5);

	return pi->event_cost_ns * (to->events - from->events) + alloc_event_ns * (to->alloc_events - from->alloc_events) +
	       measured_ns;
}

#endif
