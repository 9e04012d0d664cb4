/* rec_own_malloc.c: a program with a malloc of its own, as Chromium has (PartitionAlloc) or a program
 * that links jemalloc or mimalloc in: its definitions come before any preloaded library's in the
 * symbol lookup, libc's calls included, so a recorder's hooks never run. It makes 100 allocations of
 * 48 bytes and a strdup, prints what they hold, and exits 0.
 *
 * The allocator: a bump pointer over a static arena (thread-safe: the recorder's threads allocate
 * too), each block after a 16-byte header that holds its size; free keeps nothing. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER 16

static _Alignas(64) unsigned char arena[16 << 20];
static _Atomic size_t used;

static void *bump(size_t size, size_t align)
{
	if (size > sizeof(arena) || align > 4096)
		return NULL;
	for (;;) {
		size_t at = atomic_load(&used);
		size_t start = (at + HEADER + align - 1) & ~(align - 1);
		if (start + size > sizeof(arena))
			return NULL;
		if (atomic_compare_exchange_weak(&used, &at, start + size)) {
			memcpy(arena + start - HEADER, &size, sizeof(size));
			return arena + start;
		}
	}
}

static size_t size_of(const void *p)
{
	size_t size;

	memcpy(&size, (const unsigned char *)p - HEADER, sizeof(size));
	return size;
}

void *malloc(size_t size)
{
	void *p = bump(size ? size : 1, 16);
	if (!p)
		errno = ENOMEM;
	return p;
}

void free(void *p)
{
	(void)p;
}

void *calloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return malloc(total); /* the arena is never reused: still zero */
}

void *realloc(void *old, size_t size)
{
	void *p = malloc(size);

	if (p && old)
		memcpy(p, old, size_of(old) < size ? size_of(old) : size);
	return p;
}

void *memalign(size_t align, size_t size)
{
	return bump(size ? size : 1, align < 16 ? 16 : align);
}

void *aligned_alloc(size_t align, size_t size)
{
	return memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	void *p = memalign(align, size);

	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

size_t malloc_usable_size(void *p)
{
	return p ? size_of(p) : 0;
}

int main(void)
{
	char *blocks[100];
	unsigned sum = 0;

	for (int i = 0; i < 100; i++) {
		blocks[i] = malloc(48);
		snprintf(blocks[i], 48, "block %d", i);
	}
	char *copy = strdup(blocks[99]);
	for (int i = 0; i < 100; i++) {
		sum += (unsigned char)blocks[i][6];
		free(blocks[i]);
	}
	printf("%s %u\n", copy, sum);
	free(copy);
	return 0;
}
