/* live_follow.c: hp_trace_read's chunk loop, resumable after the last complete chunk of a growing file.
 *
 * The recorder appends whole chunks (a header, then its payload); a reader that finds fewer bytes than
 * a chunk header announces has met one still being written, and tries again at the same offset on the
 * next poll. Nothing already decoded is read twice.
 */
#include "read/live_follow.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "read/chunk_reader.h"
#include "hpt_format.h"
#include "read/trace_source.h"

__attribute__((format(printf, 3, 4))) static int fail(struct hp_follow *f, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hp_source_verror(f->error, sizeof(f->error), f->path, off, fmt, ap);
	va_end(ap);
	return -1;
}

/* Reads n bytes at off, which the caller knows the file holds. 0, or -1 with errno. */
static int read_at(const struct hp_follow *f, uint64_t off, void *dst, size_t n)
{
	return hp_source_get(&(struct hp_source){.fd = f->fd}, off, dst, n) ? 0 : -1;
}

/* Grows *buf to at least n bytes. */
static int reserve(uint8_t **buf, size_t *cap, size_t n)
{
	if (n <= *cap)
		return 0;
	free(*buf);
	*cap = 0;
	if (!(*buf = malloc(n)))
		return -1;
	*cap = n;
	return 0;
}

/* The decoder's emit: notes how far the trace is known to be complete, then hands over to the merge. */
static int on_records(void *ctx, struct hp_tick_event *ev, size_t n)
{
	struct hp_follow *f = ctx;

	for (size_t i = 0; i < n; i++) {
		if (ev[i].type == HP_EV_PROCESS_END) {
			f->end_seen = true;
			f->end_how = ev[i].kind;
		} else if (ev[i].type == HP_EV__SYNC) {
			if (ev[i].tick > f->watermark)
				f->watermark = ev[i].tick;
		} else if (ev[i].type != HP_EV__CLOCK && f->end_seen && f->end_how == HPT_END_EXEC) {
			f->end_seen = false; /* the exec failed: the process records on */
		}
	}
	return hp_merge_push(&f->merge, ev, n);
}

int hp_follow_open(struct hp_follow *f, const char *path, struct hp_defs *defs, hp_event_fn fn, void *ctx)
{
	uint64_t size;

	memset(f, 0, sizeof(*f));
	f->path = path;
	f->defs = defs;
	if ((f->fd = hp_open_regular(path, &size, f->error, sizeof(f->error))) < 0)
		return -1;
	if (!(f->dctx = ZSTD_createDCtx())) {
		snprintf(f->error, sizeof(f->error), "cannot read '%s': out of memory", path);
		close(f->fd);
		f->fd = -1;
		return -1;
	}
	/* The clock kind is in the header: the merge starts once the header is read. */
	hp_decoder_init(&f->dec, defs, on_records, f);
	hp_merge_init(&f->merge, defs, fn, ctx, false, f->dec.event_ticks);
	return 0;
}

/* 0 once the header is read, 1 while it is incomplete, -1 on a bad header. */
static int read_header(struct hp_follow *f)
{
	uint8_t buf[HPT_HEADER_SIZE];
	struct hp_file_header h;
	struct hp_parse_error err;
	size_t n = f->size < HPT_HEADER_SIZE ? (size_t)f->size : HPT_HEADER_SIZE, need;

	if (read_at(f, 0, buf, n))
		return fail(f, 0, "cannot read: %s", strerror(errno));
	switch (hp_file_header_parse(buf, n, &h, &need, &err)) {
	case HP_PARSE_ERROR:
		return fail(f, err.at, "%s", err.why);
	case HP_PARSE_NEED_MORE:
		return 1;
	default:
		break;
	}
	if (h.header_size > f->size)
		return 1;
	f->defs->features = h.features;
	f->sequenced = h.version >= 2;
	hp_decoder_set_version(&f->dec, h.version);
	f->merge.tsc = h.features & HPT_FEAT_TSC;
	f->off = h.header_size;
	f->have_header = true;
	return 0;
}

