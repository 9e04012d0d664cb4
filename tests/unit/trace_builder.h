/* trace_builder.h: crafts .hpt traces in memory for tests and fuzz seeds (header-only, static functions).
 *
 * A builder holds the file built so far and the records of the chunk being filled:
 *
 *	struct tb b;
 *	tb_init(&b, 0);                                   // header, features 0: ticks are nanoseconds
 *	tb_rec(&b, HPT_CLOCK, TB_U(1000) TB_U(1000) TB_U(5)); // any record, its fields one by one
 *	tb_stream(&b, 1);                                 // STREAM 1 (the builder follows the current stream)
 *	tb_alloc(&b, 1100, HPT_KIND_MALLOC, 0x1000, 32, 0); // absolute tick and address: deltas computed
 *	tb_chunk(&b, HPT_CODEC_ZSTD);                     // the records so far become one chunk
 *	hp_trace_read_mem(b.buf, b.len, "t.hpt", ...);
 *	tb_release(&b);
 *
 * Fields: TB_U(v) a `u` varint, TB_S(v) an `s` (zigzag) varint, TB_STR(s) a `str` (length then bytes of
 * a C string), TB_BYTES(p, n) n raw bytes with no length (padding, hand-made fields). Each converts its
 * argument, so plain int literals are safe; they follow each other with no comma between them.
 * The timed helpers keep the per-stream state of the format (ts, addr) exactly as a recorder would, so
 * a test writes absolute ticks and addresses and compares them with what the reader delivers.
 * tb_init writes format version 2, where every event has its tick; tb_init_epochs version 3, where
 * the allocation helpers write an EPOCH record when their tick differs from the stream's epoch and no
 * tick of their own (the tick given is the epoch the event is ordered at).
 * Out of memory aborts: this is test code.
 */
#ifndef HP_TRACE_BUILDER_H
#define HP_TRACE_BUILDER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "hpt_format.h"

#define TB_MAX_STREAMS 64

struct tb_bytes {
	uint8_t *p;
	size_t len, cap;
};

struct tb {
	uint8_t *buf; /* the file so far: header and finished chunks */
	size_t len;
	struct tb_bytes file;
	struct tb_bytes chunk; /* records of the chunk being filled */
	struct tb_bytes rec;   /* payload of the record being written */
	uint32_t stream;       /* current stream */
	struct {
		uint64_t ts, addr, free_addr, epoch;
	} st[TB_MAX_STREAMS];
	bool epochs; /* the recorder's version (tb_init_epochs): epochs, and a FREE's own delta base */
	size_t nchunks;
	uint32_t seq; /* the next chunk header's sequence number */
};

