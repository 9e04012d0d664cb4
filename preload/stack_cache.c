/* stack_cache.c: creation of the per-thread stack cache and storing of freshly unwound stacks. */
#include "stack_cache.h"

#include "own_memory.h"

#define SETS 512             /* per thread; a power of two */
#define MAX_SEARCH (64u << 10) /* bytes of stack searched for the return addresses of one stack */
#define WINDOW 256           /* lookups between two judgements of the hit rate */

static size_t cache_bytes(uint32_t stride)
{
	return (sizeof(struct hp_stack_cache) + (size_t)SETS * HP_STACK_CACHE_WAYS * stride + 4095) & ~(size_t)4095;
}

struct hp_stack_cache *hp_stack_cache_create(unsigned max_depth, uint64_t stack_lo, uint64_t stack_hi)
{
	uint32_t stride = (uint32_t)((sizeof(struct hp_stack_cache_entry) + max_depth * sizeof(uint32_t) + 7) & ~7ul);
	struct hp_stack_cache *c = hp_own_map(cache_bytes(stride));
	if (!c)
		return NULL;
	c->stack_lo = stack_lo;
	c->stack_hi = stack_hi;
	c->mask = SETS - 1;
	c->stride = stride;
	c->max_depth = max_depth;
	return c;
}

void hp_stack_cache_destroy(struct hp_stack_cache *c)
{
	if (c)
		hp_own_unmap(c, cache_bytes(c->stride));
}

/* Searching the stack costs about as much as the unwind it saves later; a thread that rarely hits
 * (deep recursion, ever-changing call paths) stores one miss in eight. */
static bool worth_storing(struct hp_stack_cache *c)
{
	if (++c->window_misses + c->window_hits >= WINDOW) {
		c->skip = c->window_hits * 8 < c->window_misses ? 7 : 0;
		c->window_hits = c->window_misses = 0;
	}
	if (!c->skip)
		return true;
	return (c->window_misses & 7) == 0;
}

void hp_stack_cache_put(struct hp_stack_cache *c, uint64_t sp, const uint64_t *ips, uint32_t depth,
			uint32_t id)
{
	if (!worth_storing(c) || depth > c->max_depth || !id || (sp & 7))
		return;
	if (sp < c->stack_lo || sp >= c->stack_hi)
		return; /* another stack: an alternate signal stack, a coroutine's */
	uint64_t end = c->stack_hi - sp < MAX_SEARCH ? c->stack_hi : sp + MAX_SEARCH;

	/* Frame i's return address sits above frame i-1's, so each search starts past the last find.
	 * The entry is written in place only once every slot is found: a half-written entry has sp 0. */
	struct hp_stack_cache_entry *e = hp_stack_cache_way(c, sp, ips[0], c->victim++ % HP_STACK_CACHE_WAYS);
	e->sp = 0;
	uint64_t at = sp;
	for (uint32_t i = 1; i < depth; i++) {
		while (at < end && *(const uint64_t *)at != ips[i])
			at += 8;
		if (at >= end)
			return;
		e->slot[i] = (uint32_t)(at - sp);
		at += 8;
	}
	e->ret = ips[0];
	e->ips = ips;
	e->id = id;
	e->depth = depth;
	e->sp = sp;
}
