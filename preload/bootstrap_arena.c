/* bootstrap_arena.c: bump allocation from a static array, lock-free, for the first moments of a process. */
#include "bootstrap_arena.h"

#include <stdatomic.h>
#include <stdint.h>

_Alignas(64) unsigned char hp_arena[HP_ARENA_SIZE];
static _Atomic size_t used;

/* Each block is preceded by its size, in the 16 bytes before the returned address. */
void *hp_arena_alloc(size_t size, size_t align)
{
	if (align < 16)
		align = 16;
	if (size > HP_ARENA_SIZE || align > HP_ARENA_SIZE / 4)
		return NULL;
	/* Aligned as an address, not as an offset: the array itself is only 64-byte aligned. */
	uintptr_t base = (uintptr_t)hp_arena;
	size_t old = atomic_load_explicit(&used, memory_order_relaxed), start, end;
	do {
		start = ((base + old + 16 + align - 1) & ~(uintptr_t)(align - 1)) - base;
		end = start + size;
		if (end > HP_ARENA_SIZE)
			return NULL;
	} while (!atomic_compare_exchange_weak_explicit(&used, &old, end, memory_order_relaxed,
							memory_order_relaxed));
	*(size_t *)(hp_arena + start - 16) = size;
	return hp_arena + start;
}

size_t hp_arena_size(const void *p)
{
	return *(const size_t *)((const unsigned char *)p - 16);
}
