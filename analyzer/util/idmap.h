/* idmap.h: a map from 64-bit keys to 32-bit values, open addressing, for the analyzer's tables. */
#ifndef HP_IDMAP_H
#define HP_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Zero-initialise; entries are never removed. */
struct hp_idmap {
	uint64_t *keys; /* 0: empty slot */
	uint32_t *vals;
	size_t cap, used;
	/* Key 0 cannot live in the table (0 marks an empty slot): it has a slot of its own. Keys come
	 * from traces, so 0 must work like any other. */
	bool has_zero;
	uint32_t zero_val;
};

/* A mixing function for keys that are addresses or small ids. */
static inline uint64_t hp_hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* The one hash of strings (FNV-1a), for maps keyed by content: collisions are the caller's to tell
 * apart, with hp_idmap_probe. */
static inline uint64_t hp_hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

/* The value slot of key (never 0). With insert, a new key gets a slot holding 0; NULL when memory
 * runs out. Without insert, NULL when the key is absent. Slots move when the map grows. */
uint32_t *hp_idmap_slot(struct hp_idmap *m, uint64_t key, bool insert);
/* The value of key, or NULL when it is absent; for readers of a map they do not change. */
const uint32_t *hp_idmap_find(const struct hp_idmap *m, uint64_t key);
/* A map keyed by a hash of content (hp_hash_str): the slot along key's rehash sequence whose value
 * same(value, ctx) accepts, or the new slot (holding 0) where that content belongs; NULL when memory
 * runs out. Values stored must not be 0, the mark of a new slot. */
uint32_t *hp_idmap_probe(struct hp_idmap *m, uint64_t key, bool (*same)(uint32_t value, const void *ctx),
			 const void *ctx);
void hp_idmap_free(struct hp_idmap *m);

#endif
