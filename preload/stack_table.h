/* stack_table.h: interns call stacks (arrays of instruction pointers) to small ids, once per process.
 *
 * Threading: lookups are lock-free (the common case once a program warmed up); inserting a stack
 * never seen before takes `lock`. A table is never freed while the process lives: a reader may still
 * probe an old table after a resize, and finds the stack in the new one under the lock. Stacks are
 * kept in an append-only arena so that a forked child can define them again in its own trace.
 */
#ifndef HP_STACK_TABLE_H
#define HP_STACK_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recorder.h"

struct hp_stack_entry {
	uint32_t id;
	uint32_t depth;
	uint64_t ips[];
};

/* Returns the id of ips[0..depth) (depth >= 1), 0 when no memory is left for a new stack; *is_new
 * tells the caller to write the STACK definition before the event that uses it. *stored (with an id)
 * points to the table's copy of the frames, which lives as long as the process. */
uint32_t hp_stack_intern(const uint64_t *ips, uint32_t depth, bool *is_new, const uint64_t **stored) HP_HIDDEN;

/* Calls fn for every interned stack in id order (fork child: define them again). */
void hp_stack_foreach(void (*fn)(const struct hp_stack_entry *e, void *arg), void *arg) HP_HIDDEN;

/* Around fork: the child must not inherit a table in the middle of an insertion. */
void hp_stack_fork_lock(void) HP_HIDDEN;
void hp_stack_fork_unlock(void) HP_HIDDEN;

#endif
