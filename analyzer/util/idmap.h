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

/* The value slot of key (never 0). With insert, a new key gets a slot holding 0; NULL when memory
 * runs out. Without insert, NULL when the key is absent. Slots move when the map grows. */
uint32_t *hp_idmap_slot(struct hp_idmap *m, uint64_t key, bool insert);
void hp_idmap_free(struct hp_idmap *m);

#endif