static inline void tb_put(struct tb_bytes *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		if (!(b->p = realloc(b->p, cap)))
			abort();
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static inline void tb_sync_view(struct tb *b)
{
	b->buf = b->file.p;
	b->len = b->file.len;
}

/* Appends raw bytes to the file itself (a hand-made header or chunk, garbage). */
static inline void tb_raw(struct tb *b, const void *p, size_t n)
{
	tb_put(&b->file, p, n);
	tb_sync_view(b);
}

/* A 32-byte header with explicit fields: for headers that must be wrong. */
static inline void tb_header(struct tb *b, uint16_t version, uint16_t min_version, uint32_t header_size,
			     uint64_t features)
{
	uint8_t h[HPT_HEADER_SIZE] = {0};

	memcpy(h, HPT_MAGIC, HPT_MAGIC_SIZE);
	hpt_put_le16(h + 8, version);
	hpt_put_le16(h + 10, min_version);
	hpt_put_le32(h + 12, header_size);
	hpt_put_le64(h + 16, features);
	tb_raw(b, h, sizeof(h));
}

/* An empty builder, not even a header (tb_header or tb_raw write one). */
static inline void tb_init_bare(struct tb *b)
{
	memset(b, 0, sizeof(*b));
}

/* A builder with a valid version-2 header carrying these feature bits: a tick in every event. */
static inline void tb_init(struct tb *b, uint64_t features)
{
	tb_init_bare(b);
	tb_header(b, 2, 2, HPT_HEADER_SIZE, features);
}

/* The same in version 3, what the recorder writes: allocation events ordered by epochs. */
static inline void tb_init_epochs(struct tb *b, uint64_t features)
{
	tb_init_bare(b);
	tb_header(b, HPT_VERSION, HPT_MIN_READER_VERSION, HPT_HEADER_SIZE, features);
	b->epochs = true;
}

static inline void tb_release(struct tb *b)
{
	free(b->file.p);
	free(b->chunk.p);
	free(b->rec.p);
	memset(b, 0, sizeof(*b));
}

/* One field of a record; written by the TB_* macros, which convert their argument to its field type. */
struct tb_field {
	char t; /* 'u', 's', 'S' (string), 'B' (raw bytes); 0 ends the list */
	uint64_t u;
	int64_t s;
	const void *p;
	size_t n;
};

#define TB_U(v) {.t = 'u', .u = (uint64_t)(v)},
#define TB_S(v) {.t = 's', .s = (int64_t)(v)},
#define TB_STR(str) {.t = 'S', .p = (str), .n = strlen(str)},
#define TB_BYTES(ptr, len) {.t = 'B', .p = (ptr), .n = (len)},

static inline void tb_fields(struct tb_bytes *out, const struct tb_field *f)
{
	uint8_t tmp[HPT_VARINT_MAX];

	for (; f->t; f++) {
		switch (f->t) {
		case 'u':
			tb_put(out, tmp, (size_t)(hpt_put_u(tmp, f->u) - tmp));
			break;
		case 's':
			tb_put(out, tmp, (size_t)(hpt_put_s(tmp, f->s) - tmp));
			break;
		case 'S':
			tb_put(out, tmp, (size_t)(hpt_put_u(tmp, f->n) - tmp));
			tb_put(out, f->p, f->n);
			break;
		default:
			tb_put(out, f->p, f->n);
			break;
		}
	}
}

static inline void tb_emit(struct tb *b, uint8_t type)
{
	uint8_t tmp[HPT_VARINT_MAX];

	tb_put(&b->chunk, &type, 1);
	tb_put(&b->chunk, tmp, (size_t)(hpt_put_u(tmp, b->rec.len) - tmp));
	tb_put(&b->chunk, b->rec.p, b->rec.len);
}

/* One record: type, the length of its fields, the fields. tb_rec(b, HPT_SYNC, TB_U(1000)). */
#define tb_rec(b, type, ...) tb_rec_fields((b), (type), (const struct tb_field[]){__VA_ARGS__{0}})

static inline void tb_rec_fields(struct tb *b, uint8_t type, const struct tb_field *f)
{
	b->rec.len = 0;
	tb_fields(&b->rec, f);
	tb_emit(b, type);
}

/* Raw bytes inside the current chunk (a record with a lying length, a cut field). */
static inline void tb_rec_bytes(struct tb *b, const void *p, size_t n)
{
	tb_put(&b->chunk, p, n);
}

/* STREAM s: the following records belong to stream s (< TB_MAX_STREAMS for the timed helpers). */
static inline void tb_stream(struct tb *b, uint32_t s)
{
	tb_rec(b, HPT_STREAM, TB_U(s));
	b->stream = s;
}

/* The dt of a timed record at absolute tick `tick` on the current stream (updates its ts). */
static inline int64_t tb_dt(struct tb *b, uint64_t tick)
{
	uint64_t *ts = &b->st[b->stream % TB_MAX_STREAMS].ts;
	int64_t dt = (int64_t)(tick - *ts);

	*ts = tick;
	return dt;
}

static inline int64_t tb_daddr(struct tb *b, uint64_t addr)
{
	uint64_t *a = &b->st[b->stream % TB_MAX_STREAMS].addr;
	int64_t d = (int64_t)(addr - *a);

	*a = addr;
	return d;
}

/* A timed record with no address field: dt for absolute tick `tick`, then the fields (ZONE_*, COUNTER,
 * MARK, FUNC_*, WAIT, LOST, THREAD_START, THREAD_END, MODULE_LOAD, MODULE_UNLOAD):
 * tb_timed(b, HPT_ZONE_BEGIN, 1500, TB_U(site)). */
#define tb_timed(b, type, tick, ...) tb_timed_fields((b), (type), (tick), (const struct tb_field[]){__VA_ARGS__{0}})

static inline void tb_timed_fields(struct tb *b, uint8_t type, uint64_t tick, const struct tb_field *f)
{
	uint8_t tmp[HPT_VARINT_MAX];

	b->rec.len = 0;
	tb_put(&b->rec, tmp, (size_t)(hpt_put_s(tmp, tb_dt(b, tick)) - tmp));
	tb_fields(&b->rec, f);
	tb_emit(b, type);
}

/* Version 3: an EPOCH record when `tick` is not the stream's epoch. */
static inline void tb_epoch(struct tb *b, uint64_t tick)
{
	uint64_t *e = &b->st[b->stream % TB_MAX_STREAMS].epoch;

	if (tick != *e) {
		tb_rec(b, HPT_EPOCH, TB_U(tick - *e));
		*e = tick;
	}
}

/* The tick field of an allocation event: dt in version 2; none in version 3 (an EPOCH first). */
static inline struct tb_field tb_alloc_tick(struct tb *b, uint64_t tick)
{
	if (b->epochs) {
		tb_epoch(b, tick);
		return (struct tb_field){.t = 'B', .p = "", .n = 0}; /* no bytes */
	}
	return (struct tb_field){.t = 's', .s = tb_dt(b, tick)};
}

static inline void tb_alloc(struct tb *b, uint64_t tick, unsigned kind, uint64_t addr, uint64_t size, uint32_t stack)
{
	struct tb_field t = tb_alloc_tick(b, tick);
	int64_t da = tb_daddr(b, addr);
	tb_rec(b, HPT_ALLOC, t, TB_U(kind) TB_S(da) TB_U(size) TB_U(stack));
}

/* FREE: in the recorder's version (tb_init_epochs) its delta is from the stream's last FREE, and the
 * stream's addr stays; in version 2 from addr, which it moves. */
static inline void tb_free(struct tb *b, uint64_t tick, unsigned kind, uint64_t addr)
{
	struct tb_field t = tb_alloc_tick(b, tick);
	uint64_t *base = &b->st[b->stream % TB_MAX_STREAMS].free_addr;
	int64_t da = b->epochs ? (int64_t)(addr - *base) : tb_daddr(b, addr);
	*base = addr;
	tb_rec(b, HPT_FREE, t, TB_U(kind) TB_S(da));
}

/* REALLOC as the format stores it: old as a delta from the stream's addr, new as new - old, and the
 * stream's addr set to new when new is not 0. */
static inline void tb_realloc(struct tb *b, uint64_t tick, unsigned kind, unsigned flags, uint64_t old_addr,
			      uint64_t new_addr, uint64_t size, uint32_t stack)
{
	struct tb_field t = tb_alloc_tick(b, tick);
	int64_t dold = tb_daddr(b, old_addr);
	if (new_addr)
		b->st[b->stream % TB_MAX_STREAMS].addr = new_addr;
	tb_rec(b, HPT_REALLOC, t, TB_U(kind) TB_U(flags) TB_S(dold) TB_S(new_addr - old_addr) TB_U(size)
	       TB_U(stack));
}

static inline void tb_clock(struct tb *b, uint64_t t, uint64_t mono_ns, uint64_t real_ns)
{
	tb_rec(b, HPT_CLOCK, TB_U(t) TB_U(mono_ns) TB_U(real_ns));
}

static inline void tb_sync(struct tb *b, uint64_t t)
{
	tb_rec(b, HPT_SYNC, TB_U(t));
}

/* A chunk with an explicit header over the given payload bytes: for headers that must be wrong. */
static inline void tb_chunk_raw(struct tb *b, uint32_t stored_size, uint32_t raw_size, uint8_t codec,
				const uint8_t reserved[3], const void *payload, size_t n)
{
	uint8_t h[HPT_CHUNK_HEADER_SIZE] = {0};

	memcpy(h, HPT_CHUNK_MAGIC, 4);
	hpt_put_le32(h + 4, stored_size);
	hpt_put_le32(h + 8, raw_size);
	h[12] = codec;
	/* Bytes 13..15: the chunk's sequence number (format version 2), unless the test gives them. */
	if (reserved) {
		memcpy(h + 13, reserved, 3);
	} else {
		h[13] = (uint8_t)b->seq;
		h[14] = (uint8_t)(b->seq >> 8);
		h[15] = (uint8_t)(b->seq >> 16);
	}
	b->seq++;
	tb_raw(b, h, sizeof(h));
	tb_raw(b, payload, n);
}

/* The records written since the last chunk become one chunk, stored or zstd (level 1, checksummed
 * like the recorder's). Returns the chunk's file offset. */
static inline size_t tb_chunk(struct tb *b, uint8_t codec)
{
	size_t at = b->file.len;

	if (codec == HPT_CODEC_ZSTD) {
		size_t bound = ZSTD_compressBound(b->chunk.len);
		uint8_t *z = malloc(bound ? bound : 1);
		ZSTD_CCtx *cctx = ZSTD_createCCtx();
		if (!z || !cctx)
			abort();
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
		size_t n = ZSTD_compress2(cctx, z, bound, b->chunk.p ? b->chunk.p : (const uint8_t *)"", b->chunk.len);
		if (ZSTD_isError(n))
			abort();
		tb_chunk_raw(b, (uint32_t)n, (uint32_t)b->chunk.len, HPT_CODEC_ZSTD, NULL, z, n);
		ZSTD_freeCCtx(cctx);
		free(z);
	} else {
		tb_chunk_raw(b, (uint32_t)b->chunk.len, (uint32_t)b->chunk.len, codec, NULL, b->chunk.p, b->chunk.len);
	}
	b->chunk.len = 0;
	b->nchunks++;
	return at;
}

/* With trace.h included before this header: read a built trace and keep its events (words dropped:
 * they live only during the callback). stop_after > 0 makes the callback return 99 after that many. */
#ifdef HP_TRACE_H
struct tb_events {
	struct hp_event *ev;
	size_t n, cap;
	size_t stop_after;
};

static inline int tb_collect(void *ctx, const struct hp_event *ev, const struct hp_defs *defs)
{
	struct tb_events *out = ctx;

	(void)defs;
	if (out->n == out->cap) {
		out->cap = out->cap ? 2 * out->cap : 64;
		if (!(out->ev = realloc(out->ev, out->cap * sizeof(*out->ev))))
			abort();
	}
	out->ev[out->n] = *ev;
	out->ev[out->n].words = NULL;
	out->ev[out->n].merge = NULL; /* valid during the callback only, and the reader's own */
	out->n++;
	return out->stop_after && out->n >= out->stop_after ? 99 : 0;
}

/* Reads b's first `size` bytes as "t.hpt" into defs (initialised here) and out (emptied first). */
static inline int tb_read(const struct tb *b, size_t size, struct hp_defs *defs, struct tb_events *out,
			  struct hp_read_status *st)
{
	out->n = 0;
	hp_defs_init(defs);
	return hp_trace_read_mem(b->buf, size, "t.hpt", defs, tb_collect, out, st);
}
#endif

/* A zone of thread 1, zone site 1, from 1000 to 2000 ticks, with the recorder's own time inside by
 * every rule of model/recorder_cost.h: CALIBRATION's costs (10 a timed event, 4 an allocation event)
 * before the stream's EVENT_COST, its rate (25) after, and a WAIT. Its time without the recorder's:
 * TB_RECORDER_ZONE_NS; the profile's and the live view's tests read it alike. The chunk is left open. */
#define TB_RECORDER_ZONE_NS (1000 - (4 + 4 + 25 + 25 + 300 + 10 + 10))
static inline void tb_recorder_zone(struct tb *b)
{
	tb_init(b, 0);
	tb_stream(b, 0);
	tb_clock(b, 0, 0, 1);
	tb_rec(b, HPT_CALIBRATION, TB_U(10) TB_U(4));
	tb_stream(b, 1);
	tb_timed(b, HPT_ZONE_BEGIN, 1000, TB_U(1));
	tb_alloc(b, 1010, HPT_KIND_MALLOC, 0xa000, 40, 1); /* 4 */
	tb_free(b, 1020, HPT_FREE_FREE, 0xa000);           /* 4 */
	tb_rec(b, HPT_EVENT_COST, TB_U(100) TB_U(2500));   /* from here 25 per allocation event */
	tb_alloc(b, 1030, HPT_KIND_MALLOC, 0xb000, 40, 1); /* 25 */
	tb_free(b, 1040, HPT_FREE_FREE, 0xb000);           /* 25 */
	tb_timed(b, HPT_WAIT, 1040, TB_U(300));            /* 300 */
	tb_timed(b, HPT_MARK, 1060, TB_U(3));              /* 10 */
	tb_timed(b, HPT_ZONE_END, 2000, TB_U(1));          /* 10: the end is inside, the begin is not */
}

#endif
