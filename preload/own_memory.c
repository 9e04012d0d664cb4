/* own_memory.c: anonymous mappings for the recorder's own memory. */
#include "own_memory.h"

#include <sys/mman.h>

void *hp_own_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void hp_own_unmap(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}
