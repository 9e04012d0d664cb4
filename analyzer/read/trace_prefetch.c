/* trace_prefetch.c: the reader thread (chunk headers, payloads, zstd, records) and its queue of blocks.
 *
 * Threads: the reader owns `cur`, its decoder and its buffers; everything else in struct hp_prefetch
 * is shared and changes under `lock`. A block belongs to one thread at a time, handed over through
 * the queue of full blocks (reader to consumer) and the spares (consumer to reader).
 */
#include "read/trace_prefetch.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "read/chunk_order.h"
#include "read/chunk_reader.h"
#include "read/trace_source.h"
#include "hpt_format.h"
#include "util/grow.h"

/* One being filled, HP_PREFETCH_BLOCKS queued, one being taken. */
#define MAX_BLOCKS (HP_PREFETCH_BLOCKS + 2)

struct hp_prefetch {
	struct hp_source src;
	const char *name;
	pthread_t thread;
	pthread_mutex_t lock;
	/* Waking a thread costs tens of microseconds here: each side is woken only when it waits, and
	 * the reader, when it waits for room, only once half the queue is free. */
	pthread_cond_t reader_cv, consumer_cv;
	bool reader_waits, consumer_waits;
	struct hp_prefetch_block *full[HP_PREFETCH_BLOCKS]; /* a ring, oldest at head */
	size_t head, nfull;
	struct hp_prefetch_block *spare[MAX_BLOCKS];
	size_t nspare;
	size_t nblocks; /* allocated */
	bool stop;
	/* The reader's own. */
	struct hp_prefetch_block *cur;
	struct hp_decoder dec;
	uint64_t off; /* of the chunk being read */
	bool sequenced;
	struct hp_prefetch_end end;
};

static void block_clear(struct hp_prefetch_block *b, size_t taken)
{
	for (size_t i = taken; i < b->n; i++)
		hp_tick_event_free(&b->ev[i]);
	for (size_t i = 0; i < b->ndeferred; i++)
		free((void *)b->deferred[i].rec);
	b->n = b->ndeferred = b->nmarks = 0;
	b->last = false;
}

static void block_free(struct hp_prefetch_block *b)
{
	if (!b)
		return;
	block_clear(b, 0);
	free(b->deferred);
	free(b->marks);
	free(b);
}

__attribute__((format(printf, 3, 4))) static int fail(struct hp_prefetch *pf, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hp_source_verror(pf->end.error, sizeof(pf->end.error), pf->name, off, fmt, ap);
	va_end(ap);
	return -1;
}

/* Grows *buf to at least n bytes, to exactly n when it grows. By realloc although the bytes need not
 * be kept: a large buffer then keeps its pages (mremap), and a fresh page costs microseconds. */
static int reserve(uint8_t **buf, size_t *cap, size_t n)
{
	if (n <= *cap)
		return 0;
	uint8_t *b = realloc(*buf, n);
	if (!b)
		return -1;
	*buf = b;
	*cap = n;
	return 0;
}

/* Queues the reader's block, waiting for room. -1, the block kept, when the consumer asked to stop. */
static int queue(struct hp_prefetch *pf)
{
	pthread_mutex_lock(&pf->lock);
	while (pf->nfull == HP_PREFETCH_BLOCKS && !pf->stop) {
		pf->reader_waits = true;
		pthread_cond_wait(&pf->reader_cv, &pf->lock);
	}
	bool stop = pf->stop;
	if (!stop) {
		pf->full[(pf->head + pf->nfull++) % HP_PREFETCH_BLOCKS] = pf->cur;
		pf->cur = NULL;
		if (pf->consumer_waits) {
			pf->consumer_waits = false;
			pthread_cond_signal(&pf->consumer_cv);
		}
	}
	pthread_mutex_unlock(&pf->lock);
	return stop ? -1 : 0;
}

/* Queues the reader's full block and takes an empty one: a spare, else a new one while fewer than
 * MAX_BLOCKS exist and memory allows, else the next one the consumer gives back (one is queued, so one
 * comes back). -1 when the consumer asked to stop. */
static int hand_over(struct hp_prefetch *pf)
{
	if (queue(pf))
		return -1;
	pthread_mutex_lock(&pf->lock);
	while (!pf->nspare && !pf->stop) {
		if (pf->nblocks < MAX_BLOCKS) {
			struct hp_prefetch_block *b = calloc(1, sizeof(*b));
			if (b) {
				pf->nblocks++;
				pf->cur = b;
				break;
			}
		}
		pf->reader_waits = true;
		pthread_cond_wait(&pf->reader_cv, &pf->lock);
	}
	if (!pf->cur && pf->nspare)
		pf->cur = pf->spare[--pf->nspare];
	pthread_mutex_unlock(&pf->lock);
	return pf->cur ? 0 : -1;
}

/* Hands the reader's block over when it is full. -1 when the consumer asked to stop. */
static int room(struct hp_prefetch *pf)
{
	return pf->cur->n == HP_BLOCK_EVENTS ? hand_over(pf) : 0;
}

