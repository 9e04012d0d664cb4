/* leak_classify.c: marks live blocks reachable, possibly lost, definitely or indirectly lost. */
#include "model/leak_classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpt_format.h"

static const char *const heuristic_names[HP_HEURISTICS] = {
	[HP_HEUR_STDSTRING] = "stdstring",
	[HP_HEUR_LENGTH64] = "length64",
	[HP_HEUR_NEWARRAY] = "newarray",
	[HP_HEUR_MULTIPLE_INHERITANCE] = "multipleinheritance",
};

const char *hp_leak_heuristic_name(enum hp_leak_heuristic h)
{
	return (unsigned)h < HP_HEURISTICS ? heuristic_names[h] : "?";
}

int hp_leak_heuristics_parse(const char *list, char *err, size_t errlen)
{
	int mask = 0;

	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ",");
		int bit = -1;
		if (k == 3 && !strncmp(p, "all", 3))
			bit = HP_HEURISTICS_ALL;
		else if (k == 4 && !strncmp(p, "none", 4))
			bit = 0;
		for (int h = 0; h < HP_HEURISTICS && bit < 0; h++)
			if (strlen(heuristic_names[h]) == k && !strncmp(p, heuristic_names[h], k))
				bit = 1 << h;
		if (bit < 0) {
			snprintf(err, errlen,
				 "unknown leak heuristic '%.*s' (stdstring, length64, newarray, multipleinheritance, all, none)",
				 (int)k, p);
			return -1;
		}
		mask |= bit;
		p += k + (p[k] == ',');
	}
	return mask;
}

/* How many blocks start at or below addr (blocks are sorted by address). `near` is that count for an
 * address looked up just before, tried with the one after it before a binary search: a region's
 * words come in address order, several to a block (a recorded make -j2 of this tree: the lookups
 * went from 9% of its report's samples to 3.4%). A miss costs two comparisons. */
