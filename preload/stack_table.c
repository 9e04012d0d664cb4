/* stack_table.c: open-addressing hash table of stacks with lock-free lookup and locked insertion. */
#include "stack_table.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "own_memory.h"

struct slot {
	_Atomic uint64_t hash; /* 0: empty; published after entry */
	struct hp_stack_entry *entry;
};

struct table {
	uint64_t mask;
	uint64_t used;
	struct slot slots[];
};

#define ARENA_RESERVE (1ull << 32) /* virtual; pages are touched only as stacks are added */
#define INITIAL_SLOTS 4096

static _Atomic(struct table *) current;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *arena;
static uint64_t arena_used;
static uint32_t next_id = 1;

static uint64_t hash_ips(const uint64_t *ips, uint32_t depth)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ depth;

	for (uint32_t i = 0; i < depth; i++) {
		h ^= ips[i];
		h *= 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	return h | 1;
}

static struct table *table_new(uint64_t nslots)
{
	uint64_t bytes = sizeof(struct table) + nslots * sizeof(struct slot);
	struct table *t = hp_own_map(bytes);

	if (t)
		t->mask = nslots - 1;
	return t;
}

static struct hp_stack_entry *find(struct table *t, uint64_t h, const uint64_t *ips, uint32_t depth)
{
	for (uint64_t i = h & t->mask, n = 0; n <= t->mask; i = (i + 1) & t->mask, n++) {
		uint64_t k = atomic_load_explicit(&t->slots[i].hash, memory_order_acquire);
		if (k == 0)
			return NULL;
		struct hp_stack_entry *e = t->slots[i].entry;
		if (k == h && e->depth == depth && !memcmp(e->ips, ips, depth * sizeof(*ips)))
			return e;
	}
	return NULL;
}

/* Under lock: the slot is filled before its hash is published, so lock-free readers see both. */
static void place(struct table *t, uint64_t h, struct hp_stack_entry *e)
{
	uint64_t i = h & t->mask;

	while (atomic_load_explicit(&t->slots[i].hash, memory_order_relaxed))
		i = (i + 1) & t->mask;
	t->slots[i].entry = e;
	atomic_store_explicit(&t->slots[i].hash, h, memory_order_release);
	t->used++;
}

static bool grow(struct table *t)
{
	struct table *bigger = table_new((t->mask + 1) * 2);

	if (!bigger)
		return false;
	for (uint64_t i = 0; i <= t->mask; i++) {
		uint64_t k = atomic_load_explicit(&t->slots[i].hash, memory_order_relaxed);
		if (k)
			place(bigger, k, t->slots[i].entry);
	}
	atomic_store_explicit(&current, bigger, memory_order_release);
	return true;
}

uint32_t hp_stack_intern(const uint64_t *ips, uint32_t depth, bool *is_new, const uint64_t **stored)
{
	uint64_t h = hash_ips(ips, depth);
	struct table *t = atomic_load_explicit(&current, memory_order_acquire);
	struct hp_stack_entry *e;
	uint32_t id = 0;

	*is_new = false;
	if (t && (e = find(t, h, ips, depth))) {
		*stored = e->ips;
		return e->id;
	}

	pthread_mutex_lock(&lock);
	if (!arena && !(arena = hp_own_map(ARENA_RESERVE)))
		goto out;
	t = atomic_load_explicit(&current, memory_order_relaxed);
	if (!t) {
		if (!(t = table_new(INITIAL_SLOTS)))
			goto out;
		atomic_store_explicit(&current, t, memory_order_release);
	}
	if ((e = find(t, h, ips, depth))) {
		id = e->id;
		*stored = e->ips;
		goto out;
	}
	uint64_t size = sizeof(*e) + depth * sizeof(*ips);
	if (arena_used + size > ARENA_RESERVE)
		goto out;
	if (2 * (t->used + 1) > t->mask + 1) {
		if (!grow(t))
			goto out;
		t = atomic_load_explicit(&current, memory_order_relaxed);
	}
	e = (struct hp_stack_entry *)(arena + arena_used);
	arena_used += (size + 7) & ~7ull;
	e->id = next_id++;
	e->depth = depth;
	memcpy(e->ips, ips, depth * sizeof(*ips));
	place(t, h, e);
	id = e->id;
	*stored = e->ips;
	*is_new = true;
out:
	pthread_mutex_unlock(&lock);
	return id;
}

void hp_stack_foreach(void (*fn)(const struct hp_stack_entry *e, void *arg), void *arg)
{
	pthread_mutex_lock(&lock);
	for (uint64_t off = 0; off < arena_used;) {
		const struct hp_stack_entry *e = (const struct hp_stack_entry *)(arena + off);
		fn(e, arg);
		off += (sizeof(*e) + e->depth * sizeof(uint64_t) + 7) & ~7ull;
	}
	pthread_mutex_unlock(&lock);
}

void hp_stack_fork_lock(void)
{
	pthread_mutex_lock(&lock);
}

void hp_stack_fork_unlock(void)
{
	pthread_mutex_unlock(&lock);
}
