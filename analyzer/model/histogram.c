/* histogram.c: log-linear buckets, octaves allocated lazily. */
#include "model/histogram.h"

#include <stdlib.h>

#define SUB_BITS 7
#define SUB (1u << SUB_BITS)      /* buckets per octave */
#define EXACT (2 * SUB)           /* values below this are exact */
#define OCTAVES (64 - SUB_BITS)

struct hp_histogram {
	uint64_t exact[EXACT];
	uint64_t *octave[OCTAVES]; /* octave k holds values in [2^(k+SUB_BITS+1), 2^(k+SUB_BITS+2)) */
	uint64_t count, min, max;
};

struct hp_histogram *hp_histogram_new(void)
{
	struct hp_histogram *h = calloc(1, sizeof(*h));

	if (h)
		h->min = UINT64_MAX;
	return h;
}

void hp_histogram_free(struct hp_histogram *h)
{
	if (!h)
		return;
	for (int i = 0; i < OCTAVES; i++)
		free(h->octave[i]);
	free(h);
}

static void locate(uint64_t v, int *oct, unsigned *sub)
{
	int e = 63 - __builtin_clzll(v); /* v >= EXACT, so e >= SUB_BITS + 1 */
	*oct = e - SUB_BITS - 1;
	*sub = (unsigned)(v >> (e - SUB_BITS)) & (SUB - 1);
}

static uint64_t *counter(struct hp_histogram *h, uint64_t v)
{
	if (v < EXACT)
		return &h->exact[v];
	int oct;
	unsigned sub;
	locate(v, &oct, &sub);
	if (!h->octave[oct] && !(h->octave[oct] = calloc(SUB, sizeof(uint64_t))))
		return NULL;
	return &h->octave[oct][sub];
}

int hp_histogram_add(struct hp_histogram *h, uint64_t v)
{
	uint64_t *c = counter(h, v);

	if (!c)
		return -1;
	(*c)++;
	h->count++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	return 0;
}

static uint64_t clamp(const struct hp_histogram *h, uint64_t v)
{
	return v < h->min ? h->min : v > h->max ? h->max : v;
}

uint64_t hp_histogram_quantile(const struct hp_histogram *h, double q)
{
	if (!h->count)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* The rank of the q-quantile, 1-based: the smallest value with at least q*count at or below. */
	uint64_t rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count || rank == 0)
		rank++;
	uint64_t seen = 0;
	for (unsigned i = 0; i < EXACT; i++)
		if ((seen += h->exact[i]) >= rank)
			return clamp(h, i);
	for (int o = 0; o < OCTAVES; o++) {
		if (!h->octave[o])
			continue;
		for (unsigned i = 0; i < SUB; i++) {
			if ((seen += h->octave[o][i]) >= rank) {
				int e = o + SUB_BITS + 1;
				uint64_t lo = (1ull << e) + ((uint64_t)i << (e - SUB_BITS));
				uint64_t width = 1ull << (e - SUB_BITS);
				return clamp(h, lo + width / 2);
			}
		}
	}
	return h->max;
}
