/* scan_maps.h: the process's mappings as a leak scan sees them: which may hold heap blocks, which are
 * the allocator's own, which are roots; and the memory no scan may read (found once, at setup).
 *
 * Used on the writer thread while the program's threads are stopped: nothing here allocates or
 * takes a lock; memory is read with process_vm_readv.
 */
#ifndef HP_SCAN_MAPS_H
#define HP_SCAN_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "own_memory.h"
#include "recorder.h"

#define MAX_MAPS 65536 /* the kernel's default vm.max_map_count is 65530 */
/* glibc's non-main arenas live in heaps aligned to HEAP_MAX_SIZE (64 MiB on 64-bit), each starting
 * with a heap_info whose first word is its arena (right after it, for an arena's first heap). struct
 * malloc_state (an arena) is 2200 bytes (2.26 and later, 64-bit). */
#define HP_ARENA_HEAP_ALIGN (64ull << 20)
#define HP_MSTATE_SIZE 2200

/* The heap at `heap` is its arena's first: the arena follows its heap_info. */
static inline bool hp_arena_first_heap(uint64_t heap, uint64_t arena)
{
	return arena >= heap + 16 && arena < heap + 256;
}

/* The first chunk of the arena heap at `heap` whose heap_info names `arena`: in the arena's first heap
 * the chunks follow the arena, aligned to 16; in a later one they follow its heap_info, which is as
 * long as in the first heap (from that heap's start to the arena). 0 when `arena` fits neither. */
static inline uint64_t hp_arena_heap_first_chunk(uint64_t heap, uint64_t arena)
{
	uint64_t info = arena % HP_ARENA_HEAP_ALIGN;

	if (hp_arena_first_heap(heap, arena))
		return (arena + HP_MSTATE_SIZE + 15) & ~15ull;
	return info >= 16 && info < 256 ? heap + info : 0;
}

enum hp_map_class {
	HP_MAP_SKIP,  /* not read: not readable and writable, or a device */
	HP_MAP_ARENA, /* glibc's heap or one of its arenas' heaps: only words inside live blocks count */
	HP_MAP_ROOT,  /* read as a root (a stack: from its thread's stack pointer) */
};

struct hp_scan_map {
	uint64_t lo, hi;
	uint8_t cls; /* enum hp_map_class */
	bool r, w, file, anon;
	bool exec;      /* readable code of a file: where a vtable's entries point */
	bool candidate; /* may hold heap blocks: private anonymous memory and [heap] */
	bool stack;     /* [stack] */
	bool brk_heap;  /* [heap]: glibc's main heap, grown with brk */
	bool done;      /* read already, or not to be read (the scan's own mark) */
};

/* Sorted by address, as /proc/self/maps lists them. */
extern struct hp_scan_map hp_scan_maps[MAX_MAPS] HP_HIDDEN;
extern size_t hp_scan_nmaps HP_HIDDEN;

/* Reads /proc/self/maps of process pid (ours) into hp_scan_maps. [*vmin, *vmax) receives the range
 * outside which no value can point to a block or a vtable. */
void hp_scan_maps_load(pid_t pid, uint64_t *vmin, uint64_t *vmax) HP_HIDDEN;

static inline struct hp_scan_map *hp_scan_map_of(uint64_t addr)
{
	size_t lo = 0, hi = hp_scan_nmaps;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (addr < hp_scan_maps[mid].lo)
			hi = mid;
		else if (addr >= hp_scan_maps[mid].hi)
			lo = mid + 1;
		else
			return &hp_scan_maps[mid];
	}
	return NULL;
}

/* Reads n bytes at `at` of our own process (the pid given to hp_scan_maps_load) without faulting: the
 * bytes read, as process_vm_readv returns them. */
ssize_t hp_scan_read(void *dst, uint64_t at, size_t n) HP_HIDDEN;

/* Where hp_scan_never_read found glibc's main_arena (its struct malloc_state), or 0. */
uint64_t hp_scan_main_arena(void) HP_HIDDEN;

/* What no scan may read as a root: the recorder's own data, and glibc's main_arena in libc's data.
 * Called once at setup (dladdr, dl_iterate_phdr: never while threads are stopped). */
size_t hp_scan_never_read(struct hp_range *out, size_t max) HP_HIDDEN;

#endif
