/* own_memory.c: anonymous mappings for the recorder's own memory, and the list of them. */
#include "own_memory.h"

#include <stdatomic.h>
#include <sys/mman.h>

/* Every live mapping, so that a leak scan skips them all (they hold copies of the program's
 * pointers: events, stacks). Claimed with one compare-and-swap, never locked: a ring may be made in
 * a signal handler. Slots are freed on unmap and reused. */
#define MAX_OWN_MAPS 16384
static struct {
	_Atomic int used;
	_Atomic uint64_t lo, hi;
} maps[MAX_OWN_MAPS];
static _Atomic size_t high; /* slots [0, high) may be in use */

static void note(uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < MAX_OWN_MAPS; i++) {
		int zero = 0;
		if (atomic_load_explicit(&maps[i].used, memory_order_relaxed) ||
		    !atomic_compare_exchange_strong(&maps[i].used, &zero, 1))
			continue;
		atomic_store(&maps[i].hi, hi);
		atomic_store(&maps[i].lo, lo);
		size_t h = atomic_load(&high);
		while (h < i + 1 && !atomic_compare_exchange_weak(&high, &h, i + 1))
			;
		return;
	}
}

void *hp_own_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	note((uint64_t)p, (uint64_t)p + ((size + 4095) & ~(size_t)4095));
	return p;
}

void hp_own_unmap(void *p, size_t size)
{
	if (!p)
		return;
	size_t n = atomic_load(&high);
	for (size_t i = 0; i < n; i++)
		if (atomic_load(&maps[i].lo) == (uint64_t)p) {
			atomic_store(&maps[i].lo, 0);
			atomic_store(&maps[i].hi, 0);
			atomic_store(&maps[i].used, 0);
			break;
		}
	munmap(p, size);
}

size_t hp_own_ranges(struct hp_range *out, size_t max)
{
	size_t n = atomic_load(&high), k = 0;

	for (size_t i = 0; i < n && k < max; i++) {
		uint64_t lo = atomic_load(&maps[i].lo), hi = atomic_load(&maps[i].hi);
		if (lo && hi > lo)
			out[k++] = (struct hp_range){lo, hi};
	}
	return k;
}
