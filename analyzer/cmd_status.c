/* cmd_status.c: `hookprof-analyze status TRACE...`: does each trace end with its process's end?
 *
 * The launcher asks after a run, to say "incomplete" instead of "trace written" when the recorder
 * lost its trace (the program took it away) or the process was killed. Only the chunk headers are
 * read, and the last whole chunk decoded: PROCESS_END, when written, is in it (trace_writer.c ends
 * every way out with PROCESS_END and a flush), so the answer costs no pass over the events.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "commands.h"
#include "hpt_format.h"

static const char usage[] = "usage: hookprof-analyze status TRACE...\n"
			    "Prints 'TRACE: complete' or 'TRACE: incomplete: WHY' for each trace; exit 0 when all are complete,\n"
			    "1 when one is not, 2 when one cannot be read.\n";

static int read_at(int fd, void *buf, size_t n, off_t at)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, (char *)buf + got, n - got, at + (off_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

/* True when the raw records hold PROCESS_END. */
static int holds_end(const uint8_t *raw, size_t n)
{
	struct hpt_cursor c = {raw, raw + n};

	while (c.p < c.end) {
		uint8_t type = *c.p++;
		uint64_t len;
		if (hpt_get_u(&c, &len) || len > (uint64_t)(c.end - c.p))
			return 0;
		if (type == HPT_PROCESS_END)
			return 1;
		c.p += len;
	}
	return 0;
}

/* 1 complete, 0 incomplete (why says why), -1 unreadable (why says why). */
static int trace_status(const char *path, char *why, size_t size)
{
	struct stat st;
	uint8_t h[HPT_CHUNK_HEADER_SIZE > HPT_HEADER_SIZE ? HPT_CHUNK_HEADER_SIZE : HPT_HEADER_SIZE];
	int rc = -1;

	if (stat(path, &st) || !S_ISREG(st.st_mode)) {
		snprintf(why, size, "%s", errno && !S_ISREG(st.st_mode) ? strerror(errno) : "not a regular file");
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, size, "%s", strerror(errno));
		return -1;
	}
	off_t at = 0, last = -1;
	if (read_at(fd, h, HPT_HEADER_SIZE, 0) || memcmp(h, HPT_MAGIC, HPT_MAGIC_SIZE)) {
		snprintf(why, size, "not a hookprof trace");
		goto out;
	}
	at = hpt_get_le32(h + 12);
	rc = 0;
	uint32_t stored = 0, raw_size = 0;
	uint8_t codec = 0;
	while (at < st.st_size) {
		if (read_at(fd, h, HPT_CHUNK_HEADER_SIZE, at) || memcmp(h, HPT_CHUNK_MAGIC, 4) ||
		    at + HPT_CHUNK_HEADER_SIZE + (off_t)hpt_get_le32(h + 4) > st.st_size) {
			snprintf(why, size, "cut at byte %lld: the process was killed, or its trace taken away",
				 (long long)at);
			goto out;
		}
		last = at;
		stored = hpt_get_le32(h + 4);
		raw_size = hpt_get_le32(h + 8);
		codec = h[12];
		at += HPT_CHUNK_HEADER_SIZE + (off_t)stored;
	}
	snprintf(why, size, "the process's end is not recorded: killed, or its trace taken away");
	if (last < 0 || raw_size > HPT_MAX_RAW_CHUNK)
		goto out;
	uint8_t *z = malloc(stored ? stored : 1), *raw = malloc(raw_size ? raw_size : 1);
	if (z && raw && read_at(fd, z, stored, last + HPT_CHUNK_HEADER_SIZE) == 0) {
		size_t n = codec == HPT_CODEC_STORED ? (memcpy(raw, z, stored < raw_size ? stored : raw_size), stored)
						      : ZSTD_decompress(raw, raw_size, z, stored);
		if (!ZSTD_isError(n) && n <= raw_size && holds_end(raw, n))
			rc = 1;
	}
	free(z);
	free(raw);
out:
	close(fd);
	return rc;
}

int cmd_status(int argc, const char **argv)
{
	int worst = 0;

	if (argc < 2)
		return hp_usage_error("status", usage, "no trace given");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		char why[256];
		int s = trace_status(argv[i], why, sizeof(why));
		if (s < 0) {
			fprintf(stderr, "hookprof: cannot read '%s': %s\n", argv[i], why);
			worst = 2;
		} else if (s == 0) {
			printf("%s: incomplete: %s\n", argv[i], why);
			worst = worst ? worst : 1;
		} else {
			printf("%s: complete\n", argv[i]);
		}
	}
	return worst;
}
