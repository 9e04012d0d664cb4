/* inline_scopes.c: the inlined-call nesting of a compile unit, indexed once by address.
 *
 * dwarf_getscopes walks a unit's DIE tree from its root for every address it is asked about; an
 * interpreter's core (python's ceval.c: thousands of inlined calls in one unit) made that a quarter
 * of a report's time. Here a unit is walked once: each function and inlined call becomes a node
 * (with its parent among them) holding its address ranges, and the ranges sorted by start answer an
 * address with a binary search. Ranges nest as the DIEs do, so the last range starting at or below
 * pc belongs to the innermost scope around pc or to a descendant of it: its first ancestor holding
 * pc is that scope.
 */
#include "model/inline_scopes.h"

#include <dwarf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"
#include "util/idmap.h"

struct node {
	Dwarf_Die die;
	int32_t parent; /* the enclosing node, -1 for none */
	bool inlined;   /* DW_TAG_inlined_subroutine; else DW_TAG_subprogram */
	uint32_t first, n; /* its ranges in unit.ranges */
};

struct range {
	Dwarf_Addr lo, hi;
	uint32_t node;
};

struct unit {
	struct node *nodes;
	size_t nnodes, nodes_cap;
	struct range *ranges; /* node order: a node's ranges are consecutive */
	struct range *by_lo;  /* the same, sorted by start (the outer scope first on a tie) */
	size_t nranges, ranges_cap;
	bool unusable;
};

struct hp_inline_scopes {
	struct hp_idmap unit_of; /* a unit's DIE offset → its index in units, + 1 */
	struct unit *units;
	size_t nunits, units_cap;
	Dwarf_Die *out;
	size_t out_cap;
};

struct hp_inline_scopes *hp_inline_scopes_new(void)
{
	return calloc(1, sizeof(struct hp_inline_scopes));
}

void hp_inline_scopes_free(struct hp_inline_scopes *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->nunits; i++) {
		free(x->units[i].nodes);
		free(x->units[i].ranges);
		free(x->units[i].by_lo);
	}
	free(x->units);
	free(x->out);
	hp_idmap_free(&x->unit_of);
	free(x);
}

/* Adds die as a node under parent, with its address ranges; its index, or -1 when memory ran out. */
static int32_t add_node(struct unit *u, Dwarf_Die *die, int32_t parent, bool inlined)
{
	struct node *nodes = hp_grow(u->nodes, &u->nodes_cap, u->nnodes + 1, sizeof(*nodes));
	if (!nodes)
		return -1;
	u->nodes = nodes;
	uint32_t self = (uint32_t)u->nnodes;
	struct node *nd = &u->nodes[u->nnodes++];
	*nd = (struct node){.die = *die, .parent = parent, .inlined = inlined, .first = (uint32_t)u->nranges};
	Dwarf_Addr base, lo, hi;
	for (ptrdiff_t off = 0; (off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0;) {
		if (lo >= hi)
			continue;
		struct range *ranges = hp_grow(u->ranges, &u->ranges_cap, u->nranges + 1, sizeof(*ranges));
		if (!ranges)
			return -1;
		u->ranges = ranges;
		u->ranges[u->nranges++] = (struct range){lo, hi, self};
		u->nodes[self].n++;
	}
	return (int32_t)self;
}

/* Walks the unit's DIE tree once, depth first, without recursion (nesting is the program's). */
static int walk(struct unit *u, Dwarf_Die *cu)
{
	struct level {
		Dwarf_Die die;
		int32_t node; /* the innermost function or inlined call around die's children */
	} *stack = NULL;
	size_t depth = 0, cap = 0;
	int rc = 0;
	Dwarf_Die child;

	if (dwarf_child(cu, &child) != 0)
		return 0;
	if (!(stack = hp_grow(NULL, &cap, 1, sizeof(*stack))))
		return -1;
	stack[depth++] = (struct level){child, -1};
	while (depth) {
		struct level *l = &stack[depth - 1];
		int tag = dwarf_tag(&l->die);
		int32_t inner = l->node;
		if (tag == DW_TAG_imported_unit) {
			rc = -1; /* its DIEs live in another unit: libdw follows them */
			break;
		}
		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
			inner = add_node(u, &l->die, l->node, tag == DW_TAG_inlined_subroutine);
			if (inner < 0) {
				rc = -1;
				break;
			}
		}
		Dwarf_Die first, here = l->die;
		/* The next DIE to visit replaces this one: its sibling, or its parent's sibling. */
		if (dwarf_siblingof(&here, &l->die) != 0)
			depth--;
		if (dwarf_haschildren(&here) && dwarf_child(&here, &first) == 0) {
			struct level *more = hp_grow(stack, &cap, depth + 1, sizeof(*more));
			if (!more) {
				rc = -1;
				break;
			}
			stack = more;
			stack[depth++] = (struct level){first, inner};
		}
	}
	free(stack);
	return rc;
}

static int by_start(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi > y->hi ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node; /* a parent's node comes before its children's */
}

static struct unit *unit_of(struct hp_inline_scopes *x, Dwarf_Die *cu)
{
	uint32_t *slot = hp_idmap_slot(&x->unit_of, dwarf_dieoffset(cu), true);

	if (!slot)
		return NULL;
	if (*slot)
		return &x->units[*slot - 1];
	struct unit *units = hp_grow(x->units, &x->units_cap, x->nunits + 1, sizeof(*units));
	if (!units)
		return NULL;
	x->units = units;
	struct unit *u = &x->units[x->nunits++];
	*slot = (uint32_t)x->nunits;
	*u = (struct unit){0};
	u->unusable = walk(u, cu) != 0;
	if (!u->unusable && u->nranges) {
		u->by_lo = malloc(u->nranges * sizeof(*u->by_lo));
		if (u->by_lo) {
			memcpy(u->by_lo, u->ranges, u->nranges * sizeof(*u->by_lo));
			qsort(u->by_lo, u->nranges, sizeof(*u->by_lo), by_start);
		} else {
			u->unusable = true;
		}
	}
	return u;
}

static bool holds(const struct unit *u, const struct node *nd, Dwarf_Addr pc)
{
	for (uint32_t i = 0; i < nd->n; i++)
		if (u->ranges[nd->first + i].lo <= pc && pc < u->ranges[nd->first + i].hi)
			return true;
	return false;
}

/* The innermost node around pc, or -1. */
static int32_t innermost(const struct unit *u, Dwarf_Addr pc)
{
	size_t lo = 0, hi = u->nranges; /* the first range starting above pc */

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (u->by_lo[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -1;
	int32_t n = (int32_t)u->by_lo[lo - 1].node;
	while (n >= 0 && !holds(u, &u->nodes[n], pc))
		n = u->nodes[n].parent;
	return n;
}

int hp_inline_scopes_at(struct hp_inline_scopes *x, Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die **dies)
{
	struct unit *u = unit_of(x, cu);

	if (!u || u->unusable)
		return -1;
	int n = 0;
	for (int32_t i = u->nranges ? innermost(u, pc) : -1; i >= 0 && u->nodes[i].inlined; i = u->nodes[i].parent) {
		Dwarf_Die *out = hp_grow(x->out, &x->out_cap, (size_t)n + 1, sizeof(*out));
		if (!out)
			return -1;
		x->out = out;
		x->out[n++] = u->nodes[i].die;
	}
	*dies = x->out;
	return n;
}
