/* chunk_order.c: a pass over the chunk headers that decides the order the chunks are read in. */
#include "read/chunk_order.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "read/chunk_reader.h"
#include "hpt_format.h"
#include "util/grow.h"

struct seen {
	uint64_t seq; /* unwrapped: counts past 2^24 */
	uint64_t off;
};

static int cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off; /* the first copy in the file stays */
}

void hp_chunk_order_release(struct hp_chunk_order *o)
{
	free(o->off);
	memset(o, 0, sizeof(*o));
}

/* Appends one chunk; -1 when memory runs out. */
static int add(struct seen **v, size_t *n, size_t *cap, uint64_t seq, uint64_t off)
{
	struct seen *nv = hp_grow(*v, cap, *n + 1, sizeof(*nv));

	if (!nv)
		return -1;
	*v = nv;
	(*v)[(*n)++] = (struct seen){seq, off};
	return 0;
}

int hp_chunk_order_scan(const struct hp_source *src, uint64_t first, struct hp_chunk_order *o)
{
	const uint64_t mod = 1ull << HPT_CHUNK_SEQ_BITS;
	struct seen *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t off = first, prev = 0;

	memset(o, 0, sizeof(*o));
	while (off < src->size && src->size - off >= HPT_CHUNK_HEADER_SIZE) {
		uint8_t buf[HPT_CHUNK_HEADER_SIZE];
		struct hp_chunk_header ch;
		struct hp_parse_error err;
		size_t need;
		const uint8_t *p = hp_source_get(src, off, buf, sizeof(buf));
		if (!p)
			goto fail;
		if (hp_chunk_header_parse(p, sizeof(buf), &ch, &need, &err) != HP_PARSE_OK ||
		    ch.stored_size > src->size - off - HPT_CHUNK_HEADER_SIZE)
			break; /* the reader meets it in its place and says what is wrong */
		/* Numbers count modulo 2^24: each is taken as the nearest to the previous one. */
		uint64_t seq = ch.seq;
		if (n) {
			uint64_t d = (ch.seq - prev) & (mod - 1);
			seq = d < mod / 2 ? v[n - 1].seq + d : v[n - 1].seq - (mod - d);
			if (seq > v[n - 1].seq + mod) /* wrapped below 0: a number before the first chunk's */
				seq = 0;
		}
		prev = ch.seq;
		if (add(&v, &n, &cap, seq, off))
			goto fail;
		off += HPT_CHUNK_HEADER_SIZE + ch.stored_size;
	}
	o->resume = off;
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_seen);
	if (n && !(o->off = malloc(n * sizeof(*o->off))))
		goto fail;
	uint64_t expect = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && v[i].seq == v[i - 1].seq) {
			o->duplicates++;
			continue;
		}
		if (v[i].seq != expect) {
			o->missing_seq = expect;
			o->gap_off = v[i].off;
			for (size_t k = i; k < n; k++)
				o->unread += !k || v[k].seq != v[k - 1].seq;
			o->resume = UINT64_MAX;
			break;
		}
		o->reordered += o->n && v[i].off < o->off[o->n - 1];
		o->off[o->n++] = v[i].off;
		expect++;
	}
	free(v);
	return 0;
fail:
	free(v);
	hp_chunk_order_release(o);
	if (!errno)
		errno = ENOMEM;
	return -1;
}
