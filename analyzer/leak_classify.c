/* leak_classify.c: marks live blocks reachable, possibly lost, definitely or indirectly lost. */
#include "leak_classify.h"

#include <stdlib.h>

#include "hpt_format.h"

long hp_leak_block_of(const struct hp_live_block *blocks, size_t nblocks, uint64_t addr)
{
	size_t lo = 0, hi = nblocks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (addr < blocks[mid].addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == 0)
		return -1;
	const struct hp_live_block *b = &blocks[lo - 1];
	if (addr == b->addr || addr - b->addr < b->size)
		return (long)(lo - 1);
	return -1;
}

/* Edges between blocks in compressed rows: the targets of block i are to[first[i] .. first[i+1]). */
struct graph {
	size_t *first;
	uint32_t *to;
	uint8_t *start; /* 1: the edge is a start pointer */
};

enum { UNREACHED = 0, POSSIBLE = 1, REACHABLE = 2, DEFINITE = 3, INDIRECT = 4 };

static int build_graph(const struct hp_live_block *blocks, size_t nblocks, const struct hp_region_word *words,
		       size_t nwords, struct graph *g)
{
	g->first = calloc(nblocks + 1, sizeof(*g->first));
	if (!g->first)
		return -1;
	for (size_t i = 0; i < nwords; i++) {
		if (words[i].region != HPT_REGION_HEAP)
			continue;
		long src = hp_leak_block_of(blocks, nblocks, words[i].loc);
		if (src >= 0 && hp_leak_block_of(blocks, nblocks, words[i].value) >= 0)
			g->first[src + 1]++;
	}
	for (size_t i = 0; i < nblocks; i++)
		g->first[i + 1] += g->first[i];
	size_t nedges = g->first[nblocks];
	g->to = malloc((nedges ? nedges : 1) * sizeof(*g->to));
	g->start = malloc(nedges ? nedges : 1);
	size_t *fill = malloc((nblocks + 1) * sizeof(*fill));
	if (!g->to || !g->start || !fill) {
		free(fill);
		return -1;
	}
	for (size_t i = 0; i <= nblocks; i++)
		fill[i] = g->first[i];
	for (size_t i = 0; i < nwords; i++) {
		if (words[i].region != HPT_REGION_HEAP)
			continue;
		long src = hp_leak_block_of(blocks, nblocks, words[i].loc);
		long dst = src >= 0 ? hp_leak_block_of(blocks, nblocks, words[i].value) : -1;
		if (dst < 0)
			continue;
		g->to[fill[src]] = (uint32_t)dst;
		g->start[fill[src]] = words[i].value == blocks[dst].addr;
		fill[src]++;
	}
	free(fill);
	return 0;
}

/* Pushes dst if the edge upgrades it; memcheck's rule: a start pointer from a definitely reached
 * place makes a block reachable, anything else at most possible. */
static void reach(uint8_t *state, uint32_t *stack, size_t *top, uint32_t dst, int start, int from_reachable)
{
	uint8_t want = start && from_reachable ? REACHABLE : POSSIBLE;

	if (state[dst] < want) {
		state[dst] = want;
		stack[(*top)++] = dst;
	}
}

int hp_leak_classify(struct hp_live_block *blocks, size_t nblocks, const struct hp_region_word *words,
		     size_t nwords)
{
	struct graph g = {0};
	uint8_t *state = calloc(nblocks ? nblocks : 1, 1);
	/* A block is pushed at most twice (unreached → possible → reachable). */
	uint32_t *stack = malloc((2 * nblocks + 1) * sizeof(*stack));
	int rc = -1;

	if (!state || !stack || build_graph(blocks, nblocks, words, nwords, &g))
		goto out;

	size_t top = 0;
	for (size_t i = 0; i < nwords; i++) {
		if (words[i].region == HPT_REGION_HEAP)
			continue;
		long dst = hp_leak_block_of(blocks, nblocks, words[i].value);
		if (dst >= 0)
			reach(state, stack, &top, (uint32_t)dst, words[i].value == blocks[dst].addr, 1);
	}
	while (top) {
		uint32_t b = stack[--top];
		for (size_t e = g.first[b]; e < g.first[b + 1]; e++)
			reach(state, stack, &top, g.to[e], g.start[e], state[b] == REACHABLE);
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
	for (size_t i = 0; i < nblocks; i++)
		blocks[i].kind = kinds[state[i]];
	rc = 0;
out:
	free(g.first);
	free(g.to);
	free(g.start);
	free(state);
	free(stack);
	return rc;
}
