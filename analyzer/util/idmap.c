/* idmap.c: the u64 → u32 map of idmap.h: linear probing, grown at half full. */
#include "util/idmap.h"

#include <stdlib.h>

uint32_t *hp_idmap_slot(struct hp_idmap *m, uint64_t key, bool insert)
{
	if (!key) {
		if (!m->has_zero && !insert)
			return NULL;
		m->has_zero = true;
		return &m->zero_val;
	}
	if (insert && 2 * (m->used + 1) > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		uint64_t *keys = calloc(cap, sizeof(*keys));
		uint32_t *vals = calloc(cap, sizeof(*vals));
		if (!keys || !vals) {
			free(keys);
			free(vals);
			return NULL;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->keys[i])
				continue;
			size_t j = hp_hash64(m->keys[i]) & (cap - 1);
			while (keys[j])
				j = (j + 1) & (cap - 1);
			keys[j] = m->keys[i];
			vals[j] = m->vals[i];
		}
		free(m->keys);
		free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->cap = cap;
	}
	if (!insert)
		return (uint32_t *)hp_idmap_find(m, key);
	for (size_t i = hp_hash64(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key)
			return &m->vals[i];
		if (!m->keys[i]) {
			m->keys[i] = key;
			m->used++;
			return &m->vals[i];
		}
	}
}

const uint32_t *hp_idmap_find(const struct hp_idmap *m, uint64_t key)
{
	if (!key)
		return m->has_zero ? &m->zero_val : NULL;
	if (!m->cap)
		return NULL;
	for (size_t i = hp_hash64(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key)
			return &m->vals[i];
		if (!m->keys[i])
			return NULL;
	}
}

uint32_t *hp_idmap_probe(struct hp_idmap *m, uint64_t key, bool (*same)(uint32_t value, const void *ctx),
			 const void *ctx)
{
	for (;; key = hp_hash64(key + 1)) {
		uint32_t *slot = hp_idmap_slot(m, key, true);
		if (!slot || !*slot || same(*slot, ctx))
			return slot;
	}
}

void hp_idmap_free(struct hp_idmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->used = 0;
	m->has_zero = false;
	m->zero_val = 0;
}
