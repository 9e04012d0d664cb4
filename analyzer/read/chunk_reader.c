/* chunk_reader.c: bounded parsing of the file and chunk headers, and one chunk's decompression. */
#include "read/chunk_reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpt_format.h"
#include "read/trace_source.h"

static int parse_error(struct hp_parse_error *err, uint64_t at, const char *fmt, ...)
{
	va_list ap;

	err->at = at;
	va_start(ap, fmt);
	vsnprintf(err->why, sizeof(err->why), fmt, ap);
	va_end(ap);
	return HP_PARSE_ERROR;
}

int hp_file_header_parse(const void *src, size_t size, struct hp_file_header *h, size_t *need,
			 struct hp_parse_error *err)
{
	const uint8_t *p = src;

	/* The magic is judged on what is there, so that a short non-trace is "not a trace", not "cut". */
	if (memcmp(p, HPT_MAGIC, size < HPT_MAGIC_SIZE ? size : HPT_MAGIC_SIZE))
		return parse_error(err, 0, "not a hookprof trace (bad magic)");
	if (size < HPT_HEADER_SIZE) {
		*need = HPT_HEADER_SIZE;
		return HP_PARSE_NEED_MORE;
	}
	h->version = hpt_get_le16(p + 8);
	h->min_reader_version = hpt_get_le16(p + 10);
	h->header_size = hpt_get_le32(p + 12);
	h->features = hpt_get_le64(p + 16);
	if (h->min_reader_version > HPT_VERSION)
		return parse_error(err, 10, "written for readers of version %u or later; this one reads version %u",
				   h->min_reader_version, HPT_VERSION);
	if (h->header_size < HPT_HEADER_SIZE)
		return parse_error(err, 12, "header size %u is below the minimum of %u", h->header_size,
				   HPT_HEADER_SIZE);
	return HP_PARSE_OK;
}

int hp_chunk_header_parse(const void *src, size_t size, struct hp_chunk_header *ch, size_t *need,
			  struct hp_parse_error *err)
{
	const uint8_t *p = src;

	if (memcmp(p, HPT_CHUNK_MAGIC, size < 4 ? size : 4))
		return parse_error(err, 0, "bad chunk magic (corrupt trace)");
	if (size < HPT_CHUNK_HEADER_SIZE) {
		*need = HPT_CHUNK_HEADER_SIZE;
		return HP_PARSE_NEED_MORE;
	}
	ch->stored_size = hpt_get_le32(p + 4);
	ch->raw_size = hpt_get_le32(p + 8);
	ch->codec = p[12];
	ch->seq = (uint32_t)p[13] | (uint32_t)p[14] << 8 | (uint32_t)p[15] << 16;
	if (ch->codec != HPT_CODEC_STORED && ch->codec != HPT_CODEC_ZSTD)
		return parse_error(err, 12, "unknown chunk codec %u", ch->codec);
	if (ch->raw_size > HPT_MAX_RAW_CHUNK)
		return parse_error(err, 8, "chunk claims %u decoded bytes, over the %u MiB limit", ch->raw_size,
				   HPT_MAX_RAW_CHUNK >> 20);
	if (ch->codec == HPT_CODEC_STORED && ch->stored_size != ch->raw_size)
		return parse_error(err, 4, "stored chunk of %u bytes claims %u decoded bytes", ch->stored_size,
				   ch->raw_size);
	/* Checked before the payload is looked for: an impossible size is corruption, not a cut file. */
	if (ch->codec == HPT_CODEC_ZSTD && ch->stored_size > ZSTD_compressBound(ch->raw_size))
		return parse_error(err, 4, "zstd chunk of %u bytes cannot decode to %u bytes", ch->stored_size,
				   ch->raw_size);
	return HP_PARSE_OK;
}

int hp_chunk_decode(ZSTD_DCtx *dctx, const struct hp_chunk_header *ch, const void *payload, void *raw,
		    struct hp_parse_error *err)
{
	if (ch->codec == HPT_CODEC_STORED) {
		if (ch->raw_size)
			memcpy(raw, payload, ch->raw_size);
		return 0;
	}
	/* One frame exactly: trailing bytes or a second frame would be data no writer put there. */
	size_t frame = ZSTD_findFrameCompressedSize(payload, ch->stored_size);
	if (ZSTD_isError(frame))
		return parse_error(err, 0, "corrupt chunk: %s", ZSTD_getErrorName(frame));
	if (frame != ch->stored_size)
		return parse_error(err, 0, "corrupt chunk: %zu bytes after its zstd frame",
				   ch->stored_size - frame);
	unsigned long long content = ZSTD_getFrameContentSize(payload, ch->stored_size);
	if (content != ZSTD_CONTENTSIZE_UNKNOWN && content != ch->raw_size)
		return parse_error(err, 0, "corrupt chunk: its frame holds %llu bytes, the header says %u", content,
				   ch->raw_size);
	/* raw has exactly raw_size bytes: a frame that would decode to more stops with an error here. */
	size_t got = ZSTD_decompressDCtx(dctx, raw, ch->raw_size, payload, ch->stored_size);
	if (ZSTD_isError(got))
		return parse_error(err, 0, "corrupt chunk: %s", ZSTD_getErrorName(got));
	if (got != ch->raw_size)
		return parse_error(err, 0, "corrupt chunk: decodes to %zu bytes, the header says %u", got,
				   ch->raw_size);
	return 0;
}

int hp_chunk_load(const struct hp_source *src, uint64_t at, uint8_t **raw, size_t *n)
{
	uint8_t head[HPT_CHUNK_HEADER_SIZE];
	struct hp_chunk_header ch;
	struct hp_parse_error err;
	size_t need;

	*raw = NULL;
	if (at > src->size || src->size - at < HPT_CHUNK_HEADER_SIZE ||
	    !hp_source_get(src, at, head, HPT_CHUNK_HEADER_SIZE) ||
	    hp_chunk_header_parse(head, HPT_CHUNK_HEADER_SIZE, &ch, &need, &err) != HP_PARSE_OK ||
	    src->size - at - HPT_CHUNK_HEADER_SIZE < ch.stored_size)
		return -1;
	uint8_t *stored = malloc(ch.stored_size ? ch.stored_size : 1), *out = malloc(ch.raw_size ? ch.raw_size : 1);
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	const uint8_t *payload = stored ? hp_source_get(src, at + HPT_CHUNK_HEADER_SIZE, stored, ch.stored_size) : NULL;
	int rc = payload && out && dctx && hp_chunk_decode(dctx, &ch, payload, out, &err) == 0 ? 0 : -1;
	ZSTD_freeDCtx(dctx);
	free(stored);
	if (rc)
		free(out);
	else
		*raw = out, *n = ch.raw_size;
	return rc;
}
