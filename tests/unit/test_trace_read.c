/* test_trace_read.c: whole traces through hp_trace_read / hp_trace_read_mem: cuts, corruption, bombs,
 * and the reader thread's blocks: many of them, a stop or an error while it is ahead, definitions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "read/trace.h"
#include "trace_builder.h"

#define ALLOCS_PER_CHUNK 5

/* A 3-chunk trace (stored, zstd, zstd): chunk i holds 5 allocations on stream i+1 and (i > 0) a SYNC;
 * ends[] receives each chunk's end offset, events[] the events each chunk carries. */
static void three_chunks(struct tb *b, size_t ends[3], size_t events[3])
{
	tb_init(b, 0);
	for (int c = 0; c < 3; c++) {
		tb_stream(b, 0);
		if (c == 0)
			tb_clock(b, 100, 100, 1);
		tb_stream(b, (uint32_t)c + 1);
		for (int i = 0; i < ALLOCS_PER_CHUNK; i++)
			tb_alloc(b, 1000 * (c + 1) + 10 * i, HPT_KIND_MALLOC, 0x10000 + 0x100 * (c * 10 + i), 16 + i, 0);
		tb_stream(b, 0);
		tb_sync(b, 1000 * (c + 1) + 500);
		tb_chunk(b, c == 0 ? HPT_CODEC_STORED : HPT_CODEC_ZSTD);
		ends[c] = b->len;
		events[c] = ALLOCS_PER_CHUNK;
	}
}

static void round_trip_mem_and_file(void **state)
{
	struct tb b;
	size_t ends[3], counts[3];
	struct hp_defs defs;
	struct tb_events a = {0}, f = {0};
	struct hp_read_status st;
	char path[] = "/tmp/hp-test-XXXXXX";

	(void)state;
	three_chunks(&b, ends, counts);
	assert_int_equal(tb_read(&b, b.len, &defs, &a, &st), 0);
	assert_int_equal(a.n, 15);
	assert_int_equal(st.chunks, 3);
	assert_int_equal(st.events, 15);
	assert_int_equal(st.bytes, b.len);
	assert_false(st.truncated);
	assert_string_equal(st.warning, "");
	for (size_t i = 0; i < a.n; i++) {
		assert_int_equal(a.ev[i].type, HP_EV_ALLOC);
		assert_int_equal(a.ev[i].stream, i / 5 + 1);
		assert_int_equal(a.ev[i].tick, 1000 * (i / 5 + 1) + 10 * (i % 5));
		assert_int_equal(a.ev[i].ns, a.ev[i].tick - 100); /* no TSC: ticks are ns since the CLOCK */
		assert_int_equal(a.ev[i].addr, 0x10000 + 0x100 * ((i / 5) * 10 + i % 5));
		assert_int_equal(a.ev[i].size, 16 + i % 5);
	}
	assert_int_equal(defs.process.last_ns, a.ev[14].ns);
	hp_defs_release(&defs);

	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b.buf, b.len), (ssize_t)b.len);
	close(fd);
	hp_defs_init(&defs);
	assert_int_equal(hp_trace_read(path, &defs, tb_collect, &f, &st), 0);
	assert_int_equal(f.n, a.n);
	assert_memory_equal(f.ev, a.ev, a.n * sizeof(*a.ev));
	hp_defs_release(&defs);
	unlink(path);

	hp_defs_init(&defs);
	assert_int_equal(hp_trace_read(path, &defs, tb_collect, &f, &st), -1);
	assert_non_null(strstr(st.error, "cannot open '/tmp/hp-test-"));
	assert_non_null(strstr(st.error, "No such file or directory"));
	assert_int_equal(hp_trace_read("/tmp", &defs, tb_collect, &f, &st), -1);
	assert_string_equal(st.error, "cannot read '/tmp': Is a directory");
	hp_defs_release(&defs);
	free(a.ev);
	free(f.ev);
	tb_release(&b);
}

