/* trace_read.c: one pass over a trace: header, chunks, zstd, records, merge, the caller's callback.
 *
 * The file is read chunk by chunk with pread, never whole: memory holds one chunk (at most
 * HPT_MAX_RAW_CHUNK decoded), the merge window and the definitions.
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

#include "event_merge.h"
#include "hpt_format.h"
#include "record_decoder.h"
#include "trace.h"

/* Where the bytes come from: a file descriptor or memory. */
struct source {
	int fd;
	const uint8_t *mem;
	uint64_t size;
};

static int read_at(const struct source *s, uint64_t off, void *dst, size_t n)
{
	if (off > s->size || n > s->size - off)
		return -1;
	if (s->mem) {
		memcpy(dst, s->mem + off, n);
		return 0;
	}
	for (size_t got = 0; got < n;) {
		ssize_t k = pread(s->fd, (uint8_t *)dst + got, n - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
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

static int read_source(const struct source *src, const char *name, struct hp_defs *defs, hp_event_fn fn,
		       void *ctx, struct hp_read_status *st)
{
	uint8_t hdr[HPT_HEADER_SIZE], ch[HPT_CHUNK_HEADER_SIZE];
	uint8_t *stored = NULL, *raw = NULL;
	size_t stored_cap = 0, raw_cap = 0;
	ZSTD_DCtx *dctx = NULL;
	struct hp_decoder dec;
	struct hp_merge merge;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	st->bytes = src->size;
	if (src->size == 0)
		return fail(st, name, 0, "empty file, not a trace");
	if (src->size < HPT_HEADER_SIZE || read_at(src, 0, hdr, sizeof(hdr)))
		return fail(st, name, 0, "too short for a trace header (%llu bytes)", (unsigned long long)src->size);
	if (memcmp(hdr, HPT_MAGIC, HPT_MAGIC_SIZE))
		return fail(st, name, 0, "not a hookprof trace (bad magic)");
	uint16_t min_version = hpt_get_le16(hdr + 10);
	uint32_t header_size = hpt_get_le32(hdr + 12);
	if (min_version > HPT_VERSION)
		return fail(st, name, 10, "needs a reader of version %u or later, this one reads version %u",
			    min_version, HPT_VERSION);
	if (header_size < HPT_HEADER_SIZE || header_size > src->size)
		return fail(st, name, 12, "header size %u out of range", header_size);
	defs->features = hpt_get_le64(hdr + 16);

	hp_decoder_init(&dec, defs, hp_merge_push, &merge);
	hp_merge_init(&merge, defs, fn, ctx, defs->features & HPT_FEAT_TSC, &dec.event_ticks);
	if (!(dctx = ZSTD_createDCtx())) {
		fail(st, name, 0, "out of memory");
		goto out;
	}

	for (uint64_t off = header_size; off < src->size;) {
		if (src->size - off < HPT_CHUNK_HEADER_SIZE || read_at(src, off, ch, sizeof(ch))) {
			st->truncated = true;
			st->cut_offset = off;
			break;
		}
		uint32_t nstored = hpt_get_le32(ch + 4), nraw = hpt_get_le32(ch + 8);
		uint8_t codec = ch[12];
		if (memcmp(ch, HPT_CHUNK_MAGIC, 4)) {
			fail(st, name, off, "bad chunk magic (corrupt trace)");
			goto out;
		}
		if (ch[13] || ch[14] || ch[15]) {
			fail(st, name, off + 13, "reserved chunk bytes are not zero (corrupt trace)");
			goto out;
		}
		if (nraw > HPT_MAX_RAW_CHUNK) {
			fail(st, name, off + 8, "chunk claims %u decoded bytes, over the %u MiB limit", nraw,
			     HPT_MAX_RAW_CHUNK >> 20);
			goto out;
		}
		if (codec > HPT_CODEC_ZSTD || (codec == HPT_CODEC_STORED && nstored != nraw)) {
			fail(st, name, off + 12, codec > HPT_CODEC_ZSTD ? "unknown chunk codec %u" : "stored chunk whose sizes differ", codec);
			goto out;
		}
		if (nstored > src->size - off - HPT_CHUNK_HEADER_SIZE) {
			st->truncated = true;
			st->cut_offset = off;
			break;
		}
		if (nstored > ZSTD_compressBound(HPT_MAX_RAW_CHUNK)) {
			fail(st, name, off + 4, "chunk of %u bytes, larger than any valid one", nstored);
			goto out;
		}
		if (nstored > stored_cap) {
			free(stored);
			stored_cap = nstored;
			if (!(stored = malloc(stored_cap))) {
				fail(st, name, off, "out of memory for a %u-byte chunk", nstored);
				goto out;
			}
		}
		if (read_at(src, off + HPT_CHUNK_HEADER_SIZE, stored, nstored)) {
			fail(st, name, off, "cannot read the chunk: %s", strerror(errno));
			goto out;
		}
		const uint8_t *payload = stored;
		if (codec == HPT_CODEC_ZSTD) {
			if (nraw > raw_cap) {
				free(raw);
				raw_cap = nraw;
				if (!(raw = malloc(raw_cap ? raw_cap : 1))) {
					fail(st, name, off, "out of memory for a %u-byte chunk", nraw);
					goto out;
				}
			}
			/* The output buffer is exactly raw_size: a frame that would decode to more fails here. */
			size_t got = ZSTD_decompressDCtx(dctx, raw, nraw, stored, nstored);
			if (ZSTD_isError(got)) {
				fail(st, name, off, "corrupt chunk: %s", ZSTD_getErrorName(got));
				goto out;
			}
			if (got != nraw) {
				fail(st, name, off, "chunk decodes to %zu bytes, its header says %u", got, nraw);
				goto out;
			}
			payload = raw;
		}
		int r = hp_decode_chunk(&dec, payload, nraw, off);
		if (r) {
			if (r == -1)
				snprintf(st->error, sizeof(st->error), "%s: %s", name, dec.error);
			rc = r;
			goto out;
		}
		st->chunks++;
		off += HPT_CHUNK_HEADER_SIZE + nstored;
	}
	rc = hp_merge_flush(&merge);
	if (st->truncated)
		snprintf(st->warning, sizeof(st->warning),
			 "%s: byte %llu: trace cut inside a chunk (process killed?); reporting the %llu chunks before it",
			 name, (unsigned long long)st->cut_offset, (unsigned long long)st->chunks);
	else if (merge.overflowed)
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

	if (src.fd < 0) {
		memset(status, 0, sizeof(*status));
		snprintf(status->error, sizeof(status->error), "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(src.fd, &sb) || !S_ISREG(sb.st_mode)) {
		memset(status, 0, sizeof(*status));
		snprintf(status->error, sizeof(status->error), "cannot read '%s': %s", path,
			 S_ISDIR(sb.st_mode) ? "Is a directory" : "not a regular file");
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
	struct source src = {-1, buf, size};

	return read_source(&src, name, defs, fn, ctx, status);
}