/* A marker after the events so far (the decoder has none pending). */
static int marker(struct hp_prefetch *pf, uint8_t type, uint64_t addr, uint64_t size)
{
	struct hp_prefetch_block *b = pf->cur;

	size_t *m = hp_grow(b->marks, &b->marks_cap, b->nmarks + 1, sizeof(*m));

	if (!m)
		return fail(pf, pf->off, "out of memory");
	b->marks = m;
	b->marks[b->nmarks++] = b->n;
	b->ev[b->n++] = (struct hp_tick_event){.type = type, .addr = addr, .size = size};
	return room(pf);
}

/* The decoder's emit: the events go to the reader's block in whole cache lines (the block was read
 * by the other thread: a line written in part would first be fetched back from it). */
static int to_block(void *ctx, struct hp_tick_event *ev, size_t n)
{
	struct hp_prefetch *pf = ctx;

	while (n) {
		size_t k = HP_BLOCK_EVENTS - pf->cur->n < n ? HP_BLOCK_EVENTS - pf->cur->n : n;
		memcpy(&pf->cur->ev[pf->cur->n], ev, k * sizeof(*ev));
		pf->cur->n += k;
		ev += k;
		n -= k;
		if (room(pf)) {
			while (n--)
				hp_tick_event_free(ev++);
			return -1;
		}
	}
	return 0;
}

/* The decoder's defer: the record is copied, its chunk's bytes being reused for the next one. */
static int defer_to_block(void *ctx, const struct hp_deferred *r)
{
	struct hp_prefetch *pf = ctx;
	struct hp_prefetch_block *b = pf->cur;

	struct hp_deferred *d = hp_grow(b->deferred, &b->deferred_cap, b->ndeferred + 1, sizeof(*d));

	if (!d)
		return fail(pf, pf->off, "out of memory");
	b->deferred = d;
	uint8_t *copy = malloc(r->len);
	if (!copy)
		return fail(pf, pf->off, "out of memory");
	memcpy(copy, r->rec, r->len);
	b->deferred[b->ndeferred] = *r;
	b->deferred[b->ndeferred].rec = copy;
	return marker(pf, HP_EV__DEFER, 0, b->ndeferred++);
}

/* One chunk at pf->off into blocks. 1 when there is a next one, 0 at a cut, -1 on an error. */
static int read_chunk(struct hp_prefetch *pf, ZSTD_DCtx *dctx, uint8_t **stored, size_t *stored_cap, uint8_t **raw,
		      size_t *raw_cap)
{
	const struct hp_source *src = &pf->src;
	uint64_t off = pf->off, left = src->size - off;
	uint8_t hbuf[HPT_CHUNK_HEADER_SIZE];
	struct hp_chunk_header ch;
	struct hp_parse_error err;
	size_t n = left < sizeof(hbuf) ? (size_t)left : sizeof(hbuf), need;
	const uint8_t *p = hp_source_get(src, off, hbuf, n);

	if (!p)
		return fail(pf, off, "cannot read: %s", strerror(errno));
	int pr = hp_chunk_header_parse(p, n, &ch, &need, &err);
	if (pr == HP_PARSE_ERROR)
		return fail(pf, off + err.at, "%s", err.why);
	if (pr == HP_PARSE_NEED_MORE || ch.stored_size > left - HPT_CHUNK_HEADER_SIZE) {
		pf->end.truncated = true;
		pf->end.cut_offset = off;
		return 0;
	}
	uint64_t payload_off = off + HPT_CHUNK_HEADER_SIZE;
	if (!src->mem && reserve(stored, stored_cap, ch.stored_size))
		return fail(pf, off, "out of memory for a %u-byte chunk", ch.stored_size);
	const uint8_t *payload = hp_source_get(src, payload_off, *stored, ch.stored_size);
	if (!payload)
		return fail(pf, payload_off, "cannot read: %s", strerror(errno));
	const uint8_t *records = payload;
	if (ch.codec == HPT_CODEC_ZSTD) {
		/* Exactly raw_size: never more than the header claims, itself at most 64 MiB. */
		if (reserve(raw, raw_cap, ch.raw_size ? ch.raw_size : 1))
			return fail(pf, off, "out of memory for a %u-byte chunk", ch.raw_size);
		if (hp_chunk_decode(dctx, &ch, payload, *raw, &err))
			return fail(pf, off, "%s", err.why);
		records = *raw;
	}
	if (marker(pf, HP_EV__CHUNK, off, 0))
		return -1;
	if (hp_decode_chunk(&pf->dec, records, ch.raw_size, off, ch.codec == HPT_CODEC_STORED)) {
		if (pf->dec.failed)
			snprintf(pf->end.error, sizeof(pf->end.error), "%s: %s", pf->name, pf->dec.error);
		return -1;
	}
	if (marker(pf, HP_EV__CHUNK_END, off, 0))
		return -1;
	pf->off = payload_off + ch.stored_size;
	return 1;
}

