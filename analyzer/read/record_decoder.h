/* record_decoder.h: the records of decoded chunks become events (for the merge) and definitions.
 *
 * Per-stream state (last tick, last address) and the current stream carry over from chunk to chunk,
 * so chunks must be fed in file order. Definitions go to defs at once; events go to `emit` in record
 * order, in batches.
 */
#ifndef HP_RECORD_DECODER_H
#define HP_RECORD_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "hpt_format.h"
#include "read/trace.h"
#include "util/idmap.h"

/* Hostile-input caps: exceeding one is an error, never a big allocation. */
#define HP_MAX_STACK_DEPTH 1024
#define HP_MAX_STRING (64u << 10)
#define HP_MAX_ARGC 65536
#define HP_MAX_SEGMENTS 256
#define HP_MAX_PATH 4096
#define HP_MAX_SCAN_WORDS (1u << 20)
#define HP_MAX_BUILD_ID 64
#define HP_MAX_SUPPRESSIONS (1u << 20) /* the recorder writes at most 1 MiB of it */

/* Pseudo-events: CLOCK and SYNC travel to the merge through emit, never to the caller's callback.
 * CLOCK: tick = t, addr = mono_ns, addr2 = real_ns. SYNC: tick = the watermark. */
#define HP_EV__CLOCK 0xff
#define HP_EV__SYNC 0xfe

struct hp_stream_state {
	uint64_t tick;
	uint64_t addr;
	uint64_t free_addr; /* version 5: the address of the stream's last FREE, what a FREE's delta is from */
	uint64_t epoch;     /* version 3: the stream's epoch, its order key and its allocation events' tick */
	struct hpt_recent allocs, frees; /* version 3: what ALLOC and FREE name by index */
};

/* An event as decoded, still in ticks: what struct hp_event holds but its time in nanoseconds (the
 * merge computes it on release), packed for the merge window. ALLOC, FREE, REALLOC and ALLOC_FAIL use
 * addr, addr2, size as struct hp_event does, and id for the stack; the other events use id for the
 * site, and size for the value of COUNTER, THREAD_START, MODULE_LOAD, PROCESS_END and SCAN_WORDS
 * (which have no size). SAMPLE: addr2 is a malloc'ed struct hp_sample. SCAN_WORDS: addr2 the
 * malloc'ed words, addr their number. */
struct hp_tick_event {
	uint64_t key; /* the merge's order: the tick, or in version 3 the stream's epoch (target streams) */
	uint64_t tick;
	uint64_t addr;
	uint64_t size;
	uint64_t addr2;
	uint32_t stream;
	uint32_t id;
	uint8_t type; /* enum hp_event_type, or HP_EV__CLOCK / HP_EV__SYNC */
	uint8_t kind;
	uint8_t flags;
};

/* Frees what a decoded event owns: a SAMPLE's sample, SCAN_WORDS' words. */
static inline void hp_tick_event_free(const struct hp_tick_event *ev)
{
	if (ev->type == HP_EV_SAMPLE || ev->type == HP_EV_SCAN_WORDS)
		free((void *)(uintptr_t)ev->addr2);
}

/* Takes n events in record order, and the ownership of what they own whatever it returns (it frees
 * those it did not get to). Non-zero stops. */
typedef int (*hp_emit_fn)(void *ctx, struct hp_tick_event *ev, size_t n);

/* A record that changes the definitions, met by a decoder that must leave them alone (it runs on a
 * thread of its own): the definitions' owner decodes it with hp_decode_deferred, in its place among
 * the events. */
struct hp_deferred {
	const uint8_t *rec; /* the whole record: type, length, payload */
	size_t len;
	uint32_t stream;    /* the current stream at the record */
	uint64_t tick;      /* that stream's state before the record */
	uint64_t addr;
	uint64_t epoch;
	uint64_t chunk_off; /* for messages: the chunk's file offset, */
	uint64_t rec_off;   /* the record's offset in the chunk's decoded bytes, */
	bool stored;        /* and whether those are the file's */
};

