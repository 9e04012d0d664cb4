/* leak_classify.h: valgrind memcheck's leak categories for the blocks live at a reachability scan.
 *
 * Input: the blocks live at the scan (from the trace's events) and the words the recorder found
 * (SCAN_WORDS, SCAN_CONTENTS). Roots are the words of regions data, stack, registers and TLS, and
 * the words of memory the program mapped itself (region mapped) that lie outside every live block.
 * A word inside a live block (regions heap and mapped) is an edge from that block. A pointer to a
 * block's first byte is a start pointer, any other byte inside it an interior pointer, unless one of
 * memcheck's heuristics (below) recognises it, when it counts as a start pointer. Then, as memcheck:
 *   reachable  — a chain of start pointers from a root;
 *   possible   — reachable from a root only through some interior pointer;
 *   definite   — not reachable from a root, and not pointed to by another unreachable block;
 *   indirect   — not reachable from a root, but pointed to by an unreachable block (a list or tree
 *                dropped at its head: the head is definite, the rest indirect).
 * Unreachable cycles are broken in address order: the lowest block is definite.
 *
 * Heuristics (memcheck's names and tests): stdstring — 24 bytes into a block that starts with a
 * length and a capacity, capacity + 25 being its size (the old std::string); length64 — 8 bytes into
 * a block whose first word is its size minus 8; newarray — 8 bytes into a block whose first word, a
 * count, divides its size minus 8 (new[] of objects with a destructor); multipleinheritance — a
 * pointer to a vtable pointer inside a block that starts with a vtable pointer.
 */
#ifndef HP_LEAK_CLASSIFY_H
#define HP_LEAK_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "model/profile.h"
#include "read/trace.h"

/* Regions of the words given to hp_leak_classify: enum hpt_scan_region, and the SCAN_CONTENTS kinds
 * at HP_REGION_CONTENTS + enum hpt_scan_content (what the heuristics read, never pointers). */
#define HP_REGION_CONTENTS 16

struct hp_live_block {
	uint64_t addr;
	uint64_t size;
	uint32_t stack;
	uint8_t kind;      /* enum hp_leak_kind, set by hp_leak_classify */
	uint8_t heuristic; /* reachable only through a heuristic: enum hp_leak_heuristic + 1; else 0 */
};

/* 16 bytes: a scan of a large heap holds millions (an address fits 56 bits, a region 8). */
struct hp_region_word {
	uint64_t loc : 56;
	uint64_t region : 8;
	uint64_t value;
};

/* blocks must be sorted by address and not overlap. heuristics: a mask of 1 << enum
 * hp_leak_heuristic. Sets every block's kind and heuristic. Returns 0, or -1 when memory runs out
 * (kinds are then left HP_LEAK_UNCLASSIFIED). */
int hp_leak_classify(struct hp_live_block *blocks, size_t nblocks, const struct hp_region_word *words,
		     size_t nwords, unsigned heuristics);

/* Index of the block containing addr, or -1. A zero-sized block contains only its own address.
 * *near: how many blocks start at or below an address looked up before (0 at first), updated: the
 * answer is quick when addr is near that one. */
long hp_leak_block_of(const struct hp_live_block *blocks, size_t nblocks, uint64_t addr, size_t *near);

const char *hp_leak_heuristic_name(enum hp_leak_heuristic h);

/* Parses a heuristic list as memcheck's --leak-check-heuristics does (names, "all", "none"). Returns
 * the mask, or -1 naming the bad word in err. */
int hp_leak_heuristics_parse(const char *list, char *err, size_t errlen);

#endif
