/* live_heap.h: the blocks alive at a point of a trace, by address: what the profile and exports replay. */
#ifndef HP_LIVE_HEAP_H
#define HP_LIVE_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/idmap.h"

/* 24 bytes: a python3 run keeps millions alive at once, and the table is at most half full. */
struct hp_block {
	uint64_t addr;     /* 0: empty slot */
	uint64_t size : 56; /* hp_block_size: no allocation is this large */
	uint64_t kind : 8;  /* the user's own tag (profile_build.c: the leak kind of the latest scan) */
	union {
		uint32_t stack; /* hp_heap_replay's */
		uint32_t site;  /* or the user's own index (the profile's and the live view's site table,
				 * which knows the site's stack) */
	};
	uint32_t stream;
};

#define HP_BLOCK_SIZE_MAX ((UINT64_C(1) << 56) - 1)

/* A block's size as the models keep it: a trace that claims a block of 2^56 bytes or more (none can
 * exist: virtual addresses have 48 to 57 bits) gets the largest that fits. */
static inline uint64_t hp_block_size(uint64_t size)
{
	return size < HP_BLOCK_SIZE_MAX ? size : HP_BLOCK_SIZE_MAX;
}

/* The table is split in shards by a hash of the page, each grown on its own: a growing table is
 * copied into one twice its size, and a python3 run's 2.8M live blocks made that copy a third of
 * the report's peak memory when the table was one (docs/performance.md). */
#define HP_HEAP_SHARDS 4

struct hp_heap_shard {
	struct hp_block *slots;
	size_t cap, used;
};

/* Zero-initialise; walk the blocks with hp_heap_next, release with hp_heap_free. */
struct hp_heap {
	struct hp_heap_shard shard[HP_HEAP_SHARDS];
	size_t used;    /* blocks alive */
	uint64_t bytes; /* live bytes: kept by hp_heap_replay only */
	/* The latest lookup, while no slot has moved: every allocation event looks its address up
	 * twice, in hp_heap_not_yet and then in the model's own find or insert, and the second one
	 * takes the first one's answer instead of probing again (a probe is most of the heap
	 * model's time). seen_addr 0: none. */
	uint64_t seen_addr;
	struct hp_block *seen;       /* its block, or NULL when absent */
	struct hp_block *seen_empty; /* absent: the empty slot where the probe stopped */
};

/* An address's first slot in a shard of cap slots. The blocks of one 4 KiB page share a run of 256
 * slots, each 16-byte granule its own, and pages are spread by a hash: a program allocates and frees
 * near where it did a moment ago, so consecutive lookups touch the same few cache lines instead of
 * one miss each (a plain hash of the address made the heap model half of a report's time on
 * python3). */
static inline size_t hp_heap_home(uint64_t addr, size_t cap)
{
	return (size_t)((hp_hash64(addr >> 12) << 8) + ((addr >> 4) & 255)) & (cap - 1);
}

/* An address's shard: the top bits of the same hash, whose low bits place the run. */
static inline struct hp_heap_shard *hp_heap_shard_of(struct hp_heap *h, uint64_t addr)
{
	_Static_assert(HP_HEAP_SHARDS == 4, "the shard is the hash's top 2 bits");
	return &h->shard[hp_hash64(addr >> 12) >> 62];
}

static inline struct hp_block *hp_heap_find(struct hp_heap *h, uint64_t addr)
{
	if (addr == h->seen_addr && addr)
		return h->seen;
	struct hp_heap_shard *s = hp_heap_shard_of(h, addr);
	if (!s->cap || !addr) /* 0 marks an empty slot: it would "find" one */
		return NULL;
	for (size_t i = hp_heap_home(addr, s->cap);; i = (i + 1) & (s->cap - 1)) {
		struct hp_block *b = &s->slots[i];
		if (b->addr == addr || !b->addr) {
			h->seen_addr = addr;
			h->seen = b->addr ? b : NULL;
			h->seen_empty = b->addr ? NULL : b;
			return h->seen;
		}
	}
}

/* Where a walk of the blocks is: zero-initialise. */
struct hp_heap_walk {
	size_t shard, slot;
};

/* The next block of the walk, or NULL past the last; the table must not change during the walk
 * but for the blocks' own fields. */
static inline struct hp_block *hp_heap_next(struct hp_heap *h, struct hp_heap_walk *w)
{
	for (; w->shard < HP_HEAP_SHARDS; w->shard++, w->slot = 0) {
		const struct hp_heap_shard *s = &h->shard[w->shard];
		while (w->slot < s->cap) {
			struct hp_block *b = &s->slots[w->slot++];
			if (b->addr)
				return b;
		}
	}
	return NULL;
}

/* Frees the table; h is empty again. */
void hp_heap_free(struct hp_heap *h);

/* The slot of addr (non-zero), created with only addr set if absent (h->used grows by one then);
 * NULL when memory runs out, or for addr 0 (callers check it first: a trace may hold anything).
 * Other slots may move when addr is new. */
struct hp_block *hp_heap_insert(struct hp_heap *h, uint64_t addr);
/* Removes the block (a slot of h); other slots may move. */
void hp_heap_remove(struct hp_heap *h, struct hp_block *b);

struct hp_event;

/* The block lifecycle: what an allocation event does to the blocks alive, the one rule the profile
 * (profile_heap.c), the live view (live_stats.c) and hp_heap_replay follow. In this order:
 *  - a failed REALLOC changes nothing (the old block stays);
 *  - FREE, and REALLOC of a non-NULL pointer, remove the block at `gone` (an address not alive: a
 *    block from before recording, or a double free, removes nothing);
 *  - ALLOC, and REALLOC returning a block, add a block of `size` at `added`: at address 0 none (an
 *    anomaly: no allocator hands that out); at an address alive already, its block goes first (its
 *    free was lost: dropped, not leaked).
 * A REALLOC that moves is thus a free and an allocation. */
struct hp_heap_change {
	bool frees, adds;
	uint64_t gone, added, size;
};

/* The change ev makes; false when it makes none (not an allocation event, a failed realloc). */
bool hp_heap_change_of(const struct hp_event *ev, struct hp_heap_change *c);

/* True when ev cannot have happened yet, h being the blocks alive before it: it frees an address not
 * alive, or hands out one still alive (not its own realloc's). In a version 3 trace, events of other
 * threads in the same epoch may have to come first (docs/trace-format.md, "Epochs"): the callback
 * answers HP_EVENT_NOT_YET. Never with ev->last_chance: the rule above applies then. */
bool hp_heap_not_yet(struct hp_heap *h, const struct hp_event *ev);

/* Applies an allocation event to h by the rule above, keeping h->bytes, for a view that needs only
 * the blocks (dump's order). 0, or -1 when memory runs out. */
int hp_heap_replay(struct hp_heap *h, const struct hp_event *ev);

#endif