/* hp_trace_process of the trace in b, written to a file; its return value. */
static int process_of(struct tb *b, size_t len, struct hp_process_info *pi)
{
	char path[] = "/tmp/hp-test-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, b->buf, len), (ssize_t)len);
	close(fd);
	memset(pi, 0, sizeof(*pi));
	int rc = hp_trace_process(path, false, pi);
	unlink(path);
	return rc;
}

/* A trace's PROCESS record read from its first chunk alone (the run loader's look ahead at a run's
 * forks): with the FORK it names, without it (a recorder before the field), and none to read. */
static void process_record_read_alone(void **state)
{
	struct tb b;
	struct hp_process_info pi;

	(void)state;
	for (int with_fork = 0; with_fork < 2; with_fork++) {
		for (uint8_t codec = HPT_CODEC_STORED; codec <= HPT_CODEC_ZSTD; codec++) {
			tb_init(&b, 0);
			tb_stream(&b, 0);
			if (with_fork)
				tb_rec(&b, HPT_PROCESS, TB_U(42) TB_U(7) TB_U(1700) TB_U(HPT_PROCESS_FORKED) TB_STR("/bin/x")
				       TB_U(1) TB_STR("x") TB_U(3));
			else
				tb_rec(&b, HPT_PROCESS, TB_U(42) TB_U(7) TB_U(1700) TB_U(0) TB_STR("/bin/x") TB_U(1) TB_STR("x"));
			tb_alloc(&b, 1000, HPT_KIND_MALLOC, 0x1000, 16, 0);
			tb_chunk(&b, codec);
			assert_int_equal(process_of(&b, b.len, &pi), 0);
			assert_true(pi.seen);
			assert_int_equal(pi.pid, 42);
			assert_int_equal(pi.ppid, 7);
			assert_int_equal(pi.start_real_ns, 1700);
			assert_int_equal(pi.flags, with_fork ? HPT_PROCESS_FORKED : 0);
			assert_int_equal(pi.fork_seq, with_fork ? 3 : 0);
			assert_null(pi.exe);
			/* Cut inside its first chunk: nothing to read. */
			assert_int_equal(process_of(&b, b.len - 1, &pi), -1);
			tb_release(&b);
		}
	}
	/* A first chunk without PROCESS, and a PROCESS whose argc runs past the record. */
	tb_init(&b, 0);
	tb_alloc(&b, 1000, HPT_KIND_MALLOC, 0x1000, 16, 0);
	tb_chunk(&b, HPT_CODEC_STORED);
	assert_int_equal(process_of(&b, b.len, &pi), -1);
	tb_release(&b);
	tb_init(&b, 0);
	tb_rec(&b, HPT_PROCESS, TB_U(42) TB_U(7) TB_U(1700) TB_U(0) TB_STR("/bin/x") TB_U(5) TB_STR("x"));
	tb_chunk(&b, HPT_CODEC_STORED);
	assert_int_equal(process_of(&b, b.len, &pi), -1);
	tb_release(&b);
}

