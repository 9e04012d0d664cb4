/* stack_cache.h: per-thread cache of captured call stacks, so that a call seen again costs a few loads.
 *
 * Unwinding is the recorder's largest cost (libunwind: ~40 ns plus ~8 ns a frame). A program calls
 * malloc from a few hot places, at the same stack depth each time; an entry is keyed by the program's
 * stack pointer and return address at the hook, and remembers where each frame's return address sits
 * on the stack. A lookup hits only when every one of those slots still holds the same return address.
 * Frame sizes follow from the code (the return addresses); a frame that varies in size (alloca) moves
 * the stack pointer of every call below it. So the same return addresses at the same places above the
 * same stack pointer are the same chain of frames, and a hit gives the stack an unwind would give.
 *
 * One call site is often reached from several callers whose frames have the same sizes (a malloc wrapper
 * called at the same depth from different functions): the same stack pointer and return address then
 * head different stacks. Each key has a set of WAYS entries, so that these stacks do not evict each
 * other.
 *
 * Only the thread's own stack (as pthread reports it) is cached: it stays mapped from the stack
 * pointer up to its top while the thread lives, so the slots are always safe to read. Frames on an
 * alternate signal stack or a coroutine's stack are unwound every time.
 *
 * Threading: a cache belongs to one thread (in its ring); nothing in it is shared.
 */
#ifndef HP_STACK_CACHE_H
#define HP_STACK_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "recorder.h"

struct hp_stack_cache_entry {
	uint64_t sp;  /* the program's stack pointer after its call into the hook; 0: empty */
	uint64_t ret; /* the return address into the program (frame 0) */
	const uint64_t *ips; /* the interned stack's frames (stack_table.c: never freed) */
	uint32_t id;
	uint32_t depth;
	uint32_t slot[]; /* slot[i]: where frame i's return address sits, as an offset from sp (i >= 1) */
};

#define HP_STACK_CACHE_WAYS 4

struct hp_stack_cache {
	uint64_t stack_lo, stack_hi; /* the thread's stack */
	uint32_t mask;               /* sets - 1 */
	uint32_t stride;             /* bytes per entry */
	uint32_t max_depth;
	/* Misses whose stack was not stored: in a thread that rarely hits, storing (a search of the
	 * stack) is skipped on most misses. */
	uint32_t window_hits, window_misses, skip;
	uint32_t victim; /* the way a new stack replaces next, in turn */
	_Alignas(8) uint8_t entries[]; /* entries of `stride` bytes, 8-aligned */
};

/* A cache for stacks of up to max_depth frames of the thread whose stack is [stack_lo, stack_hi); NULL
 * when memory cannot be had (stacks are then unwound every time). */
struct hp_stack_cache *hp_stack_cache_create(unsigned max_depth, uint64_t stack_lo, uint64_t stack_hi) HP_HIDDEN;
void hp_stack_cache_destroy(struct hp_stack_cache *c) HP_HIDDEN;

/* Way `way` of the set of (sp, ret). */
static inline struct hp_stack_cache_entry *hp_stack_cache_way(struct hp_stack_cache *c, uint64_t sp,
							      uint64_t ret, unsigned way)
{
	uint64_t h = (sp >> 3) ^ (ret * 0x9e3779b97f4a7c15ull >> 32);

	return (struct hp_stack_cache_entry *)(c->entries +
					       ((size_t)(h & c->mask) * HP_STACK_CACHE_WAYS + way) * c->stride);
}

/* The id of the stack under (sp, ret) if it is cached and still on the stack, else 0. */
static inline uint32_t hp_stack_cache_find(struct hp_stack_cache *c, uint64_t sp, uint64_t ret)
{
	for (unsigned way = 0; way < HP_STACK_CACHE_WAYS; way++) {
		const struct hp_stack_cache_entry *e = hp_stack_cache_way(c, sp, ret, way);
		if (e->sp != sp || e->ret != ret)
			continue;
		uint32_t i = 1;
		while (i < e->depth && *(const uint64_t *)(sp + e->slot[i]) == e->ips[i])
			i++;
		if (i == e->depth) {
			c->window_hits++;
			return e->id;
		}
	}
	return 0;
}

/* After an unwind that gave ips[0..depth) (ips[0] == ret) with id: remembers the stack if every
 * return address can be found in order on the thread's stack above sp. `ips` must outlive the cache. */
void hp_stack_cache_put(struct hp_stack_cache *c, uint64_t sp, const uint64_t *ips, uint32_t depth,
			uint32_t id) HP_HIDDEN;

#endif
