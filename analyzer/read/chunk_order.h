/* chunk_order.h: the order in which a trace's chunks are read, from their sequence numbers (format
 * version 2): duplicates left out, reordered chunks put back in place, and the read stopped at the
 * first missing chunk (past it, every stream's deltas would be relative to records never seen).
 *
 * Version 1 traces carry no sequence numbers: their chunks are read in file order, as written.
 */
#ifndef HP_CHUNK_ORDER_H
#define HP_CHUNK_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "read/trace_source.h"

struct hp_chunk_order {
	uint64_t *off;      /* file offsets of the chunks to read, in sequence order */
	size_t n;
	uint64_t resume;    /* where reading goes on in file order after the list: the first chunk header
			     * the scan could not take (a cut, a bad header: the reader says which), or
			     * the file's size; UINT64_MAX when a missing chunk ends the read */
	uint64_t duplicates; /* chunks left out: their number was read already */
	uint64_t reordered;  /* chunks read before a chunk that comes earlier in the file */
	uint64_t missing_seq; /* with resume UINT64_MAX: the first missing sequence number, */
	uint64_t unread;      /* the chunks after it, not read, */
	uint64_t gap_off;     /* and the file offset of the first of those (or of the file's end) */
};

/* Scans the chunk headers from offset `first` (16 bytes read per chunk, no payload) and fills o.
 * 0, or -1 when memory runs out or the file cannot be read (errno set). Release with
 * hp_chunk_order_release. */
int hp_chunk_order_scan(const struct hp_source *src, uint64_t first, struct hp_chunk_order *o);
void hp_chunk_order_release(struct hp_chunk_order *o);

#endif