static size_t blocks_up_to(const struct hp_live_block *blocks, size_t nblocks, uint64_t addr, size_t near)
{
	for (size_t k = near; k <= near + 1 && k <= nblocks; k++)
		if ((k == 0 || blocks[k - 1].addr <= addr) && (k == nblocks || addr < blocks[k].addr))
			return k;
	size_t lo = 0, hi = nblocks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (addr < blocks[mid].addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

long hp_leak_block_of(const struct hp_live_block *blocks, size_t nblocks, uint64_t addr, size_t *near)
{
	size_t k = *near = blocks_up_to(blocks, nblocks, addr, *near);

	if (k == 0)
		return -1;
	const struct hp_live_block *b = &blocks[k - 1];
	return addr == b->addr || addr - b->addr < b->size ? (long)(k - 1) : -1;
}

/* ---- what the heuristics read: words by address ------------------------------------------ */

struct contents {
	struct hp_region_word *head, *vtable; /* sorted by loc */
	size_t nhead, nvtable;
};

static int cmp_loc(const void *x, const void *y)
{
	const struct hp_region_word *a = x, *b = y;
	return a->loc < b->loc ? -1 : a->loc > b->loc;
}

static const struct hp_region_word *find(const struct hp_region_word *w, size_t n, uint64_t loc)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w[mid].loc < loc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && w[lo].loc == loc ? &w[lo] : NULL;
}

static int contents_build(struct contents *c, const struct hp_region_word *words, size_t nwords)
{
	size_t nh = 0, nv = 0;

	for (size_t i = 0; i < nwords; i++) {
		nh += words[i].region == HP_REGION_CONTENTS + HPT_CONTENT_HEAD;
		nv += words[i].region == HP_REGION_CONTENTS + HPT_CONTENT_VTABLE;
	}
	c->head = malloc((nh ? nh : 1) * sizeof(*c->head));
	c->vtable = malloc((nv ? nv : 1) * sizeof(*c->vtable));
	if (!c->head || !c->vtable)
		return -1;
	for (size_t i = 0; i < nwords; i++) {
		if (words[i].region == HP_REGION_CONTENTS + HPT_CONTENT_HEAD)
			c->head[c->nhead++] = words[i];
		else if (words[i].region == HP_REGION_CONTENTS + HPT_CONTENT_VTABLE)
			c->vtable[c->nvtable++] = words[i];
	}
	qsort(c->head, c->nhead, sizeof(*c->head), cmp_loc);
	qsort(c->vtable, c->nvtable, sizeof(*c->vtable), cmp_loc);
	return 0;
}

/* memcheck's heuristic_reachedness: which heuristic, if any, takes ptr (inside b, not at its start)
 * for a start pointer. Returns enum hp_leak_heuristic + 1, or 0. */
static int heuristic_of(const struct contents *c, const struct hp_live_block *b, uint64_t ptr, unsigned on)
{
	const struct hp_region_word *w0 = find(c->head, c->nhead, b->addr);

	if ((on & 1u << HP_HEUR_STDSTRING) && ptr == b->addr + 24 && w0) {
		const struct hp_region_word *w1 = find(c->head, c->nhead, b->addr + 8);
		if (w1 && 24 + w1->value + 1 == b->size && w0->value <= w1->value)
			return HP_HEUR_STDSTRING + 1;
	}
	if ((on & 1u << HP_HEUR_LENGTH64) && ptr == b->addr + 8 && w0 && w0->value > 0 && b->size - 8 == w0->value)
		return HP_HEUR_LENGTH64 + 1;
	if ((on & 1u << HP_HEUR_NEWARRAY) && ptr == b->addr + 8 && w0 && w0->value > 0 && b->size >= 8 &&
	    (b->size - 8) % w0->value == 0)
		return HP_HEUR_NEWARRAY + 1;
	if ((on & 1u << HP_HEUR_MULTIPLE_INHERITANCE) && !(ptr & 7) && find(c->vtable, c->nvtable, ptr) &&
	    find(c->vtable, c->nvtable, b->addr))
		return HP_HEUR_MULTIPLE_INHERITANCE + 1;
	return 0;
}

/* ---- the graph ------------------------------------------------------------------------------ */

/* Edges between blocks in compressed rows: the targets of block i are to[first[i] .. first[i+1]). */
struct graph {
	size_t *first;
	uint32_t *to;
	uint8_t *how; /* 0 interior pointer, 1 start pointer, 2 + h: taken for one by heuristic h */
};

static bool is_pointer_region(uint8_t region)
{
	return region < HP_REGION_CONTENTS;
}

/* The block a word lies in when it is a block's content (-1: a root, -2: neither). */
static long source_of(const struct hp_live_block *blocks, size_t nblocks, const struct hp_region_word *w,
		      size_t *near)
{
	if (w->region != HPT_REGION_HEAP && w->region != HPT_REGION_MAPPED)
		return -1;
	long src = hp_leak_block_of(blocks, nblocks, w->loc, near);
	return src >= 0 ? src : w->region == HPT_REGION_MAPPED ? -1 : -2;
}

static uint8_t edge_how(const struct contents *c, const struct hp_live_block *b, uint64_t ptr, unsigned on)
{
	if (ptr == b->addr)
		return 1;
	int h = on ? heuristic_of(c, b, ptr, on) : 0;
	return h ? (uint8_t)(1 + h) : 0;
}

/* Each word's two ends, looked up once for the passes below (a binary search each: with a large
 * heap left at exit, as cc1 leaves it, they were a sixth of a report): src[i] is source_of word i
 * (-2 for a word that points nowhere it could: not a pointer region), dst[i] the block its value
 * points into, or -1. */
struct ends {
	int32_t *src, *dst;
};

static int ends_build(struct ends *e, const struct hp_live_block *blocks, size_t nblocks,
		      const struct hp_region_word *words, size_t nwords)
{
	e->src = malloc((nwords ? nwords : 1) * sizeof(*e->src));
	e->dst = malloc((nwords ? nwords : 1) * sizeof(*e->dst));
	if (!e->src || !e->dst)
		return -1;
	size_t src_near = 0, dst_near = 0;
	for (size_t i = 0; i < nwords; i++) {
		bool pointer = is_pointer_region(words[i].region);
		e->src[i] = pointer ? (int32_t)source_of(blocks, nblocks, &words[i], &src_near) : -2;
		e->dst[i] = e->src[i] != -2 ? (int32_t)hp_leak_block_of(blocks, nblocks, words[i].value, &dst_near) : -1;
	}
	return 0;
}

static int build_graph(const struct hp_live_block *blocks, size_t nblocks, const struct hp_region_word *words,
		       size_t nwords, const struct ends *ends, const struct contents *c, unsigned on, struct graph *g)
{
	g->first = calloc(nblocks + 1, sizeof(*g->first));
	if (!g->first)
		return -1;
	for (size_t i = 0; i < nwords; i++)
		if (ends->src[i] >= 0 && ends->dst[i] >= 0)
			g->first[ends->src[i] + 1]++;
	for (size_t i = 0; i < nblocks; i++)
		g->first[i + 1] += g->first[i];
	size_t nedges = g->first[nblocks];
	g->to = malloc((nedges ? nedges : 1) * sizeof(*g->to));
	g->how = malloc(nedges ? nedges : 1);
	size_t *fill = malloc((nblocks + 1) * sizeof(*fill));
	if (!g->to || !g->how || !fill) {
		free(fill);
		return -1;
	}
	for (size_t i = 0; i <= nblocks; i++)
		fill[i] = g->first[i];
	for (size_t i = 0; i < nwords; i++) {
		int32_t src = ends->src[i], dst = ends->dst[i];
		if (src < 0 || dst < 0)
			continue;
		g->to[fill[src]] = (uint32_t)dst;
		g->how[fill[src]] = edge_how(c, &blocks[dst], words[i].value, on);
		fill[src]++;
	}
	free(fill);
	return 0;
}

enum { UNREACHED = 0, POSSIBLE = 1, REACHABLE = 2, DEFINITE = 3, INDIRECT = 4 };

/* Pushes dst if the edge upgrades it; memcheck's rule: a start pointer (or one a heuristic takes for
 * one) from a definitely reached place makes a block reachable, anything else at most possible. A
 * block reached through a heuristic keeps its name until a true start pointer reaches it. */
static void reach(uint8_t *state, uint8_t *heur, uint32_t *stack, size_t *top, uint32_t dst, uint8_t how,
		  int from_reachable)
{
	uint8_t want = how && from_reachable ? REACHABLE : POSSIBLE;

	if (state[dst] == REACHABLE) {
		if (how == 1 && from_reachable)
			heur[dst] = 0;
		return;
	}
	if (state[dst] < want) {
		state[dst] = want;
		heur[dst] = want == REACHABLE && how > 1 ? (uint8_t)(how - 1) : 0;
		stack[(*top)++] = dst;
	}
}

int hp_leak_classify(struct hp_live_block *blocks, size_t nblocks, const struct hp_region_word *words,
		     size_t nwords, unsigned heuristics)
{
	struct graph g = {0};
	struct contents c = {0};
	struct ends ends = {0};
	uint8_t *state = calloc(nblocks ? nblocks : 1, 1);
	uint8_t *heur = calloc(nblocks ? nblocks : 1, 1);
	/* A block is pushed at most twice (unreached → possible → reachable). */
	uint32_t *stack = malloc((2 * nblocks + 1) * sizeof(*stack));
	int rc = -1;

	if (!state || !heur || !stack || nblocks > INT32_MAX || contents_build(&c, words, nwords) ||
	    ends_build(&ends, blocks, nblocks, words, nwords) ||
	    build_graph(blocks, nblocks, words, nwords, &ends, &c, heuristics, &g))
		goto out;

	size_t top = 0;
	for (size_t i = 0; i < nwords; i++) {
		int32_t dst = ends.dst[i];
		if (ends.src[i] == -1 && dst >= 0)
			reach(state, heur, stack, &top, (uint32_t)dst, edge_how(&c, &blocks[dst], words[i].value, heuristics), 1);
	}
	while (top) {
		uint32_t b = stack[--top];
		for (size_t e = g.first[b]; e < g.first[b + 1]; e++)
			reach(state, heur, stack, &top, g.to[e], g.how[e], state[b] == REACHABLE);
	}

	/* Cliques: each still unreached block, in address order, leads the blocks only it reaches. */
	for (size_t i = 0; i < nblocks; i++) {
		if (state[i] != UNREACHED)
			continue;
		state[i] = DEFINITE;
		top = 0;
		stack[top++] = (uint32_t)i;
		while (top) {
			uint32_t b = stack[--top];
			for (size_t e = g.first[b]; e < g.first[b + 1]; e++) {
				uint32_t t = g.to[e];
				if (t != i && (state[t] == UNREACHED || state[t] == DEFINITE)) {
					state[t] = INDIRECT;
					stack[top++] = t;
				}
			}
		}
	}
	static const uint8_t kinds[] = {
		[POSSIBLE] = HP_LEAK_POSSIBLE, [REACHABLE] = HP_LEAK_REACHABLE,
		[DEFINITE] = HP_LEAK_DEFINITE, [INDIRECT] = HP_LEAK_INDIRECT,
	};
	for (size_t i = 0; i < nblocks; i++) {
		blocks[i].kind = kinds[state[i]];
		blocks[i].heuristic = state[i] == REACHABLE ? heur[i] : 0;
	}
	rc = 0;
out:
	free(ends.src);
	free(ends.dst);
	free(g.first);
	free(g.to);
	free(g.how);
	free(c.head);
	free(c.vtable);
	free(state);
	free(heur);
	free(stack);
	return rc;
}
