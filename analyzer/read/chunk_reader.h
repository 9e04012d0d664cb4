/* chunk_reader.h: the file header and chunk headers of a trace, parsed from memory, and chunk decoding.
 *
 * Parsers take (src, size) and answer error / need-more-bytes / ok, zstd's way: they never read past
 * size, never allocate, never print. docs/trace-format.md, "File layout", is what they check.
 */
#ifndef HP_CHUNK_READER_H
#define HP_CHUNK_READER_H

#include <stddef.h>
#include <stdint.h>
#include <zstd.h>

enum hp_parse_result {
	HP_PARSE_ERROR = -1,    /* err says where (offset from src) and why */
	HP_PARSE_OK = 0,        /* the header is filled in */
	HP_PARSE_NEED_MORE = 1, /* *need is how many bytes from src the parser needs */
};

/* Why a parse failed: at is relative to the src given to the parser. */
struct hp_parse_error {
	uint64_t at;
	char why[160];
};

struct hp_file_header {
	uint16_t version;
	uint16_t min_reader_version;
	uint32_t header_size; /* chunks start at this offset */
	uint64_t features;
};

struct hp_chunk_header {
	uint32_t stored_size; /* payload bytes after the 16-byte header */
	uint32_t raw_size;    /* payload bytes once decoded, <= HPT_MAX_RAW_CHUNK */
	uint8_t codec;        /* HPT_CODEC_* */
	uint32_t seq;         /* bytes 13..15: the sequence number (version 2; zero in version 1) */
};

/* The 32-byte file header at the start of src. Rejects a bad magic, a min_reader_version above
 * HPT_VERSION and a header_size below 32; a header_size past the end of the file is the caller's to
 * check (this parser does not know the file's size). Bytes 24..31 are not checked: the spec lets a
 * later version use them without raising min_reader_version. */
int hp_file_header_parse(const void *src, size_t size, struct hp_file_header *h, size_t *need,
			 struct hp_parse_error *err);

/* The 16-byte chunk header at src. Rejects a bad magic, an unknown codec,
 * raw_size above HPT_MAX_RAW_CHUNK, a stored chunk whose two sizes differ, and a stored_size no zstd
 * frame of a valid chunk can have. Whether the payload is all there is the caller's to check. */
int hp_chunk_header_parse(const void *src, size_t size, struct hp_chunk_header *ch, size_t *need,
			  struct hp_parse_error *err);

/* Decodes one chunk's payload (stored_size bytes) into raw, a buffer of exactly ch->raw_size bytes.
 * A stored payload is copied. A zstd payload must be exactly one frame that decodes to raw_size bytes
 * and passes its checksum; zstd writes only into raw, so a frame that claims or decodes to more (a
 * "zstd bomb") fails instead of allocating. Returns 0, or -1 with err->why (err->at is 0: the chunk's
 * payload as a whole is at fault). dctx is the caller's, reused across chunks. */
int hp_chunk_decode(ZSTD_DCtx *dctx, const struct hp_chunk_header *ch, const void *payload, void *raw,
		    struct hp_parse_error *err);

struct hp_source;

/* The one chunk whose header is at byte `at` of src, read and decoded: *raw (the caller's to free)
 * holds its *n decoded bytes. For a reader that needs one chunk (the first's PROCESS, the last's
 * end); -1 when it cannot be read, lies past the end of src, or does not decode. */
int hp_chunk_load(const struct hp_source *src, uint64_t at, uint8_t **raw, size_t *n);

#endif