/* The trace cut at every byte: never a crash, the events of whole chunks only, the cut reported. */
static void cut_at_every_byte(void **state)
{
	struct tb b;
	size_t ends[3], counts[3];
	struct hp_defs defs;
	struct tb_events out = {0};
	struct hp_read_status st;

	(void)state;
	three_chunks(&b, ends, counts);
	for (size_t cut = 0; cut <= b.len; cut++) {
		int rc = tb_read(&b, cut, &defs, &out, &st);
		if (cut < HPT_HEADER_SIZE) {
			char msg[100];
			snprintf(msg, sizeof(msg), "t.hpt: byte 0: trace cut inside its 32-byte header (%zu bytes)", cut);
			assert_int_equal(rc, -1);
			assert_int_equal(out.n, 0);
			assert_string_equal(st.error, cut ? msg : "t.hpt: byte 0: empty file, not a trace");
		} else {
			size_t whole = 0, want = 0, at = HPT_HEADER_SIZE;
			while (whole < 3 && ends[whole] <= cut) {
				want += counts[whole];
				at = ends[whole];
				whole++;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(out.n, want);
			assert_int_equal(st.chunks, whole);
			assert_int_equal(st.truncated, cut != at);
			if (cut != at) {
				char msg[200];
				assert_int_equal(st.cut_offset, at);
				snprintf(msg, sizeof(msg),
					 "t.hpt: byte %zu: trace cut inside a chunk (process killed?); reporting the first %zu chunks",
					 at, whole);
				assert_string_equal(st.warning, msg);
			} else {
				assert_string_equal(st.warning, "");
			}
		}
		hp_defs_release(&defs);
	}
	free(out.ev);
	tb_release(&b);
}

static void bad_headers(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct tb_events out = {0};
	struct hp_read_status st;

	(void)state;

	tb_init_bare(&b);
	tb_raw(&b, "GIF89a this is not a trace at all, no", 38);
	assert_int_equal(tb_read(&b, b.len, &defs, &out, &st), -1);
	assert_string_equal(st.error, "t.hpt: byte 0: not a hookprof trace (bad magic)");
	hp_defs_release(&defs);
	assert_int_equal(tb_read(&b, 3, &defs, &out, &st), -1); /* 3 bytes that are not a magic's prefix */
	assert_string_equal(st.error, "t.hpt: byte 0: not a hookprof trace (bad magic)");
	hp_defs_release(&defs);
	tb_release(&b);

	tb_init_bare(&b);
	tb_header(&b, HPT_VERSION + 2, HPT_VERSION + 1, HPT_HEADER_SIZE, 0);
	assert_int_equal(tb_read(&b, b.len, &defs, &out, &st), -1);
	char want[128];
	snprintf(want, sizeof(want), "t.hpt: byte 10: written for readers of version %d or later; this one reads version %d",
		 HPT_VERSION + 1, HPT_VERSION);
	assert_string_equal(st.error, want);
	hp_defs_release(&defs);
	tb_release(&b);

	tb_init_bare(&b);
	tb_header(&b, 1, 1, 16, 0);
	assert_int_equal(tb_read(&b, b.len, &defs, &out, &st), -1);
	assert_string_equal(st.error, "t.hpt: byte 12: header size 16 is below the minimum of 32");
	hp_defs_release(&defs);
	tb_release(&b);

	tb_init_bare(&b);
	tb_header(&b, 1, 1, 0xffffffffu, 0);
	assert_int_equal(tb_read(&b, b.len, &defs, &out, &st), -1);
	assert_string_equal(st.error, "t.hpt: byte 12: header size 4294967295 runs past the end of the file (32 bytes)");
	hp_defs_release(&defs);
	tb_release(&b);

	/* A later version's longer header (same min version) is skipped; a header alone is an empty trace. */
	tb_init_bare(&b);
	tb_header(&b, 2, 1, 40, HPT_FEAT_STACKS);
	tb_raw(&b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_int_equal(tb_read(&b, b.len, &defs, &out, &st), 0);
	assert_int_equal(st.chunks, 0);
	assert_false(st.truncated);
	assert_int_equal(defs.features, HPT_FEAT_STACKS);
	hp_defs_release(&defs);
	tb_stream(&b, 1);
	tb_alloc(&b, 5, 0, 0x40, 8, 0);
	tb_chunk(&b, HPT_CODEC_ZSTD);
	assert_int_equal(tb_read(&b, b.len, &defs, &out, &st), 0);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.ev[0].addr, 0x40);
	hp_defs_release(&defs);
	tb_release(&b);
	free(out.ev);
}

/* A good chunk, then the given bad chunk header and payload: -1, the first chunk's event delivered, and
 * the message, given as "+K: why" with K the offset of the fault from the bad chunk's start. */
static void expect_bad_chunk(uint32_t stored, uint32_t raw, uint8_t codec, const uint8_t reserved[3],
			     const void *payload, size_t n, const char *why_after_offset)
{
	struct tb b;
	struct hp_defs defs;
	struct tb_events out = {0};
	struct hp_read_status st;
	char expect[300];
	unsigned rel;
	int used;

	tb_init(&b, 0);
	tb_stream(&b, 1);
	tb_alloc(&b, 5, 0, 0x40, 8, 0);
	tb_chunk(&b, HPT_CODEC_STORED);
	size_t at = b.len;
	tb_chunk_raw(&b, stored, raw, codec, reserved, payload, n);
	assert_int_equal(tb_read(&b, b.len, &defs, &out, &st), -1);
	assert_int_equal(sscanf(why_after_offset, "+%u: %n", &rel, &used), 1);
	snprintf(expect, sizeof(expect), "t.hpt: byte %zu: %s", at + rel, why_after_offset + used);
	assert_string_equal(st.error, expect);
	assert_int_equal(out.n, 1); /* the chunk before was delivered */
	assert_int_equal(st.chunks, 1);
	hp_defs_release(&defs);
	free(out.ev);
	tb_release(&b);
}

/* Three chunks A (alloc 0x40), B (alloc 0x80), C (free 0x40) put together in another order: what the
 * reader delivers, and what it says of the chunks. `order` names the chunks ("ABBC"). */
static void read_chunks_in(const char *order, const char *expect_addrs, uint64_t dups, uint64_t reordered,
			   uint64_t missing_seq, uint64_t unread)
{
	struct tb b, out_file;
	struct hp_defs defs;
	struct tb_events out = {0};
	struct hp_read_status st;
	size_t at[4];
	char got[64] = "";

	tb_init(&b, 0);
	tb_stream(&b, 1);
	tb_alloc(&b, 10, 0, 0x40, 8, 0);
	at[0] = tb_chunk(&b, HPT_CODEC_STORED);
	tb_stream(&b, 1);
	tb_alloc(&b, 20, 0, 0x80, 8, 0);
	at[1] = tb_chunk(&b, HPT_CODEC_ZSTD);
	tb_stream(&b, 1);
	tb_free(&b, 30, 0, 0x40);
	at[2] = tb_chunk(&b, HPT_CODEC_STORED);
	at[3] = b.len;
	tb_init_bare(&out_file);
	tb_raw(&out_file, b.buf, at[0]);
	for (const char *c = order; *c; c++)
		tb_raw(&out_file, b.buf + at[*c - 'A'], at[*c - 'A' + 1] - at[*c - 'A']);
	assert_int_equal(tb_read(&out_file, out_file.len, &defs, &out, &st), 0);
	for (size_t i = 0; i < out.n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%c%llx", i ? " " : "",
			 out.ev[i].type == HP_EV_FREE ? '-' : '+', (unsigned long long)out.ev[i].addr);
	assert_string_equal(got, expect_addrs);
	assert_int_equal(st.integrity.duplicate_chunks, dups);
	assert_int_equal(st.integrity.reordered_chunks, reordered);
	assert_int_equal(st.integrity.missing_seq, missing_seq);
	assert_int_equal(st.integrity.unread_chunks, unread);
	assert_true(!st.integrity.missing_off == !unread);
	hp_defs_release(&defs);
	free(out.ev);
	tb_release(&out_file);
	tb_release(&b);
}

static void chunk_integrity(void **state)
{
	(void)state;
	read_chunks_in("ABC", "+40 +80 -40", 0, 0, 0, 0);
	/* A chunk written twice is read once: the deltas after it stay right (the free finds its block). */
	read_chunks_in("ABBC", "+40 +80 -40", 1, 0, 0, 0);
	read_chunks_in("AABCC", "+40 +80 -40", 2, 0, 0, 0);
	/* Out of order: read in the order written. */
	read_chunks_in("ACB", "+40 +80 -40", 0, 1, 0, 0);
	read_chunks_in("CBA", "+40 +80 -40", 0, 2, 0, 0);
	/* A missing chunk ends the read: what follows it is relative to records never seen. */
	read_chunks_in("AC", "+40", 0, 0, 1, 1);
	read_chunks_in("BC", "", 0, 0, 0, 2);
}

static void hostile_chunks(void **state)
{
	static const uint8_t junk[64] = {1, 2, 3};

	(void)state;
	expect_bad_chunk(4, 4, 7, NULL, junk, 4, "+12: unknown chunk codec 7");
	/* Sizes near 2^32 are corruption even though the file is short: never "truncated", never allocated. */
	expect_bad_chunk(0xffffffffu, 0xffffffffu, HPT_CODEC_STORED, NULL, junk, 8,
			 "+8: chunk claims 4294967295 decoded bytes, over the 64 MiB limit");
	expect_bad_chunk(0xfffffff0u, 100, HPT_CODEC_ZSTD, NULL, junk, 8,
			 "+4: zstd chunk of 4294967280 bytes cannot decode to 100 bytes");
	expect_bad_chunk(HPT_MAX_RAW_CHUNK + 1, HPT_MAX_RAW_CHUNK + 1, HPT_CODEC_STORED, NULL, junk, 8,
			 "+8: chunk claims 67108865 decoded bytes, over the 64 MiB limit");
	expect_bad_chunk(8, 9, HPT_CODEC_STORED, NULL, junk, 8, "+4: stored chunk of 8 bytes claims 9 decoded bytes");
	expect_bad_chunk(16, 100, HPT_CODEC_ZSTD, NULL, junk, 16, "+0: corrupt chunk: Unknown frame descriptor");
}

static void bad_chunk_magic(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct tb_events out = {0};
	struct hp_read_status st;

	(void)state;
	tb_init(&b, 0);
	tb_raw(&b, "HPCX\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_int_equal(tb_read(&b, b.len, &defs, &out, &st), -1);
	assert_string_equal(st.error, "t.hpt: byte 32: bad chunk magic (corrupt trace)");
	hp_defs_release(&defs);
	/* Cut after the 4th magic byte: corrupt already; after the 2nd ("HP"): a plausible cut. */
	assert_int_equal(tb_read(&b, 36, &defs, &out, &st), -1);
	assert_string_equal(st.error, "t.hpt: byte 32: bad chunk magic (corrupt trace)");
	hp_defs_release(&defs);
	assert_int_equal(tb_read(&b, 34, &defs, &out, &st), 0);
	assert_true(st.truncated);
	assert_int_equal(st.cut_offset, 32);
	hp_defs_release(&defs);
	tb_release(&b);
}

/* zstd payload damage: a flipped checksum byte, a flipped data byte, a frame bigger than raw_size. */
static void corrupt_zstd(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct tb_events out = {0};
	struct hp_read_status st;

	(void)state;
	for (int where = 0; where < 2; where++) {
		tb_init(&b, 0);
		tb_stream(&b, 1);
		tb_alloc(&b, 5, 0, 0x40, 8, 0);
		tb_chunk(&b, HPT_CODEC_STORED);
		size_t at = b.len;
		for (int i = 0; i < 200; i++)
			tb_alloc(&b, 10 + (uint64_t)i, 0, 0x1000 + 16 * (uint64_t)i, (uint64_t)i * 7, 0);
		tb_chunk(&b, HPT_CODEC_ZSTD);
		/* where 0: the last byte (checksum); 1: a byte of compressed data in the middle */
		size_t flip = where == 0 ? b.len - 1 : at + HPT_CHUNK_HEADER_SIZE + (b.len - at - HPT_CHUNK_HEADER_SIZE) / 2;
		b.file.p[flip] ^= 0x55;
		tb_sync_view(&b);
		assert_int_equal(tb_read(&b, b.len, &defs, &out, &st), -1);
		char prefix[64];
		snprintf(prefix, sizeof(prefix), "t.hpt: byte %zu: corrupt chunk: ", at);
		assert_memory_equal(st.error, prefix, strlen(prefix));
		if (where == 0)
			assert_non_null(strstr(st.error, "checksum"));
		assert_int_equal(out.n, 1);
		hp_defs_release(&defs);
		tb_release(&b);
	}
	free(out.ev);
}

/* A zstd bomb: 8 MiB of zeros in a few hundred bytes under a header that says 1000 bytes. The reader
 * gives zstd a 1000-byte buffer: it fails, it does not grow anything. */
static void zstd_bomb(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct tb_events out = {0};
	struct hp_read_status st;
	static uint8_t zeros[1 << 20];
	uint8_t frame[4096];
	ZSTD_CCtx *cctx = ZSTD_createCCtx();

	(void)state;
	/* Streamed without a pledged size: the frame does not declare its content size. */
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
	ZSTD_outBuffer o = {frame, sizeof(frame), 0};
	for (int i = 0; i < 8; i++) {
		ZSTD_inBuffer in = {zeros, sizeof(zeros), 0};
		while (in.pos < in.size)
			assert_false(ZSTD_isError(ZSTD_compressStream2(cctx, &o, &in, ZSTD_e_continue)));
	}
	ZSTD_inBuffer none = {NULL, 0, 0};
	size_t left;
	do
		left = ZSTD_compressStream2(cctx, &o, &none, ZSTD_e_end);
	while (left && !ZSTD_isError(left));
	assert_int_equal(left, 0);
	ZSTD_freeCCtx(cctx);
	assert_int_equal(ZSTD_getFrameContentSize(frame, o.pos), ZSTD_CONTENTSIZE_UNKNOWN);

	tb_init(&b, 0);
	tb_chunk_raw(&b, (uint32_t)o.pos, 1000, HPT_CODEC_ZSTD, NULL, frame, o.pos);
	assert_int_equal(tb_read(&b, b.len, &defs, &out, &st), -1);
	assert_string_equal(st.error, "t.hpt: byte 32: corrupt chunk: Destination buffer is too small");
	hp_defs_release(&defs);
	tb_release(&b);

	/* The same zeros compressed in one go declare their size: refused before decoding. */
	size_t n = ZSTD_compress(frame, sizeof(frame), zeros, sizeof(zeros), 1);
	assert_false(ZSTD_isError(n));
	tb_init(&b, 0);
	tb_chunk_raw(&b, (uint32_t)n, 1000, HPT_CODEC_ZSTD, NULL, frame, n);
	assert_int_equal(tb_read(&b, b.len, &defs, &out, &st), -1);
	assert_string_equal(st.error, "t.hpt: byte 32: corrupt chunk: its frame holds 1048576 bytes, the header says 1000");
	hp_defs_release(&defs);
	tb_release(&b);
	free(out.ev);
}

/* A malformed record in a stored chunk: its own file offset; the events before it are delivered. */
static void bad_record_offsets(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct tb_events out = {0};
	struct hp_read_status st;
	char msg[200];

	(void)state;
	for (int codec = 0; codec < 2; codec++) {
		tb_init(&b, 0);
		tb_stream(&b, 1);
		tb_alloc(&b, 5, 0, 0x40, 8, 0);
		tb_chunk(&b, HPT_CODEC_STORED);
		size_t chunk = b.len;
		tb_stream(&b, 1);                                     /* 3 bytes */
		tb_alloc(&b, 6, 0, 0x80, 8, 0);                       /* delivered */
		size_t rec = b.chunk.len;
		tb_rec(&b, HPT_ALLOC, TB_S((int64_t)1) TB_U((uint64_t)0)); /* fields end early */
		tb_chunk(&b, (uint8_t)codec);
		assert_int_equal(tb_read(&b, b.len, &defs, &out, &st), -1);
		if (codec == HPT_CODEC_STORED)
			snprintf(msg, sizeof(msg), "t.hpt: byte %zu: ALLOC record (type 0x01): truncated field",
				 chunk + HPT_CHUNK_HEADER_SIZE + rec);
		else
			snprintf(msg, sizeof(msg),
				 "t.hpt: byte %zu: zstd chunk, at byte %zu of its decoded records, ALLOC record (type 0x01): truncated field",
				 chunk, rec);
		assert_string_equal(st.error, msg);
		assert_int_equal(out.n, 2);
		assert_int_equal(out.ev[1].addr, 0x80);
		hp_defs_release(&defs);
		tb_release(&b);
	}
	free(out.ev);
}

/* A callback's non-zero value stops the pass at once and is returned. */
static void callback_stops(void **state)
{
	struct tb b;
	size_t ends[3], counts[3];
	struct hp_defs defs;
	struct tb_events out = {.stop_after = 7};
	struct hp_read_status st;

	(void)state;
	three_chunks(&b, ends, counts);
	assert_int_equal(tb_read(&b, b.len, &defs, &out, &st), 99);
	assert_int_equal(out.n, 7);
	assert_string_equal(st.error, "");
	hp_defs_release(&defs);
	free(out.ev);
	tb_release(&b);
}

/* ---- the reader thread's blocks ---------------------------------------------------------------- */

/* A trace of `chunks` zstd chunks of `per_chunk` allocations each on streams 1 and 2 in turn, with a
 * SYNC after each and STACK n defined just before its first use (stack n = chunk n + 1), the ticks of
 * both streams interleaved so that every SYNC releases a run from each. Far more events than the
 * blocks the reader may hold. */
#define BIG_CHUNKS 12
#define BIG_PER_CHUNK 30000

static void big_trace(struct tb *b, int chunks)
{
	tb_init(b, 0);
	tb_stream(b, 0);
	tb_clock(b, 100, 100, 1);
	for (int c = 0; c < chunks; c++) {
		uint64_t base = 1000 + (uint64_t)c * 1000000;
		tb_rec(b, HPT_STACK, TB_U(c + 1) TB_U(1) TB_U(0x400000 + c));
		for (uint32_t s = 1; s <= 2; s++) {
			tb_stream(b, s);
			for (int i = 0; i < BIG_PER_CHUNK / 2; i++)
				tb_alloc(b, base + 2 * (uint64_t)i + s, HPT_KIND_MALLOC, 0x100000 * s + 16 * (uint64_t)i, 16,
					 (uint32_t)c + 1);
		}
		tb_stream(b, 0);
		tb_sync(b, base + 500000);
		tb_chunk(b, HPT_CODEC_ZSTD);
	}
}

struct big_seen {
	size_t n, undefined, out_of_order, stop_after;
	uint64_t last_tick;
};

static int check_big(void *ctx, const struct hp_event *ev, const struct hp_defs *defs)
{
	struct big_seen *s = ctx;

	s->undefined += !hp_defs_stack(defs, ev->stack);
	s->out_of_order += ev->tick < s->last_tick;
	s->last_tick = ev->tick;
	s->n++;
	return s->stop_after && s->n == s->stop_after ? 42 : 0;
}

/* Every event, in order, each seeing the stack its chunk defined; chunks counted. */
static void many_blocks(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct hp_read_status st;
	struct big_seen seen = {0};

	(void)state;
	big_trace(&b, BIG_CHUNKS);
	hp_defs_init(&defs);
	assert_int_equal(hp_trace_read_mem(b.buf, b.len, "t.hpt", &defs, check_big, &seen, &st), 0);
	assert_int_equal(seen.n, BIG_CHUNKS * BIG_PER_CHUNK);
	assert_int_equal(seen.undefined, 0);
	assert_int_equal(seen.out_of_order, 0);
	assert_int_equal(st.chunks, BIG_CHUNKS);
	assert_int_equal(st.events, BIG_CHUNKS * BIG_PER_CHUNK);
	assert_string_equal(st.error, "");
	hp_defs_release(&defs);
	tb_release(&b);
}

/* A stop while the reader is blocks ahead, waiting for room: the pass ends at once, nothing leaks. */
static void stop_with_the_reader_ahead(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct hp_read_status st;
	struct big_seen seen = {.stop_after = 3};

	(void)state;
	big_trace(&b, BIG_CHUNKS);
	hp_defs_init(&defs);
	assert_int_equal(hp_trace_read_mem(b.buf, b.len, "t.hpt", &defs, check_big, &seen, &st), 42);
	assert_int_equal(seen.n, 3);
	assert_string_equal(st.error, "");
	hp_defs_release(&defs);
	tb_release(&b);
}

/* A corrupt chunk after many blocks: everything before it delivered, then the error. */
static void error_after_many_blocks(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct hp_read_status st;
	struct big_seen seen = {0};

	(void)state;
	big_trace(&b, BIG_CHUNKS);
	size_t at = b.len;
	tb_chunk_raw(&b, 4, 4, 9, NULL, "abcd", 4); /* codec 9 does not exist */
	hp_defs_init(&defs);
	assert_int_equal(hp_trace_read_mem(b.buf, b.len, "t.hpt", &defs, check_big, &seen, &st), -1);
	assert_int_equal(seen.n, BIG_CHUNKS * BIG_PER_CHUNK);
	assert_int_equal(st.chunks, BIG_CHUNKS);
	char msg[100];
	snprintf(msg, sizeof(msg), "t.hpt: byte %zu: unknown chunk codec 9", at + 12);
	assert_string_equal(st.error, msg);
	hp_defs_release(&defs);
	tb_release(&b);
}

/* Definitions decoded in their place among the events: a stack defined before a SYNC is known to the
 * events that SYNC releases; one defined after it is not, even in the same chunk. A bad definition
 * stops the pass there, the events before it delivered. */
static int note_stacks(void *ctx, const struct hp_event *ev, const struct hp_defs *defs)
{
	struct tb_events *out = ctx;
	struct hp_event e = *ev;

	e.value = hp_defs_stack(defs, ev->stack) != NULL; /* what the callback saw */
	return tb_collect(out, &e, defs);
}

static void definitions_in_their_place(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct hp_read_status st;
	struct tb_events out = {0};

	(void)state;
	tb_init(&b, 0);
	tb_stream(&b, 1);
	tb_alloc(&b, 10, HPT_KIND_MALLOC, 0x1000, 8, 7);
	tb_alloc(&b, 11, HPT_KIND_MALLOC, 0x2000, 8, 7);
	tb_rec(&b, HPT_STACK, TB_U(7) TB_U(1) TB_U(0x401000));
	tb_stream(&b, 0);
	tb_sync(&b, 100);
	tb_stream(&b, 1);
	tb_alloc(&b, 120, HPT_KIND_MALLOC, 0x3000, 8, 8);
	tb_stream(&b, 0);
	tb_sync(&b, 200);
	tb_rec(&b, HPT_STACK, TB_U(8) TB_U(1) TB_U(0x402000));
	tb_stream(&b, 1);
	tb_alloc(&b, 220, HPT_KIND_MALLOC, 0x4000, 8, 8);
	tb_rec(&b, HPT_STACK, TB_U(9) TB_U(0)); /* depth 0: bad */
	tb_alloc(&b, 230, HPT_KIND_MALLOC, 0x5000, 8, 8);
	tb_chunk(&b, HPT_CODEC_ZSTD);
	hp_defs_init(&defs);
	assert_int_equal(hp_trace_read_mem(b.buf, b.len, "t.hpt", &defs, note_stacks, &out, &st), -1);
	assert_int_equal(out.n, 4);
	int64_t known[] = {1, 1, 0, 1};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(out.ev[i].value, known[i]);
	assert_int_equal(out.ev[3].tick, 220);
	assert_non_null(strstr(st.error, "STACK record (type 0x20): stack depth out of range"));
	hp_defs_release(&defs);
	free(out.ev);
	tb_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_mem_and_file),
		cmocka_unit_test(cut_at_every_byte),
		cmocka_unit_test(bad_headers),
		cmocka_unit_test(hostile_chunks),
		cmocka_unit_test(bad_chunk_magic),
		cmocka_unit_test(corrupt_zstd),
		cmocka_unit_test(zstd_bomb),
		cmocka_unit_test(bad_record_offsets),
		cmocka_unit_test(callback_stops),
		cmocka_unit_test(many_blocks),
		cmocka_unit_test(stop_with_the_reader_ahead),
		cmocka_unit_test(error_after_many_blocks),
		cmocka_unit_test(definitions_in_their_place),
		cmocka_unit_test(chunk_integrity),
		cmocka_unit_test(process_record_read_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
