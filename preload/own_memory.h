/* own_memory.h: memory the recorder maps for itself (rings, caches, tables, the writer's buffers).
 *
 * Never from malloc: the program's heap stays the program's, and the leak scan, which reads the heap,
 * is told these ranges and skips them. Pages are touched, and counted, only as they are used.
 */
#ifndef HP_OWN_MEMORY_H
#define HP_OWN_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "recorder.h"

/* size bytes of zeroed memory; NULL when none can be had. */
void *hp_own_map(size_t size) HP_HIDDEN;
/* Gives back what hp_own_map returned (NULL: nothing). */
void hp_own_unmap(void *p, size_t size) HP_HIDDEN;

struct hp_range {
	uint64_t lo, hi;
};

/* Fills out with the live mappings made by hp_own_map (at most max, the first ones); returns how
 * many. Allocates nothing, takes no lock: callable while the program's threads are stopped. */
size_t hp_own_ranges(struct hp_range *out, size_t max) HP_HIDDEN;

#endif
