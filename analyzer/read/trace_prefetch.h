/* trace_prefetch.h: the first half of a pass, on a thread of its own: chunks are read, decompressed and
 * decoded ahead of the thread that models them, which gets them as blocks of events.
 *
 * Nothing here touches the definitions: records that change them travel in the blocks, as copies, to
 * be decoded by the consumer in their place (hp_decode_deferred). Memory holds at most
 * HP_PREFETCH_BLOCKS + 2 blocks (1.5 MiB each, with the definition records among their events) and
 * one chunk's stored and decoded bytes, whatever the trace's size. Blocks are large because handing
 * one over may wake the other thread, which costs tens of microseconds on a virtual machine.
 */
#ifndef HP_TRACE_PREFETCH_H
#define HP_TRACE_PREFETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "read/record_decoder.h"
#include "read/trace_source.h"

#define HP_BLOCK_EVENTS 32768
#define HP_PREFETCH_BLOCKS 2 /* decoded and waiting for the consumer, at most */

/* Markers among a block's events, for the consumer only. */
#define HP_EV__CHUNK 0xfd     /* a chunk begins: addr = its file offset */
#define HP_EV__CHUNK_END 0xfc /* the chunk was read whole */
#define HP_EV__DEFER 0xfb     /* a definition record: the block's deferred[size] */

/* Events in record order, with CLOCK and SYNC pseudo-events and the markers above among them. Events
 * own what they own (hp_tick_event_free) until taken. */
struct hp_prefetch_block {
	struct hp_tick_event ev[HP_BLOCK_EVENTS];
	size_t n;
	size_t *marks; /* where the markers are, in order */
	size_t nmarks, marks_cap;
	struct hp_deferred *deferred; /* each rec a malloc'ed copy */
	size_t ndeferred, deferred_cap;
	bool last; /* nothing follows: hp_prefetch_end says why */
};

struct hp_prefetch;

/* Starts reading src's chunks from offset `first` (the file header is the caller's); name stands for
 * the source in messages; version: the header's (from 2 the chunks carry sequence numbers and are
 * read in their order, chunk_order.h). NULL when memory or a thread cannot be had. */
struct hp_prefetch *hp_prefetch_start(const struct hp_source *src, const char *name, uint64_t first,
				      unsigned version);

/* The next block, waited for. There always is one: the last says the pass ends. */
struct hp_prefetch_block *hp_prefetch_next(struct hp_prefetch *pf);

/* Gives a block back once its events ev[0..taken) are taken; the others are freed. */
void hp_prefetch_done(struct hp_prefetch *pf, struct hp_prefetch_block *b, size_t taken);

/* How the pass ended, valid once the last block is had: the file was cut (at cut_offset), or is bad,
 * or could not be read or decoded (error set, one line "NAME: byte N: why"); or neither. */
struct hp_prefetch_end {
	bool truncated;
	uint64_t cut_offset;
	char error[512];
	struct hp_chunk_integrity integrity; /* sequenced traces */
};
const struct hp_prefetch_end *hp_prefetch_end(const struct hp_prefetch *pf);

/* Stops the reader if it still runs, waits for it, and frees everything, blocks not given back too. */
void hp_prefetch_stop(struct hp_prefetch *pf);

#endif
