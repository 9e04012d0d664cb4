/* live_heap.h: the blocks alive at a point of a trace, by address: what the profile and exports replay. */
#ifndef HP_LIVE_HEAP_H
#define HP_LIVE_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "util/idmap.h"

struct hp_block {
	uint64_t addr; /* 0: empty slot */
	uint64_t size;
	uint32_t stack;
	uint32_t site;   /* the user's own index (profile_build.c: its site table) */
	uint32_t stream;
	uint8_t kind;    /* the user's own tag (profile_build.c: the leak kind of the latest scan) */
};

/* Zero-initialise; iterate over slots[0..cap) skipping addr 0. */
struct hp_heap {
	struct hp_block *slots;
	size_t cap, used;
	uint64_t bytes; /* live bytes: kept by hp_heap_replay only */
};

static inline struct hp_block *hp_heap_find(struct hp_heap *h, uint64_t addr)
{
	if (!h->cap || !addr) /* 0 marks an empty slot: it would "find" one */
		return NULL;
	for (size_t i = hp_hash64(addr) & (h->cap - 1);; i = (i + 1) & (h->cap - 1)) {
		if (h->slots[i].addr == addr)
			return &h->slots[i];
		if (!h->slots[i].addr)
			return NULL;
	}
}

/* The slot of addr (non-zero), created with only addr set if absent (h->used grows by one then);
 * NULL when memory runs out, or for addr 0 (callers check it first: a trace may hold anything).
 * Other slots may move when addr is new. */
struct hp_block *hp_heap_insert(struct hp_heap *h, uint64_t addr);
/* Removes the block (a slot of h); other slots may move. */
void hp_heap_remove(struct hp_heap *h, struct hp_block *b);

struct hp_event;
/* Applies an allocation event (ALLOC, FREE, REALLOC; others are ignored) to h the simple way, as
 * the exports need it: a block at a live address replaces it, a free of an unknown address is
 * ignored. 0, or -1 when memory runs out. */
int hp_heap_replay(struct hp_heap *h, const struct hp_event *ev);

#endif
