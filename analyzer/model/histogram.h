/* histogram.h: a log-linear histogram of durations: percentiles within 1% relative error.
 *
 * Values below 256 are counted exactly; above, each power of two is split in 128 equal buckets, so a
 * bucket spans less than 1/128 of its values. Octaves are allocated on first use: a function whose
 * calls span ten octaves holds ten blocks of 128 counters.
 */
#ifndef HP_HISTOGRAM_H
#define HP_HISTOGRAM_H

#include <stdint.h>

struct hp_histogram;

struct hp_histogram *hp_histogram_new(void);
void hp_histogram_free(struct hp_histogram *h);
/* Returns 0, or -1 when memory runs out (the value is then not counted). */
int hp_histogram_add(struct hp_histogram *h, uint64_t v);
/* The value at quantile q (0..1): the middle of the bucket holding it, clamped to [min, max] seen. */
uint64_t hp_histogram_quantile(const struct hp_histogram *h, double q);

#endif
