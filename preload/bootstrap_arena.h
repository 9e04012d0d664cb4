/* bootstrap_arena.h: a static bump allocator for the allocations made while the real malloc is found.
 *
 * dlsym() may allocate (its error buffer) before our hooks can reach the real allocator; those blocks
 * come from here, never move and are never reused. free() and realloc() recognise them by address.
 */
#ifndef HP_BOOTSTRAP_ARENA_H
#define HP_BOOTSTRAP_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#include "recorder.h"

/* Zeroed memory aligned to `align` (a power of two, at least 16); NULL when the arena is exhausted. */
void *hp_arena_alloc(size_t size, size_t align) HP_HIDDEN;

#define HP_ARENA_SIZE (256u << 10)
extern unsigned char hp_arena[HP_ARENA_SIZE] HP_HIDDEN;

/* Inline: every free() asks it first. */
static inline bool hp_arena_owns(const void *p)
{
	return (const unsigned char *)p >= hp_arena && (const unsigned char *)p < hp_arena + HP_ARENA_SIZE;
}
/* The size asked for when p was allocated (p must be owned). */
size_t hp_arena_size(const void *p) HP_HIDDEN;

#endif
