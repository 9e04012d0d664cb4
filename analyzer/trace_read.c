/* trace_read.c: one pass over a trace: header, chunks, zstd, records, merge, the caller's callback.
 *
 * A file is read chunk by chunk with pread, never whole and never mapped: memory holds one chunk's
 * payload and its decoded bytes (each at most what its header claims, bounded by HPT_MAX_RAW_CHUNK),
 * the merge window and the definitions, whatever the file's size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "chunk_reader.h"
#include "event_merge.h"
#include "hpt_format.h"
#include "record_decoder.h"
#include "trace.h"

/* Where the bytes come from: a file descriptor (mem NULL) or memory. */
struct source {
	int fd;
	const uint8_t *mem;
	uint64_t size;
};

/* Reads n bytes at off into dst; in memory, returns a pointer into it instead (no copy). NULL and
 * errno on a read error. The caller has checked that [off, off + n) lies inside the source. */
static const uint8_t *source_get(const struct source *s, uint64_t off, void *dst, size_t n)
{
	if (s->mem)
		return s->mem + off;
	for (size_t got = 0; got < n;) {
		ssize_t k = pread(s->fd, (uint8_t *)dst + got, n - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = EIO; /* the file shrank under us */
			return NULL;
		}
		got += (size_t)k;
	}
	return dst;
}

