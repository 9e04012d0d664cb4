/* event_calibration.h: measures what recording one timed event costs, for the analyzer to subtract. */
#ifndef HP_EVENT_CALIBRATION_H
#define HP_EVENT_CALIBRATION_H

#include <stdint.h>

#include "recorder.h"

/* Median cost of recording one timed event, in ticks, measured on a private ring through the path a
 * zone event takes; 0 without memory. Called with the guard at HP_GUARD_INTERNAL, which each event
 * resets and this restores. */
uint64_t hp_event_cost_calibrate(void) HP_HIDDEN;

#endif
