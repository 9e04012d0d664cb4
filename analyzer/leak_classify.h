/* leak_classify.h: valgrind memcheck's leak categories for the blocks live at a reachability scan.
 *
 * Input: the blocks live at the scan (from the trace's events) and the words the recorder found
 * (SCAN_WORDS). A word in a root region (data, stack, registers, TLS) or inside a live block that
 * points into a live block is an edge; a pointer to a block's first byte is a start pointer, any
 * other byte inside it an interior pointer. Then, as memcheck does:
 *   reachable  — a chain of start pointers from a root;
 *   possible   — reachable from a root only through some interior pointer;
 *   definite   — not reachable from a root, and not pointed to by another unreachable block;
 *   indirect   — not reachable from a root, but pointed to by an unreachable block (a list or tree
 *                dropped at its head: the head is definite, the rest indirect).
 * Unreachable cycles are broken in address order: the lowest block is definite.
 */
#ifndef HP_LEAK_CLASSIFY_H
#define HP_LEAK_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "trace.h"

struct hp_live_block {
	uint64_t addr;
	uint64_t size;
	uint32_t stack;
	uint8_t kind; /* enum hp_leak_kind, set by hp_leak_classify */
};

struct hp_region_word {
	uint64_t loc;
	uint64_t value;
	uint8_t region; /* enum hpt_scan_region */
};

/* blocks must be sorted by address and not overlap. Sets every block's kind. Returns 0, or -1 when
 * memory runs out (kinds are then left HP_LEAK_UNCLASSIFIED). */
int hp_leak_classify(struct hp_live_block *blocks, size_t nblocks, const struct hp_region_word *words,
		     size_t nwords);

/* Index of the block containing addr, or -1. A zero-sized block contains only its own address. */
long hp_leak_block_of(const struct hp_live_block *blocks, size_t nblocks, uint64_t addr);

#endif