/* Decodes the chunk at f->off if the file holds all of it: 1 when it did, 0 when it is incomplete. */
static int read_chunk(struct hp_follow *f)
{
	uint8_t hbuf[HPT_CHUNK_HEADER_SIZE];
	struct hp_chunk_header ch;
	struct hp_parse_error err;
	uint64_t left = f->size - f->off;
	size_t n = left < sizeof(hbuf) ? (size_t)left : sizeof(hbuf), need;

	if (read_at(f, f->off, hbuf, n))
		return fail(f, f->off, "cannot read: %s", strerror(errno));
	int pr = hp_chunk_header_parse(hbuf, n, &ch, &need, &err);
	if (pr == HP_PARSE_ERROR)
		return fail(f, f->off + err.at, "%s", err.why);
	if (pr == HP_PARSE_NEED_MORE || ch.stored_size > left - HPT_CHUNK_HEADER_SIZE)
		return 0;

	uint64_t payload_off = f->off + HPT_CHUNK_HEADER_SIZE;
	/* A file being written has its chunks in order; a copy of one already read is left out, as the
	 * report does; a chunk from elsewhere in the sequence cannot be decoded in this place. */
	if (f->sequenced && ch.seq != f->next_seq) {
		uint32_t behind = (f->next_seq - ch.seq) & ((1u << HPT_CHUNK_SEQ_BITS) - 1);
		if (!f->chunks || behind > f->chunks || behind >= 1u << (HPT_CHUNK_SEQ_BITS - 1))
			return fail(f, f->off + 13, "chunk %u found where chunk %u was due (chunks missing or out of "
				    "order: `hookprof report` reads them in order)", ch.seq, f->next_seq);
		f->duplicate_chunks++;
		f->off = payload_off + ch.stored_size;
		return 1;
	}
	if (reserve(&f->stored, &f->stored_cap, ch.stored_size ? ch.stored_size : 1))
		return fail(f, f->off, "out of memory for a %u-byte chunk", ch.stored_size);
	if (read_at(f, payload_off, f->stored, ch.stored_size))
		return fail(f, payload_off, "cannot read: %s", strerror(errno));
	const uint8_t *records = f->stored;
	if (ch.codec == HPT_CODEC_ZSTD) {
		/* Exactly raw_size: never more than the header claims, itself at most 64 MiB. */
		if (reserve(&f->raw, &f->raw_cap, ch.raw_size ? ch.raw_size : 1))
			return fail(f, f->off, "out of memory for a %u-byte chunk", ch.raw_size);
		if (hp_chunk_decode(f->dctx, &ch, f->stored, f->raw, &err))
			return fail(f, f->off, "%s", err.why);
		records = f->raw;
	}
	int rc = hp_decode_chunk(&f->dec, records, ch.raw_size, f->off, ch.codec == HPT_CODEC_STORED);
	if (rc) {
		if (f->dec.failed)
			snprintf(f->error, sizeof(f->error), "%s: %s", f->path, f->dec.error);
		else if (f->merge.nomem)
			fail(f, f->off, "out of memory");
		return rc;
	}
	f->chunks++;
	f->next_seq = (f->next_seq + 1) & ((1u << HPT_CHUNK_SEQ_BITS) - 1);
	f->off = payload_off + ch.stored_size;
	return 1;
}

int hp_follow_poll(struct hp_follow *f)
{
	struct stat sb;
	int rc;

	if (f->error[0])
		return -1;
	if (fstat(f->fd, &sb))
		return fail(f, f->off, "cannot read: %s", strerror(errno));
	/* The recorder only appends: a shorter file is another one written over it. */
	if ((uint64_t)sb.st_size < f->size)
		return fail(f, (uint64_t)sb.st_size, "the trace shrank from %llu bytes (written over while read)",
			    (unsigned long long)f->size);
	f->size = (uint64_t)sb.st_size;
	if (!f->have_header && (rc = read_header(f)) != 0)
		return rc < 0 ? rc : 0;
	while (f->off < f->size)
		if ((rc = read_chunk(f)) <= 0)
			return rc;
	return 0;
}

int hp_follow_finish(struct hp_follow *f)
{
	int rc = hp_follow_poll(f);

	f->finished = true;
	if (rc)
		return rc;
	if (!f->have_header) {
		if (f->size == 0)
			return fail(f, 0, "empty file, not a trace");
		if (f->size < HPT_HEADER_SIZE)
			return fail(f, 0, "trace cut inside its %u-byte header (%llu bytes)", HPT_HEADER_SIZE,
				    (unsigned long long)f->size);
		return fail(f, 12, "header size runs past the end of the file (%llu bytes)",
			    (unsigned long long)f->size);
	}
	f->truncated = f->off < f->size;
	return hp_merge_flush(&f->merge);
}

bool hp_follow_complete(const struct hp_follow *f)
{
	return f->end_seen && f->end_how != HPT_END_EXEC;
}

uint64_t hp_follow_now_ns(const struct hp_follow *f)
{
	uint64_t last = f->defs->process.last_ns;

	if (f->finished || f->watermark == UINT64_MAX)
		return last;
	uint64_t ns = hp_merge_ns(&f->merge, f->watermark);
	return ns > last ? ns : last;
}

void hp_follow_close(struct hp_follow *f)
{
	if (f->fd < 0)
		return;
	hp_merge_release(&f->merge);
	hp_decoder_release(&f->dec);
	ZSTD_freeDCtx(f->dctx);
	free(f->stored);
	free(f->raw);
	close(f->fd);
	f->fd = -1;
}
