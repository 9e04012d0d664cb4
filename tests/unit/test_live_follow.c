/* test_live_follow.c: a trace read while it grows, byte by byte: the events hp_trace_read gives, in the
 * same order, each once its chunk is whole; the end of the process; cuts and bad files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "read/live_follow.h"
#include "read/trace.h"
#include "trace_builder.h"

#define NCHUNKS 4

/* Two threads whose events interleave in time across four chunks (stored, then zstd), a SYNC ending
 * each, and the recorder's last chunk: PROCESS_END. ends[] gets each chunk's end offset. */
static void build(struct tb *b, size_t ends[NCHUNKS])
{
	tb_init(b, 0);
	tb_stream(b, 0);
	tb_rec(b, HPT_PROCESS, TB_U(4242) TB_U(1) TB_U(1000000) TB_U(0) TB_STR("/bin/app") TB_U(1) TB_STR("app"));
	tb_clock(b, 100, 100, 1000000);
	for (int c = 0; c < NCHUNKS - 1; c++) {
		for (uint32_t s = 1; s <= 2; s++) {
			tb_stream(b, s);
			if (c == 0)
				tb_timed(b, HPT_THREAD_START, 200 + s, TB_U(4242 + s));
			for (int i = 0; i < 4; i++)
				tb_alloc(b, 1000 * (c + 1) + 20 * i + s, HPT_KIND_MALLOC, 0x10000 * s + 0x100 * (c * 4 + i), 8 * (s + 1), 0);
			tb_free(b, 1000 * (c + 1) + 90 + s, HPT_FREE_FREE, 0x10000 * s + 0x100 * (c * 4));
		}
		tb_stream(b, 0);
		tb_clock(b, 1000 * (c + 1) + 95, 1000 * (c + 1) + 95, 1000000 + 1000 * (c + 1));
		/* The last allocation of each chunk waits for the next SYNC: 1000 * (c + 1) + 62 is not below it. */
		tb_sync(b, 1000 * (c + 1) + 62);
		tb_chunk(b, c == 0 ? HPT_CODEC_STORED : HPT_CODEC_ZSTD);
		ends[c] = b->len;
	}
	tb_stream(b, 0);
	tb_sync(b, UINT64_MAX);
	tb_rec(b, HPT_PROCESS_END, TB_U(5000) TB_U(HPT_END_EXIT) TB_S(3));
	tb_clock(b, 5000, 5000, 1005000);
	tb_chunk(b, HPT_CODEC_ZSTD);
	ends[NCHUNKS - 1] = b->len;
}

