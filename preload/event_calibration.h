/* event_calibration.h: measures what recording an event costs, for the analyzer to subtract. */
#ifndef HP_EVENT_CALIBRATION_H
#define HP_EVENT_CALIBRATION_H

#include <stdbool.h>
#include <stdint.h>

#include "recorder.h"

/* Median cost of recording one event, in ticks, measured on a private ring through the path a zone
 * event takes, or (`allocs`) the path of an allocation and its free, which read no clock, without
 * their stacks (recorded at depth 0; the stack cache's lookup is a dozen loads more); 0 without
 * memory. Changes no shared state: the ring and the depth are passed to the event path. Called with
 * the guard at HP_GUARD_INTERNAL, which each event resets and this restores. */
uint64_t hp_event_cost_calibrate(bool allocs) HP_HIDDEN;

/* What that misses (the stacks, a ring that is not in the cache, a writer reading it on another core)
 * is measured as the program runs: one allocation event in about 64 is timed (hp_record_alloc_sampled,
 * event_path.h), and each stream's EVENT_COST records say what its allocation events cost. A ring
 * times its first event after HP_COST_FIRST_PERIOD; the next ones come 32 to 95 events apart, at
 * random, so that no loop's period keeps the samples on one kind of event. */
#define HP_COST_FIRST_PERIOD 64
/* Samples per EVENT_COST; the stream's first has 8, so that short runs have one. */
#define HP_COST_SAMPLES 64
#define HP_COST_FIRST_SAMPLES 8

/* Measures what reading the clock costs, which each sample takes out (before any ring exists). */
void hp_event_sampling_setup(void) HP_HIDDEN;

#endif