/* Takes a deferred record, which lives only during the call. Non-zero stops. */
typedef int (*hp_defer_fn)(void *ctx, const struct hp_deferred *r);

/* Events handed to emit at once, at most; fewer before a record that changes the definitions, so
 * that emit sees them exactly as they were at each event. */
#define HP_DECODE_BATCH 256

struct hp_decoder {
	struct hp_defs *defs; /* NULL when defer is set */
	hp_emit_fn emit;
	hp_defer_fn defer;    /* NULL: definitions are decoded into defs */
	void *ctx;
	uint32_t stream;
	struct hp_stream_state *states; /* one per stream, in the order they came: states[0..nstates) */
	size_t nstates, states_cap;
	struct hp_idmap streams; /* stream → its index in states, + 1 */
	uint64_t event_ticks[2]; /* CALIBRATION: a timed event's cost, an allocation event's (0: none) */
	struct hp_tick_event batch[HP_DECODE_BATCH]; /* decoded, not yet emitted: batch[0..nbatch) */
	size_t nbatch;                               /* 0 between chunks */
	bool failed;          /* the last hp_decode_chunk failed on the trace itself (not on emit) */
	bool epochs;          /* format version 3: allocation events carry no tick (hp_decoder_set_version) */
	bool scan_near;       /* format version 4: SCAN_WORDS values are stored relative to their location */
	bool addresses_v5;   /* format version 5: REALLOC names its addresses by recent index or delta, and a
			       * FREE's delta is from the last FREE */
	char error[256];      /* then: "byte N: why" */
};

void hp_decoder_init(struct hp_decoder *d, struct hp_defs *defs, hp_emit_fn emit, void *ctx);
/* A decoder for a thread that must not touch the definitions: records that change them go to defer
 * (after the events before them have gone to emit), and it reads only their length and, for the
 * timed ones, their tick. */
void hp_decoder_init_deferring(struct hp_decoder *d, hp_emit_fn emit, hp_defer_fn defer, void *ctx);
/* The trace's format version, from its header: how allocation records and order keys read. */
void hp_decoder_set_version(struct hp_decoder *d, unsigned version);
void hp_decoder_release(struct hp_decoder *d);

/* Decodes raw[0..size), the decoded payload of the chunk whose header is at file offset chunk_off.
 * stored: the payload was stored, so raw's bytes are the file's and errors name the record's own file
 * offset ("byte N: ALLOC record: why"); otherwise they name the chunk and the offset in its decoded
 * bytes ("byte CHUNK: zstd chunk, decoded byte N, ALLOC record: why").
 * Returns 0; -1 with d->failed and d->error on a malformed record or out of memory; or emit's
 * non-zero value (d->failed clear). Events emitted before a bad record stay emitted. */
int hp_decode_chunk(struct hp_decoder *d, const uint8_t *raw, size_t size, uint64_t chunk_off, bool stored);

/* Decodes a record a deferring decoder met, into d's definitions and emit, as hp_decode_chunk would
 * have at that place (errors name the record's place in its chunk). Same returns. */
int hp_decode_deferred(struct hp_decoder *d, const struct hp_deferred *r);

/* A PROCESS record's payload at c into pi, unless pi->seen already (the first record stands); its
 * exe and argv copied when `strings`, else left NULL and 0. NULL, or why the record is bad. */
const char *hp_decode_process(struct hp_process_info *pi, struct hpt_cursor *c, bool strings);

/* defs.c: used by the decoder to fill definitions. */
int hp_defs_add_stack(struct hp_defs *defs, uint32_t id, const uint64_t *ips, uint32_t depth);
int hp_defs_add_site(struct hp_defs *defs, const struct hp_site_def *site);
struct hp_thread_info *hp_defs_thread_get(struct hp_defs *defs, uint32_t stream);
struct hp_module *hp_defs_add_module(struct hp_defs *defs);

#endif
