/* live_heap.c: open addressing with backward-shift deletion, so that a long run leaves no tombstones. */
#include "model/live_heap.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "hpt_format.h"
#include "read/event_merge.h"
#include "read/trace.h"

/* A table this large or larger is mapped on its own, in huge pages where the kernel has them: it is
 * read at random, one slot per allocation event, and with 4 KiB pages a python3 report spent 15% of
 * its time faulting the tables in (docs/performance.md). */
#define HUGE_TABLE (4u << 20)
#define HUGE_PAGE (2u << 20)

/* A zeroed table of n slots; NULL when memory runs out. */
static struct hp_block *table_new(size_t n)
{
	size_t bytes = n * sizeof(struct hp_block);

	if (bytes < HUGE_TABLE)
		return calloc(n, sizeof(struct hp_block));
	/* Mapped with a huge page of slack, whose unaligned ends go back: a huge page must be aligned. */
	char *map = mmap(NULL, bytes + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	char *at = (char *)(((uintptr_t)map + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	if (at > map)
		munmap(map, (size_t)(at - map));
	munmap(at + bytes, (size_t)(map + HUGE_PAGE - at));
	madvise(at, bytes, MADV_HUGEPAGE); /* advice: without huge pages the table works the same */
	return (struct hp_block *)(void *)at;
}

static void table_free(struct hp_block *t, size_t n)
{
	if (n * sizeof(*t) < HUGE_TABLE)
		free(t);
	else
		munmap(t, n * sizeof(*t));
}

/* Doubles a shard (or makes its first one), keeping every block. */
static int grow(struct hp_heap_shard *s)
{
	/* Small at first: a run of many processes holds a table for each. */
	size_t cap = s->cap ? s->cap * 2 : 4096;
	struct hp_block *n = table_new(cap);

	if (!n)
		return -1;
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->slots[i].addr)
			continue;
		size_t j = hp_heap_home(s->slots[i].addr, cap);
		while (n[j].addr)
			j = (j + 1) & (cap - 1);
		n[j] = s->slots[i];
	}
	table_free(s->slots, s->cap);
	s->slots = n;
	s->cap = cap;
	return 0;
}

struct hp_block *hp_heap_insert(struct hp_heap *h, uint64_t addr)
{
	if (!addr)
		return NULL; /* 0 marks an empty slot: "inserting" it would count a block that is not there */
	struct hp_block *b = hp_heap_find(h, addr);
	if (b)
		return b;
	struct hp_heap_shard *s = hp_heap_shard_of(h, addr);
	/* Half full at most: the blocks of a page share a run of slots (hp_heap_home), and runs of
	 * neighbouring pages meet; three quarters made a python3 report 50% slower. Grown only for a new
	 * address, so that the table's layout, and the order in which it is walked, depends on the
	 * addresses added and removed, never on how often they were looked up. */
	if (!s->cap || 2 * (s->used + 1) > s->cap) {
		if (grow(s))
			return NULL;
		h->seen_addr = 0; /* every slot of the shard moved */
		hp_heap_find(h, addr);
	}
	b = h->seen_empty; /* where the probe for addr stopped, and no slot moved since */
	*b = (struct hp_block){.addr = addr};
	s->used++;
	h->used++;
	h->seen = b;
	h->seen_empty = NULL;
	return b;
}

void hp_heap_remove(struct hp_heap *h, struct hp_block *b)
{
	struct hp_heap_shard *s = hp_heap_shard_of(h, b->addr);
	size_t i = (size_t)(b - s->slots), mask = s->cap - 1;

	s->slots[i].addr = 0;
	s->used--;
	h->used--;
	h->seen_addr = 0; /* slots shift back */
	/* Shift back the entries that probed past the hole. */
	for (size_t j = (i + 1) & mask; s->slots[j].addr; j = (j + 1) & mask) {
		size_t home = hp_heap_home(s->slots[j].addr, s->cap);
		bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (between)
			continue;
		s->slots[i] = s->slots[j];
		s->slots[j].addr = 0;
		i = j;
	}
}

void hp_heap_free(struct hp_heap *h)
{
	for (size_t i = 0; i < HP_HEAP_SHARDS; i++)
		table_free(h->shard[i].slots, h->shard[i].cap);
	*h = (struct hp_heap){0};
}

static void drop(struct hp_heap *h, uint64_t addr)
{
	struct hp_block *b = addr ? hp_heap_find(h, addr) : NULL;

	if (b) {
		h->bytes -= b->size;
		hp_heap_remove(h, b);
	}
}

static int add(struct hp_heap *h, uint64_t addr, uint64_t size, uint32_t stack, uint32_t stream)
{
	drop(h, addr);
	struct hp_block *b = hp_heap_insert(h, addr);
	if (!b)
		return -1;
	*b = (struct hp_block){.addr = addr, .size = size, .stack = stack, .stream = stream};
	h->bytes += size;
	return 0;
}

bool hp_heap_change_of(const struct hp_event *ev, struct hp_heap_change *c)
{
	*c = (struct hp_heap_change){0};
	switch (ev->type) {
	case HP_EV_ALLOC:
		*c = (struct hp_heap_change){.adds = true, .added = ev->addr, .size = hp_block_size(ev->size)};
		return true;
	case HP_EV_FREE:
		*c = (struct hp_heap_change){.frees = true, .gone = ev->addr};
		return true;
	case HP_EV_REALLOC:
		if (ev->flags & HPT_REALLOC_FAILED)
			return false;
		*c = (struct hp_heap_change){.frees = ev->addr != 0, .gone = ev->addr, .adds = ev->addr2 != 0,
					     .added = ev->addr2, .size = hp_block_size(ev->size)};
		return true;
	default:
		return false;
	}
}

bool hp_heap_not_yet(struct hp_heap *h, const struct hp_event *ev)
{
	struct hp_heap_change c;

	if (ev->last_chance || !hp_heap_change_of(ev, &c))
		return false;
	if (c.frees) {
		const struct hp_block *b = hp_heap_find(h, c.gone);
		if (!b)
			return true;
		/* Another thread's free waits while the block's own thread still frees it in this epoch:
		 * it ends a later life, which that thread hands out again. */
		if (b->stream != ev->stream && hp_merge_ends_first(ev, b->stream, c.gone))
			return true;
	}
	return c.adds && c.added != c.gone && hp_heap_find(h, c.added);
}

int hp_heap_replay(struct hp_heap *h, const struct hp_event *ev)
{
	struct hp_heap_change c;

	if (!hp_heap_change_of(ev, &c))
		return 0;
	if (c.frees)
		drop(h, c.gone);
	return c.adds && c.added ? add(h, c.added, c.size, ev->stack, ev->stream) : 0;
}

_Static_assert(sizeof(struct hp_block) == 24, "a block is 24 bytes (live_heap.h)");
