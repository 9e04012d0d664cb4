/* live_heap.h: the blocks alive at a point of a trace, by address: what the profile and exports replay. */
#ifndef HP_LIVE_HEAP_H
#define HP_LIVE_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "read/trace.h"

/* 16 bytes: a python3 run keeps millions alive at once. A block's address is its page's (the key of
 * its page in the index, below) and its offset there. */
struct hp_block {
	uint64_t size : 48;  /* hp_block_size: no allocation is this large */
	uint64_t offset : 12; /* the address within its 4 KiB page: the table's own */
	uint64_t kind : 4;   /* the user's own tag (profile_build.c: the leak kind of the latest scan) */
	union {
		uint32_t stack; /* hp_heap_replay's */
		uint32_t site;  /* or the user's own index (the profile's and the live view's site table,
				 * which knows the site's stack) */
	};
	uint32_t stream;
};

#define HP_BLOCK_SIZE_MAX ((UINT64_C(1) << 48) - 1)
#define HP_BLOCK_KINDS 16 /* kind's values */

/* A block's size as the models keep it: a trace that claims a block of 2^48 bytes or more (256 TiB:
 * none can exist on the machines that record) gets the largest that fits. */
static inline uint64_t hp_block_size(uint64_t size)
{
	return size < HP_BLOCK_SIZE_MAX ? size : HP_BLOCK_SIZE_MAX;
}

/* The blocks whose address lies in one 4 KiB page of addresses. A block costs its 16 bytes and the
 * array's slack, and a program that allocates and frees near where it did a moment ago touches the
 * same page's few cache lines; a table of 24-byte blocks hashed by address, which must stay half
 * empty, cost 48 to 96 bytes a block (python3's 2.8M live blocks made it 192 MB: docs/performance.md). */
#define HP_HEAP_PAGE_SHIFT 12
#define HP_HEAP_GRANULES 256 /* 16-byte granules in a page: where allocators put blocks */
#define HP_HEAP_MAPPED 255   /* the blocks before this index are in the page's map */

struct hp_heap_blocks {
	/* For each granule, 1 + the index of the block that starts there when it is one of the first
	 * HP_HEAP_MAPPED; 0: none, or a block found by a scan (past those, or at an address that is
	 * not a granule's: no allocator hands one out, but a trace may hold anything). */
	uint8_t at[HP_HEAP_GRANULES];
	struct hp_block block[]; /* in no order: a block removed takes the last one's place */
};

struct hp_heap_page {
	uint64_t key;                 /* the page's number + 1; 0: an empty slot of the index */
	struct hp_heap_blocks *blocks; /* n of cap */
	uint32_t n, cap;
};

/* Zero-initialise; walk the blocks with hp_heap_next, release with hp_heap_free. */
struct hp_heap {
	struct hp_heap_page *pages; /* the index: open addressing by the page's hash, at most half full */
	size_t pages_cap, npages;
	size_t used;    /* blocks alive */
	uint64_t bytes; /* live bytes: kept by hp_heap_replay only */
	/* The latest lookup, while no block has moved: every allocation event looks its address up
	 * twice, in hp_heap_not_yet and then in the model's own find or insert, and the second one
	 * takes the first one's answer. seen_addr 0: none. */
	uint64_t seen_addr;
	struct hp_block *seen; /* its block, or NULL when absent */
	/* The latest page found (seen_addr's when it has one), while no page has moved: most events
	 * are on the page of the one before, and its slot of the index is a cache miss when the index
	 * is large. */
	struct hp_heap_page *last_page;
};

/* The block at addr, or NULL. */
struct hp_block *hp_heap_find(struct hp_heap *h, uint64_t addr);

/* Where a walk of the blocks is: zero-initialise. `addr` is the address of the block last returned. */
struct hp_heap_walk {
	size_t page;
	uint32_t pos;
	uint64_t addr;
};

/* The next block of the walk, or NULL past the last; the table must not change during the walk
 * but for the blocks' own fields. */
static inline struct hp_block *hp_heap_next(struct hp_heap *h, struct hp_heap_walk *w)
{
	for (; w->page < h->pages_cap; w->page++, w->pos = 0) {
		struct hp_heap_page *pg = &h->pages[w->page];
		if (w->pos < pg->n) {
			struct hp_block *b = &pg->blocks->block[w->pos++];
			w->addr = (pg->key - 1) << HP_HEAP_PAGE_SHIFT | b->offset;
			return b;
		}
	}
	return NULL;
}

/* Frees the table; h is empty again. */
void hp_heap_free(struct hp_heap *h);

/* The block of addr (non-zero), created with its fields 0 if absent (h->used grows by one then);
 * NULL when memory runs out, or for addr 0 (callers check it first: a trace may hold anything).
 * Other blocks may move when addr is new. Its fields are then set with hp_block_set. */
struct hp_block *hp_heap_insert(struct hp_heap *h, uint64_t addr);

/* Gives a block of hp_heap_insert its fields, all but `offset`, which is the table's (a whole-struct
 * assignment would clear it); `id` is its stack or its site, its kind starts at 0. */
static inline void hp_block_set(struct hp_block *b, uint64_t size, uint32_t id, uint32_t stream)
{
	b->size = size;
	b->kind = 0;
	b->site = id;
	b->stream = stream;
}
/* Removes the block at addr, if there is one; other blocks may move. */
void hp_heap_remove(struct hp_heap *h, uint64_t addr);

/* The change ev makes (hp_change_of, read/trace.h: the block lifecycle), its size as the models keep
 * it; false when it makes none. */
bool hp_heap_change_of(const struct hp_event *ev, struct hp_heap_change *c);

/* True when ev cannot have happened yet, h being the blocks alive before it: it frees an address not
 * alive, or hands out one still alive (not its own realloc's). In a version 3 trace, events of other
 * threads in the same epoch may have to come first (docs/trace-format.md, "Epochs"): the callback
 * answers HP_EVENT_NOT_YET. Never with ev->last_chance: the lifecycle rule applies then. */
bool hp_heap_not_yet(struct hp_heap *h, const struct hp_event *ev);

/* Applies an allocation event to h by the rule above, keeping h->bytes, for a view that needs only
 * the blocks (dump's order). 0, or -1 when memory runs out. */
int hp_heap_replay(struct hp_heap *h, const struct hp_event *ev);

#endif
