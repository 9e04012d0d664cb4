/* test_chunk_reader.c: header parsers (error / need more / ok) and one chunk's decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "read/chunk_reader.h"
#include "hpt_format.h"

static void file_header(void **state)
{
	uint8_t h[HPT_HEADER_SIZE] = {0};
	struct hp_file_header fh;
	struct hp_parse_error err;
	size_t need = 0;

	(void)state;
	memcpy(h, HPT_MAGIC, 8);
	hpt_put_le16(h + 8, 5);
	hpt_put_le16(h + 10, 1);
	hpt_put_le32(h + 12, 48);
	hpt_put_le64(h + 16, HPT_FEAT_TSC);
	for (size_t n = 0; n < HPT_HEADER_SIZE; n++) {
		need = 0;
		assert_int_equal(hp_file_header_parse(h, n, &fh, &need, &err), HP_PARSE_NEED_MORE);
		assert_int_equal(need, HPT_HEADER_SIZE);
	}
	assert_int_equal(hp_file_header_parse(h, sizeof(h), &fh, &need, &err), HP_PARSE_OK);
	assert_int_equal(fh.version, 5);
	assert_int_equal(fh.min_reader_version, 1);
	assert_int_equal(fh.header_size, 48);
	assert_int_equal(fh.features, HPT_FEAT_TSC);

	h[3] = 'x';
	assert_int_equal(hp_file_header_parse(h, 5, &fh, &need, &err), HP_PARSE_ERROR);
	assert_int_equal(err.at, 0);
	assert_string_equal(err.why, "not a hookprof trace (bad magic)");
	h[3] = 'R';
	hpt_put_le16(h + 10, HPT_VERSION + 1);
	assert_int_equal(hp_file_header_parse(h, sizeof(h), &fh, &need, &err), HP_PARSE_ERROR);
	assert_int_equal(err.at, 10);
	hpt_put_le16(h + 10, 1);
	hpt_put_le32(h + 12, 31);
	assert_int_equal(hp_file_header_parse(h, sizeof(h), &fh, &need, &err), HP_PARSE_ERROR);
	assert_int_equal(err.at, 12);
}

static void chunk_header(void **state)
{
	uint8_t h[HPT_CHUNK_HEADER_SIZE] = {0};
	struct hp_chunk_header ch;
	struct hp_parse_error err;
	size_t need;

	(void)state;
	memcpy(h, HPT_CHUNK_MAGIC, 4);
	hpt_put_le32(h + 4, 100);
	hpt_put_le32(h + 8, 1000);
	h[12] = HPT_CODEC_ZSTD;
	for (size_t n = 0; n < sizeof(h); n++)
		assert_int_equal(hp_chunk_header_parse(h, n, &ch, &need, &err), HP_PARSE_NEED_MORE);
	assert_int_equal(hp_chunk_header_parse(h, sizeof(h), &ch, &need, &err), HP_PARSE_OK);
	assert_int_equal(ch.stored_size, 100);
	assert_int_equal(ch.raw_size, 1000);
	assert_int_equal(ch.codec, HPT_CODEC_ZSTD);
	assert_int_equal(ch.seq, 0);
	h[13] = 0x56;
	h[14] = 0x34;
	h[15] = 0x12;
	assert_int_equal(hp_chunk_header_parse(h, sizeof(h), &ch, &need, &err), HP_PARSE_OK);
	assert_int_equal(ch.seq, 0x123456);

	struct {
		unsigned at;
		uint8_t value;
		uint64_t err_at;
	} bad[] = {
		{0, 'X', 0}, {12, 2, 12}, {12, 255, 12}, {11, 0x04, 8}, /* raw 64 MiB + 1000 */
		{7, 0xff, 4}, /* stored 4 GiB: no zstd frame of 1000 bytes is that big */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t c[sizeof(h)];
		memcpy(c, h, sizeof(h));
		c[bad[i].at] = bad[i].value;
		assert_int_equal(hp_chunk_header_parse(c, sizeof(c), &ch, &need, &err), HP_PARSE_ERROR);
		assert_int_equal(err.at, bad[i].err_at);
	}
	/* Exactly 64 MiB is allowed. */
	hpt_put_le32(h + 8, HPT_MAX_RAW_CHUNK);
	assert_int_equal(hp_chunk_header_parse(h, sizeof(h), &ch, &need, &err), HP_PARSE_OK);
	/* A stored chunk's sizes must agree. */
	h[12] = HPT_CODEC_STORED;
	assert_int_equal(hp_chunk_header_parse(h, sizeof(h), &ch, &need, &err), HP_PARSE_ERROR);
	assert_int_equal(err.at, 4);
}

static void decode(void **state)
{
	static const char text[] = "records records records records records records";
	uint8_t frame[256], two[512], raw[sizeof(text)];
	struct hp_chunk_header ch = {0, sizeof(text), HPT_CODEC_ZSTD, 0};
	struct hp_parse_error err;
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	ZSTD_CCtx *cctx = ZSTD_createCCtx();

	(void)state;
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
	size_t n = ZSTD_compress2(cctx, frame, sizeof(frame), text, sizeof(text));
	assert_false(ZSTD_isError(n));
	ch.stored_size = (uint32_t)n;
	memset(raw, 0, sizeof(raw));
	assert_int_equal(hp_chunk_decode(dctx, &ch, frame, raw, &err), 0);
	assert_memory_equal(raw, text, sizeof(text));

	/* Two frames back to back decode to the right total, but a chunk is one frame. */
	memcpy(two, frame, n);
	memcpy(two + n, frame, n);
	struct hp_chunk_header ch2 = {(uint32_t)(2 * n), sizeof(text), HPT_CODEC_ZSTD, 0};
	assert_int_equal(hp_chunk_decode(dctx, &ch2, two, raw, &err), -1);
	assert_non_null(strstr(err.why, "bytes after its zstd frame"));
	/* A header that says less or more than the frame holds. */
	ch.raw_size = sizeof(text) - 1;
	assert_int_equal(hp_chunk_decode(dctx, &ch, frame, raw, &err), -1);
	assert_non_null(strstr(err.why, "its frame holds"));
	ch.raw_size = sizeof(text);
	/* A cut frame. */
	ch.stored_size = (uint32_t)n - 3;
	assert_int_equal(hp_chunk_decode(dctx, &ch, frame, raw, &err), -1);
	assert_non_null(strstr(err.why, "corrupt chunk"));
	/* An empty zstd payload. */
	ch.stored_size = 0;
	assert_int_equal(hp_chunk_decode(dctx, &ch, frame, raw, &err), -1);
	/* Stored: copied as is. */
	struct hp_chunk_header st = {5, 5, HPT_CODEC_STORED, 0};
	memset(raw, 0, sizeof(raw));
	assert_int_equal(hp_chunk_decode(dctx, &st, "abcde", raw, &err), 0);
	assert_memory_equal(raw, "abcde", 5);
	ZSTD_freeCCtx(cctx);
	ZSTD_freeDCtx(dctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(file_header),
		cmocka_unit_test(chunk_header),
		cmocka_unit_test(decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
