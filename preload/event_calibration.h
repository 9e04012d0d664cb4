/* event_calibration.h: measures what recording an event costs, for the analyzer to subtract. */
#ifndef HP_EVENT_CALIBRATION_H
#define HP_EVENT_CALIBRATION_H

#include <stdbool.h>
#include <stdint.h>

#include "recorder.h"

/* Median cost of recording one event, in ticks, measured on a private ring through the path a zone
 * event takes, or (`allocs`) the path of an allocation and its free, which read no clock, without
 * their stacks (recorded at depth 0; the stack cache's lookup is a dozen loads more); 0 without
 * memory. Changes no shared state: the ring and the depth are passed to the event path. Called with the guard at HP_GUARD_INTERNAL, which each event resets and this
 * restores. */
uint64_t hp_event_cost_calibrate(bool allocs) HP_HIDDEN;

#endif