static int fail(struct hp_read_status *st, const char *name, uint64_t off, const char *fmt, ...)
{
	char why[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(st->error, sizeof(st->error), "%s: byte %llu: %s", name, (unsigned long long)off, why);
	return -1;
}

/* Grows *buf to at least n bytes, to exactly n when it grows. */
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

static int read_header(const struct source *src, const char *name, struct hp_defs *defs, uint64_t *first_chunk,
		       struct hp_read_status *st)
{
	uint8_t buf[HPT_HEADER_SIZE];
	struct hp_file_header h;
	struct hp_parse_error err;
	size_t n = src->size < HPT_HEADER_SIZE ? (size_t)src->size : HPT_HEADER_SIZE, need;
	const uint8_t *p;

	if (src->size == 0)
		return fail(st, name, 0, "empty file, not a trace");
	if (!(p = source_get(src, 0, buf, n)))
		return fail(st, name, 0, "cannot read: %s", strerror(errno));
	switch (hp_file_header_parse(p, n, &h, &need, &err)) {
	case HP_PARSE_ERROR:
		return fail(st, name, err.at, "%s", err.why);
	case HP_PARSE_NEED_MORE:
		return fail(st, name, 0, "trace cut inside its %u-byte header (%llu bytes)", HPT_HEADER_SIZE,
			    (unsigned long long)src->size);
	default:
		break;
	}
	if (h.header_size > src->size)
		return fail(st, name, 12, "header size %u runs past the end of the file (%llu bytes)", h.header_size,
			    (unsigned long long)src->size);
	defs->features = h.features;
	*first_chunk = h.header_size;
	return 0;
}

static int read_source(const struct source *src, const char *name, struct hp_defs *defs, hp_event_fn fn,
		       void *ctx, struct hp_read_status *st)
{
	uint8_t *stored = NULL, *raw = NULL;
	size_t stored_cap = 0, raw_cap = 0;
	ZSTD_DCtx *dctx = NULL;
	struct hp_decoder dec;
	struct hp_merge merge;
	uint64_t off = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	st->bytes = src->size;
	if (read_header(src, name, defs, &off, st))
		return -1;
	hp_decoder_init(&dec, defs, hp_merge_push, &merge);
	hp_merge_init(&merge, defs, fn, ctx, defs->features & HPT_FEAT_TSC, &dec.event_ticks);
	if (!(dctx = ZSTD_createDCtx())) {
		rc = fail(st, name, off, "out of memory");
		goto out;
	}

	rc = 0;
	while (off < src->size) {
		uint8_t hbuf[HPT_CHUNK_HEADER_SIZE];
		struct hp_chunk_header ch;
		struct hp_parse_error err;
		uint64_t left = src->size - off;
		size_t n = left < sizeof(hbuf) ? (size_t)left : sizeof(hbuf), need;
		const uint8_t *p = source_get(src, off, hbuf, n);

		if (!p) {
			rc = fail(st, name, off, "cannot read: %s", strerror(errno));
			break;
		}
		int pr = hp_chunk_header_parse(p, n, &ch, &need, &err);
		if (pr == HP_PARSE_ERROR) {
			rc = fail(st, name, off + err.at, "%s", err.why);
			break;
		}
		if (pr == HP_PARSE_NEED_MORE || ch.stored_size > left - HPT_CHUNK_HEADER_SIZE) {
			st->truncated = true;
			st->cut_offset = off;
			break;
		}
		uint64_t payload_off = off + HPT_CHUNK_HEADER_SIZE;
		if (!src->mem && reserve(&stored, &stored_cap, ch.stored_size)) {
			rc = fail(st, name, off, "out of memory for a %u-byte chunk", ch.stored_size);
			break;
		}
		const uint8_t *payload = source_get(src, payload_off, stored, ch.stored_size);
		if (!payload) {
			rc = fail(st, name, payload_off, "cannot read: %s", strerror(errno));
			break;
		}
		const uint8_t *records = payload;
		if (ch.codec == HPT_CODEC_ZSTD) {
			/* Exactly raw_size: never more than the header claims, itself at most 64 MiB. */
			if (reserve(&raw, &raw_cap, ch.raw_size ? ch.raw_size : 1)) {
				rc = fail(st, name, off, "out of memory for a %u-byte chunk", ch.raw_size);
				break;
			}
			if (hp_chunk_decode(dctx, &ch, payload, raw, &err)) {
				rc = fail(st, name, off, "%s", err.why);
				break;
			}
			records = raw;
		}
		rc = hp_decode_chunk(&dec, records, ch.raw_size, off, ch.codec == HPT_CODEC_STORED);
		if (rc) {
			if (dec.failed)
				snprintf(st->error, sizeof(st->error), "%s: %s", name, dec.error);
			else if (merge.nomem)
				fail(st, name, off, "out of memory");
			break;
		}
		st->chunks++;
		off = payload_off + ch.stored_size;
	}
	/* What came before a cut or a corrupt chunk is delivered; a callback that said stop is obeyed. */
	if (rc == 0 || st->error[0]) {
		int frc = hp_merge_flush(&merge);
		if (rc == 0)
			rc = frc;
	}
	if (rc == 0 && st->truncated)
		snprintf(st->warning, sizeof(st->warning),
			 "%s: byte %llu: trace cut inside a chunk (process killed?); reporting the first %llu chunks",
			 name, (unsigned long long)st->cut_offset, (unsigned long long)st->chunks);
	else if (rc == 0 && merge.overflowed)
		snprintf(st->warning, sizeof(st->warning),
			 "%s: events released before their sync: order across threads not guaranteed", name);
out:
	st->events = merge.released;
	hp_merge_release(&merge);
	hp_decoder_release(&dec);
	ZSTD_freeDCtx(dctx);
	free(stored);
	free(raw);
	return rc;
}

int hp_trace_read(const char *path, struct hp_defs *defs, hp_event_fn fn, void *ctx, struct hp_read_status *status)
{
	struct stat sb;
	struct source src = {open(path, O_RDONLY | O_CLOEXEC), NULL, 0};

	memset(status, 0, sizeof(*status));
	if (src.fd < 0) {
		snprintf(status->error, sizeof(status->error), "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	const char *why = fstat(src.fd, &sb) ? strerror(errno)
			  : S_ISDIR(sb.st_mode)  ? "Is a directory"
			  : !S_ISREG(sb.st_mode) ? "not a regular file"
						 : NULL;
	if (why) {
		snprintf(status->error, sizeof(status->error), "cannot read '%s': %s", path, why);
		close(src.fd);
		return -1;
	}
	src.size = (uint64_t)sb.st_size;
	int rc = read_source(&src, path, defs, fn, ctx, status);
	close(src.fd);
	return rc;
}

int hp_trace_read_mem(const void *buf, size_t size, const char *name, struct hp_defs *defs, hp_event_fn fn,
		      void *ctx, struct hp_read_status *status)
{
	/* A NULL buffer of size 0 is an empty file; mem must not be NULL for source_get's sake. */
	static const uint8_t none[1];
	struct source src = {-1, buf ? buf : none, size};

	return read_source(&src, name, defs, fn, ctx, status);
}