static void *reader(void *arg)
{
	struct hp_prefetch *pf = arg;
	uint8_t *stored = NULL, *raw = NULL;
	size_t stored_cap = 0, raw_cap = 0;
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	int rc = dctx ? 1 : fail(pf, pf->off, "out of memory");
	struct hp_chunk_order order = {0};

	if (rc > 0 && pf->sequenced) {
		if (hp_chunk_order_scan(&pf->src, pf->off, &order)) {
			rc = fail(pf, pf->off, "cannot read the chunk headers: %s", strerror(errno));
		} else {
			pf->end.integrity.duplicate_chunks = order.duplicates;
			pf->end.integrity.reordered_chunks = order.reordered;
			for (size_t i = 0; rc > 0 && i < order.n; i++) {
				pf->off = order.off[i];
				rc = read_chunk(pf, dctx, &stored, &stored_cap, &raw, &raw_cap);
			}
			if (order.resume == UINT64_MAX) {
				pf->end.integrity.missing_seq = order.missing_seq;
				pf->end.integrity.unread_chunks = order.unread;
				pf->end.integrity.missing_off = order.gap_off;
				pf->off = pf->src.size; /* what follows a missing chunk cannot be decoded */
			} else {
				pf->off = order.resume;
			}
		}
		hp_chunk_order_release(&order);
	}
	while (rc > 0 && pf->off < pf->src.size)
		rc = read_chunk(pf, dctx, &stored, &stored_cap, &raw, &raw_cap);
	ZSTD_freeDCtx(dctx);
	free(stored);
	free(raw);
	/* The last block says how it ended, unless the consumer has gone (then hp_prefetch_stop frees it). */
	if (pf->cur) {
		pf->cur->last = true;
		queue(pf);
	}
	return NULL;
}

struct hp_prefetch *hp_prefetch_start(const struct hp_source *src, const char *name, uint64_t first,
				      unsigned version)
{
	struct hp_prefetch *pf = calloc(1, sizeof(*pf));

	if (!pf)
		return NULL;
	pf->sequenced = version >= 2;
	pf->src = *src;
	pf->name = name;
	pf->off = first;
	hp_decoder_init_deferring(&pf->dec, to_block, defer_to_block, pf);
	hp_decoder_set_version(&pf->dec, version);
	if (!(pf->cur = calloc(1, sizeof(*pf->cur)))) {
		free(pf);
		return NULL;
	}
	pf->nblocks = 1;
	pthread_mutex_init(&pf->lock, NULL);
	pthread_cond_init(&pf->reader_cv, NULL);
	pthread_cond_init(&pf->consumer_cv, NULL);
	if (pthread_create(&pf->thread, NULL, reader, pf)) {
		pthread_cond_destroy(&pf->reader_cv);
		pthread_cond_destroy(&pf->consumer_cv);
		pthread_mutex_destroy(&pf->lock);
		block_free(pf->cur);
		free(pf);
		return NULL;
	}
	return pf;
}

/* Under lock: wakes the reader if it waits and `worth` it. */
static void wake_reader(struct hp_prefetch *pf, bool worth)
{
	if (pf->reader_waits && worth) {
		pf->reader_waits = false;
		pthread_cond_signal(&pf->reader_cv);
	}
}

struct hp_prefetch_block *hp_prefetch_next(struct hp_prefetch *pf)
{
	pthread_mutex_lock(&pf->lock);
	while (!pf->nfull) {
		pf->consumer_waits = true;
		pthread_cond_wait(&pf->consumer_cv, &pf->lock);
	}
	struct hp_prefetch_block *b = pf->full[pf->head];
	pf->head = (pf->head + 1) % HP_PREFETCH_BLOCKS;
	pf->nfull--;
	wake_reader(pf, pf->nfull <= HP_PREFETCH_BLOCKS / 2);
	pthread_mutex_unlock(&pf->lock);
	return b;
}

void hp_prefetch_done(struct hp_prefetch *pf, struct hp_prefetch_block *b, size_t taken)
{
	block_clear(b, taken);
	pthread_mutex_lock(&pf->lock);
	pf->spare[pf->nspare++] = b;
	wake_reader(pf, !pf->cur);
	pthread_mutex_unlock(&pf->lock);
}

const struct hp_prefetch_end *hp_prefetch_end(const struct hp_prefetch *pf)
{
	return &pf->end;
}

void hp_prefetch_stop(struct hp_prefetch *pf)
{
	pthread_mutex_lock(&pf->lock);
	pf->stop = true;
	pthread_cond_signal(&pf->reader_cv);
	pthread_mutex_unlock(&pf->lock);
	pthread_join(pf->thread, NULL);
	for (size_t i = 0; i < pf->nfull; i++)
		block_free(pf->full[(pf->head + i) % HP_PREFETCH_BLOCKS]);
	for (size_t i = 0; i < pf->nspare; i++)
		block_free(pf->spare[i]);
	block_free(pf->cur);
	hp_decoder_release(&pf->dec);
	pthread_cond_destroy(&pf->reader_cv);
	pthread_cond_destroy(&pf->consumer_cv);
	pthread_mutex_destroy(&pf->lock);
	free(pf);
}
