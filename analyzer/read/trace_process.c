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
	struct hp_source src = {.fd = -1};
	uint8_t head[HPT_HEADER_SIZE], *raw;
	struct hp_file_header fh;
	struct hp_parse_error err;
	size_t need, n;
	int rc = -1;

	if ((src.fd = hp_open_regular(path, &src.size, why, sizeof(why))) < 0)
		return -1;
	if (src.size >= HPT_HEADER_SIZE && hp_source_get(&src, 0, head, HPT_HEADER_SIZE) &&
	    hp_file_header_parse(head, HPT_HEADER_SIZE, &fh, &need, &err) == HP_PARSE_OK &&
	    hp_chunk_load(&src, fh.header_size, &raw, &n) == 0) {
		rc = find_process(raw, n, strings, out) ? 0 : -1;
		free(raw);
	}
	close(src.fd);
	return rc;
}
