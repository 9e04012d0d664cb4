/* live_heap.c: the blocks alive, in arrays by page, found through an index of pages (open addressing
 * with backward-shift deletion, so that a long run leaves no tombstones). */
#include "model/live_heap.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hpt_format.h"
#include "read/event_merge.h"
#include "read/trace.h"
#include "util/idmap.h"

/* An index this large or larger is mapped on its own, in huge pages where the kernel has them: a
 * program of a million scattered pages reads it at random, a TLB miss each with 4 KiB pages. */
#define HUGE_TABLE (4u << 20)
#define HUGE_PAGE (2u << 20)

/* A zeroed index of n slots; NULL when memory runs out. */
static struct hp_heap_page *table_new(size_t n)
{
	size_t bytes = n * sizeof(struct hp_heap_page);

	if (bytes < HUGE_TABLE)
		return calloc(n, sizeof(struct hp_heap_page));
	/* Mapped with a huge page of slack, whose unaligned ends go back: a huge page must be aligned. */
	char *map = mmap(NULL, bytes + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	char *at = (char *)(((uintptr_t)map + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	if (at > map)
		munmap(map, (size_t)(at - map));
	munmap(at + bytes, (size_t)(map + HUGE_PAGE - at));
	madvise(at, bytes, MADV_HUGEPAGE); /* advice: without huge pages the index works the same */
	return (struct hp_heap_page *)(void *)at;
}

static void table_free(struct hp_heap_page *t, size_t n)
{
	if (n * sizeof(*t) < HUGE_TABLE)
		free(t);
	else
		munmap(t, n * sizeof(*t));
}

static size_t page_home(uint64_t key, size_t cap)
{
	return (size_t)hp_hash64(key) & (cap - 1);
}

/* The index slot of the page key: its page, or the empty slot where it would go. */
static struct hp_heap_page *page_slot(const struct hp_heap *h, uint64_t key)
{
	size_t mask = h->pages_cap - 1;

	for (size_t i = page_home(key, h->pages_cap);; i = (i + 1) & mask) {
		struct hp_heap_page *pg = &h->pages[i];
		if (pg->key == key || !pg->key)
			return pg;
	}
}

/* Doubles the index (or makes its first one), keeping every page. */
static int index_grow(struct hp_heap *h)
{
	size_t cap = h->pages_cap ? h->pages_cap * 2 : 1024;
	struct hp_heap_page *n = table_new(cap);

	if (!n)
		return -1;
	for (size_t i = 0; i < h->pages_cap; i++) {
		if (!h->pages[i].key)
			continue;
		size_t j = page_home(h->pages[i].key, cap);
		while (n[j].key)
			j = (j + 1) & (cap - 1);
		n[j] = h->pages[i];
	}
	table_free(h->pages, h->pages_cap);
	h->last_page = NULL;
	h->pages = n;
	h->pages_cap = cap;
	return 0;
}

/* The index's key of addr's page (0 marks an empty slot). */
static uint64_t page_key(uint64_t addr)
{
	return (addr >> HP_HEAP_PAGE_SHIFT) + 1;
}

static unsigned page_offset(uint64_t addr)
{
	return (unsigned)(addr % (1u << HP_HEAP_PAGE_SHIFT));
}

/* The map's entry for a block at this offset in the page, or NULL when it starts no granule. */
static uint8_t *map_entry(struct hp_heap_blocks *d, unsigned offset)
{
	return offset % 16 ? NULL : &d->at[offset / 16];
}

/* The index of the page's block at addr, or n when it has none. */
static uint32_t page_find(const struct hp_heap_page *pg, uint64_t addr)
{
	unsigned offset = page_offset(addr);
	const uint8_t *at = map_entry(pg->blocks, offset);
	uint32_t i = 0;

	if (at) {
		if (*at)
			return *at - 1u;
		if (pg->n <= HP_HEAP_MAPPED)
			return pg->n;
		i = HP_HEAP_MAPPED;
	}
	while (i < pg->n && pg->blocks->block[i].offset != offset)
		i++;
	return i;
}

/* Block i of the page has a new index: the map follows. */
static void page_mapped(struct hp_heap_page *pg, uint32_t i)
{
	uint8_t *at = map_entry(pg->blocks, pg->blocks->block[i].offset);

	if (at)
		*at = i < HP_HEAP_MAPPED ? (uint8_t)(i + 1) : 0;
}

/* The page hp_heap_find just found for addr, or NULL when addr's page has no block. */
static struct hp_heap_page *found_page(const struct hp_heap *h, uint64_t addr)
{
	return h->last_page && h->last_page->key == page_key(addr) ? h->last_page : NULL;
}

/* The page's blocks with room for cap, or NULL when memory runs out (d kept). */
static struct hp_heap_blocks *blocks_resize(struct hp_heap_blocks *d, size_t cap)
{
	return realloc(d, sizeof(*d) + cap * sizeof(d->block[0]));
}

struct hp_block *hp_heap_find(struct hp_heap *h, uint64_t addr)
{
	if (!addr) /* 0 is no block's address */
		return NULL;
	if (addr == h->seen_addr)
		return h->seen;
	h->seen_addr = addr;
	h->seen = NULL;
	if (!h->pages_cap)
		return NULL;
	struct hp_heap_page *pg = found_page(h, addr);
	if (!pg)
		pg = page_slot(h, page_key(addr));
	if (pg->key) {
		uint32_t i = page_find(pg, addr);
		h->seen = i < pg->n ? &pg->blocks->block[i] : NULL;
		h->last_page = pg;
	}
	return h->seen;
}

/* A new page in the index, with room for a few blocks; NULL when memory runs out. */
static struct hp_heap_page *page_add(struct hp_heap *h, uint64_t key)
{
	/* Half full at most: pages are found by a probe from their hash. */
	if (2 * (h->npages + 1) > h->pages_cap && index_grow(h))
		return NULL;
	struct hp_heap_page *pg = page_slot(h, key);
	struct hp_heap_blocks *d = blocks_resize(NULL, 4);
	if (!d)
		return NULL;
	memset(d->at, 0, sizeof(d->at));
	*pg = (struct hp_heap_page){.key = key, .blocks = d, .cap = 4};
	h->npages++;
	return pg;
}

/* Takes the emptied page out of the index, shifting back the pages that probed past it. */
static void page_remove(struct hp_heap *h, struct hp_heap_page *pg)
{
	size_t i = (size_t)(pg - h->pages), mask = h->pages_cap - 1;

	free(pg->blocks);
	h->pages[i] = (struct hp_heap_page){0};
	h->npages--;
	h->last_page = NULL; /* pages shift back */
	for (size_t j = (i + 1) & mask; h->pages[j].key; j = (j + 1) & mask) {
		size_t home = page_home(h->pages[j].key, h->pages_cap);
		bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (between)
			continue;
		h->pages[i] = h->pages[j];
		h->pages[j] = (struct hp_heap_page){0};
		i = j;
	}
}

struct hp_block *hp_heap_insert(struct hp_heap *h, uint64_t addr)
{
	if (!addr)
		return NULL; /* 0 is no block's address: "inserting" it would count a block that is not there */
	struct hp_block *b = hp_heap_find(h, addr);
	if (b)
		return b;
	struct hp_heap_page *pg = found_page(h, addr);
	h->seen_addr = 0;
	if (!pg && !(pg = page_add(h, page_key(addr))))
		return NULL;
	if (pg->n == pg->cap) {
		size_t cap = (size_t)pg->cap * 2;
		struct hp_heap_blocks *d = blocks_resize(pg->blocks, cap);
		if (!d)
			return NULL;
		pg->blocks = d;
		pg->cap = (uint32_t)cap;
	}
	b = &pg->blocks->block[pg->n];
	*b = (struct hp_block){.offset = page_offset(addr)};
	page_mapped(pg, pg->n++);
	h->used++;
	h->last_page = pg;
	h->seen_addr = addr;
	h->seen = b;
	return b;
}

void hp_heap_remove(struct hp_heap *h, uint64_t addr)
{
	struct hp_block *b = hp_heap_find(h, addr);

	if (!b)
		return;
	struct hp_heap_page *pg = found_page(h, addr);
	struct hp_heap_blocks *d = pg->blocks;
	uint32_t i = (uint32_t)(b - d->block), last = pg->n - 1;
	uint8_t *at = map_entry(d, b->offset);

	if (at)
		*at = 0;
	if (i != last) {
		*b = d->block[last];
		page_mapped(pg, i);
	}
	pg->n--;
	h->used--;
	h->seen_addr = 0; /* the last block moved */
	if (!pg->n) {
		page_remove(h, pg);
	} else if (pg->cap >= 16 && pg->n <= pg->cap / 4) {
		/* A page that emptied gives its room back: a run whose heap shrinks holds what it holds. */
		struct hp_heap_blocks *s = blocks_resize(d, pg->cap / 2);
		if (s) {
			pg->blocks = s;
			pg->cap /= 2;
		}
	}
}

void hp_heap_free(struct hp_heap *h)
{
	for (size_t i = 0; i < h->pages_cap; i++)
		free(h->pages[i].blocks);
	table_free(h->pages, h->pages_cap);
	*h = (struct hp_heap){0};
}

static void drop(struct hp_heap *h, uint64_t addr)
{
	struct hp_block *b = addr ? hp_heap_find(h, addr) : NULL;

	if (b) {
		h->bytes -= b->size;
		hp_heap_remove(h, addr);
	}
}

static int add(struct hp_heap *h, uint64_t addr, uint64_t size, uint32_t stack, uint32_t stream)
{
	drop(h, addr);
	struct hp_block *b = hp_heap_insert(h, addr);
	if (!b)
		return -1;
	hp_block_set(b, size, stack, stream);
	h->bytes += size;
	return 0;
}

bool hp_heap_change_of(const struct hp_event *ev, struct hp_heap_change *c)
{
	if (!hp_change_of(ev->type, ev->flags, ev->addr, ev->addr2, ev->size, c))
		return false;
	c->size = hp_block_size(c->size);
	return true;
}

static bool heap_has(void *h, uint64_t addr)
{
	return hp_heap_find(h, addr) != NULL;
}

bool hp_heap_not_yet(struct hp_heap *h, const struct hp_event *ev)
{
	struct hp_heap_change c;

	hp_merge_note_heap(ev, heap_has, h); /* what a plan of the merge starts from */
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

_Static_assert(sizeof(struct hp_block) == 16, "a block is 16 bytes (live_heap.h)");
