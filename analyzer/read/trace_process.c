/* trace_process.c: a trace's PROCESS record, read from its first chunk alone: which process wrote it,
 * for a loader that must know a run's parents before it reads their children (run.c). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpt_format.h"
#include "read/chunk_reader.h"
#include "read/record_decoder.h"
#include "read/trace.h"
#include "read/trace_source.h"

/* The PROCESS record among the records of raw, into out; false when there is none (or it is bad). */
static bool find_process(const uint8_t *raw, size_t n, bool strings, struct hp_process_info *out)
{
	struct hpt_cursor c = {raw, raw + n};

	while (c.p < c.end) {
		uint8_t type = *c.p++;
		uint64_t len;
		if (hpt_get_u(&c, &len) || len > (uint64_t)(c.end - c.p))
			return false;
		struct hpt_cursor r = {c.p, c.p + len};
		c.p += len;
		if (type == HPT_PROCESS) {
			memset(out, 0, sizeof(*out));
			if (!hp_decode_process(out, &r, strings) && out->seen)
				return true;
			hp_process_info_release(out);
			return false;
		}
	}
	return false;
}

int hp_trace_process(const char *path, bool strings, struct hp_process_info *out)
{
	char why[256];
	uint64_t size;
	int fd = hp_open_regular(path, &size, why, sizeof(why));
	uint8_t head[HPT_HEADER_SIZE + HPT_CHUNK_HEADER_SIZE];
	struct hp_file_header fh;
	struct hp_chunk_header ch;
	struct hp_parse_error err;
	size_t need;
	int rc = -1;

	if (fd < 0)
		return -1;
	if (pread(fd, head, HPT_HEADER_SIZE, 0) != HPT_HEADER_SIZE ||
	    hp_file_header_parse(head, HPT_HEADER_SIZE, &fh, &need, &err) != HP_PARSE_OK ||
	    pread(fd, head, HPT_CHUNK_HEADER_SIZE, fh.header_size) != HPT_CHUNK_HEADER_SIZE ||
	    hp_chunk_header_parse(head, HPT_CHUNK_HEADER_SIZE, &ch, &need, &err) != HP_PARSE_OK ||
	    (uint64_t)fh.header_size + HPT_CHUNK_HEADER_SIZE + ch.stored_size > size) {
		close(fd);
		return -1;
	}
	uint8_t *stored = malloc(ch.stored_size ? ch.stored_size : 1), *raw = malloc(ch.raw_size ? ch.raw_size : 1);
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	if (stored && raw && dctx &&
	    pread(fd, stored, ch.stored_size, (off_t)fh.header_size + HPT_CHUNK_HEADER_SIZE) == (ssize_t)ch.stored_size &&
	    hp_chunk_decode(dctx, &ch, stored, raw, &err) == 0 && find_process(raw, ch.raw_size, strings, out))
		rc = 0;
	ZSTD_freeDCtx(dctx);
	free(stored);
	free(raw);
	close(fd);
	return rc;
}