static char *temp_file(char *path)
{
	strcpy(path, "/tmp/hp-follow-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	return path;
}

static void append(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "ab");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void grows_byte_by_byte(void **state)
{
	struct tb b;
	size_t ends[NCHUNKS];
	struct hp_defs ref_defs, defs;
	struct tb_events ref = {0}, got = {0};
	struct hp_read_status st;
	struct hp_follow f;
	char path[64];

	(void)state;
	build(&b, ends);
	assert_int_equal(tb_read(&b, b.len, &ref_defs, &ref, &st), 0);
	assert_int_equal(ref.n, 2 + 3 * 2 * 5 + 1); /* thread starts, allocations and frees, the end */

	hp_defs_init(&defs);
	assert_int_equal(hp_follow_open(&f, temp_file(path), &defs, tb_collect, &got), 0);
	size_t chunk = 0;
	for (size_t n = 0; n < b.len; n++) {
		size_t before = got.n;
		append(path, b.buf + n, 1);
		assert_int_equal(hp_follow_poll(&f), 0);
		/* Nothing is delivered twice nor out of hp_trace_read's order... */
		assert_true(got.n <= ref.n);
		assert_memory_equal(got.ev, ref.ev, got.n * sizeof(*got.ev));
		/* ...and events come only with a whole chunk. */
		if (n + 1 == ends[chunk]) {
			assert_int_equal(f.chunks, chunk + 1);
			chunk++;
		} else {
			assert_int_equal(got.n, before);
			assert_int_equal(f.chunks, chunk);
		}
		assert_int_equal(hp_follow_complete(&f), chunk == NCHUNKS);
	}
	/* Everything but what the final SYNC and flush release was delivered as the chunks came. */
	assert_true(got.n >= ref.n - 2);
	assert_true(defs.process.seen);
	assert_int_equal(defs.process.pid, 4242);
	assert_int_equal(hp_follow_finish(&f), 0);
	assert_false(f.truncated);
	assert_int_equal(got.n, ref.n);
	assert_memory_equal(got.ev, ref.ev, ref.n * sizeof(*ref.ev));
	assert_true(defs.process.ended);
	assert_int_equal(defs.process.end_status, 3);
	assert_int_equal(hp_follow_now_ns(&f), ref_defs.process.last_ns);

	hp_follow_close(&f);
	hp_defs_release(&defs);
	hp_defs_release(&ref_defs);
	free(ref.ev);
	free(got.ev);
	tb_release(&b);
	unlink(path);
}

/* A process killed while writing: finish delivers the whole chunks and says the rest was cut. */
static void cut_inside_the_last_chunk(void **state)
{
	struct tb b;
	size_t ends[NCHUNKS];
	struct hp_defs ref_defs, defs;
	struct tb_events ref = {0}, got = {0};
	struct hp_read_status st;
	struct hp_follow f;
	char path[64];

	(void)state;
	build(&b, ends);
	size_t cut = ends[NCHUNKS - 2] + 5;
	assert_int_equal(tb_read(&b, cut, &ref_defs, &ref, &st), 0);
	assert_true(st.truncated);
	append(temp_file(path), b.buf, cut);
	hp_defs_init(&defs);
	assert_int_equal(hp_follow_open(&f, path, &defs, tb_collect, &got), 0);
	assert_int_equal(hp_follow_poll(&f), 0);
	assert_false(hp_follow_complete(&f));
	assert_int_equal(hp_follow_finish(&f), 0);
	assert_true(f.truncated);
	assert_int_equal(f.off, ends[NCHUNKS - 2]);
	assert_int_equal(got.n, ref.n);
	assert_memory_equal(got.ev, ref.ev, ref.n * sizeof(*ref.ev));
	assert_false(defs.process.ended);

	hp_follow_close(&f);
	hp_defs_release(&defs);
	hp_defs_release(&ref_defs);
	free(ref.ev);
	free(got.ev);
	tb_release(&b);
	unlink(path);
}

/* An exec ends the trace, unless the process records on (the exec failed). */
static void exec_end_and_failed_exec(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct tb_events got = {0};
	struct hp_follow f;
	char path[64];

	(void)state;
	tb_init(&b, 0);
	tb_stream(&b, 0);
	tb_clock(&b, 100, 100, 1);
	tb_rec(&b, HPT_PROCESS_END, TB_U(200) TB_U(HPT_END_EXEC) TB_S(0));
	tb_clock(&b, 200, 200, 2);
	tb_chunk(&b, HPT_CODEC_STORED);
	append(temp_file(path), b.buf, b.len);
	size_t done = b.len;

	hp_defs_init(&defs);
	assert_int_equal(hp_follow_open(&f, path, &defs, tb_collect, &got), 0);
	assert_int_equal(hp_follow_poll(&f), 0);
	assert_true(f.end_seen);
	assert_int_equal(f.end_how, HPT_END_EXEC);
	assert_false(hp_follow_complete(&f));

	tb_stream(&b, 1);
	tb_alloc(&b, 300, HPT_KIND_MALLOC, 0x5000, 10, 0);
	tb_chunk(&b, HPT_CODEC_STORED);
	append(path, b.buf + done, b.len - done);
	assert_int_equal(hp_follow_poll(&f), 0);
	assert_false(f.end_seen);
	assert_false(hp_follow_complete(&f));

	hp_follow_close(&f);
	hp_defs_release(&defs);
	free(got.ev);
	tb_release(&b);
	unlink(path);
}

static void expect_error(const char *path, const void *bytes, size_t n, bool at_finish, const char *why)
{
	struct hp_defs defs;
	struct tb_events got = {0};
	struct hp_follow f;

	if (bytes)
		append(path, bytes, n);
	hp_defs_init(&defs);
	assert_int_equal(hp_follow_open(&f, path, &defs, tb_collect, &got), 0);
	if (at_finish) {
		assert_int_equal(hp_follow_poll(&f), 0); /* not yet: more may come */
		assert_int_equal(hp_follow_finish(&f), -1);
	} else {
		assert_int_equal(hp_follow_poll(&f), -1);
	}
	if (!strstr(f.error, why))
		fail_msg("'%s' not in '%s'", why, f.error);
	assert_non_null(strstr(f.error, path));
	hp_follow_close(&f);
	hp_defs_release(&defs);
	free(got.ev);
	unlink(path);
}

static void bad_files(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct hp_follow f;
	char path[64];
	uint8_t junk[HPT_CHUNK_HEADER_SIZE] = "XXXXjunk";

	(void)state;
	hp_defs_init(&defs);
	assert_int_equal(hp_follow_open(&f, "/nonexistent/t.hpt", &defs, tb_collect, NULL), -1);
	assert_string_equal(f.error, "cannot open '/nonexistent/t.hpt': No such file or directory");
	assert_int_equal(hp_follow_open(&f, "/tmp", &defs, tb_collect, NULL), -1);
	assert_string_equal(f.error, "cannot read '/tmp': Is a directory");
	hp_defs_release(&defs);

	expect_error(temp_file(path), "hello, world", 12, false, "not a hookprof trace");
	expect_error(temp_file(path), NULL, 0, true, "empty file, not a trace");
	tb_init(&b, 0);
	expect_error(temp_file(path), b.buf, 20, true, "trace cut inside its 32-byte header");
	/* A header then garbage: corruption, not a chunk still being written. */
	tb_raw(&b, junk, sizeof(junk));
	expect_error(temp_file(path), b.buf, b.len, false, "bad chunk magic");
	tb_release(&b);
}

/* The file written over by a shorter one while it is followed. */
static void shrinking_file(void **state)
{
	struct tb b;
	size_t ends[NCHUNKS];
	struct hp_defs defs;
	struct tb_events got = {0};
	struct hp_follow f;
	char path[64];

	(void)state;
	build(&b, ends);
	append(temp_file(path), b.buf, ends[0]);
	hp_defs_init(&defs);
	assert_int_equal(hp_follow_open(&f, path, &defs, tb_collect, &got), 0);
	assert_int_equal(hp_follow_poll(&f), 0);
	assert_int_equal(truncate(path, 40), 0);
	assert_int_equal(hp_follow_poll(&f), -1);
	assert_non_null(strstr(f.error, "the trace shrank"));
	hp_follow_close(&f);
	hp_defs_release(&defs);
	free(got.ev);
	tb_release(&b);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grows_byte_by_byte),
		cmocka_unit_test(cut_inside_the_last_chunk),
		cmocka_unit_test(exec_end_and_failed_exec),
		cmocka_unit_test(bad_files),
		cmocka_unit_test(shrinking_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
