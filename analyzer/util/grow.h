/* grow.h: the analyzer's rule for growing an array: by doubling, keeping it when memory runs out. (The
 * merge's queues are rings grown by a quarter, their capacity near the most they held: event_merge.c.) */
#ifndef HP_GROW_H
#define HP_GROW_H

#include <stdlib.h>

/* array grown to hold need elements of elem bytes (*cap updated), from a first capacity of first
 * elements; NULL when memory runs out, the array then kept as it was. */
static inline void *hp_grow_from(void *array, size_t *cap, size_t need, size_t elem, size_t first)
{
	if (need <= *cap)
		return array;
	size_t ncap = *cap ? *cap : first;
	while (ncap < need)
		ncap *= 2;
	void *n = realloc(array, ncap * elem);
	if (n)
		*cap = ncap;
	return n;
}

/* hp_grow_from with a first capacity of 16. */
static inline void *hp_grow(void *array, size_t *cap, size_t need, size_t elem)
{
	return hp_grow_from(array, cap, need, elem, 16);
}

#endif
