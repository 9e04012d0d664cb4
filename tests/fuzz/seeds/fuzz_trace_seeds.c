/* fuzz_trace_seeds.c: writes the seed traces of fuzz_trace (tests/fuzz/corpus/fuzz_trace/) with
 * trace_builder.h: `make fuzz-seeds` rebuilds them. Small on purpose: the fuzzer grows them. */
#include <stdio.h>

#include "trace_builder.h"

static int save(const char *dir, const char *name, struct tb *b)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b->buf, 1, b->len, f) != b->len || fclose(f)) {
		fprintf(stderr, "hookprof: cannot write '%s'\n", path);
		return 1;
	}
	tb_release(b);
	return 0;
}

/* Every record type once, over two streams, in one chunk of the given codec. */
static void everything(struct tb *b, uint8_t codec)
{
	tb_init(b, HPT_FEAT_TSC | HPT_FEAT_STACKS);
	tb_stream(b, 0);
	tb_rec(b, HPT_PROCESS, TB_U(42) TB_U(1) TB_U(1700000000) TB_U(1) TB_STR("/bin/app") TB_U(2) TB_STR("app")
	       TB_STR("-x") TB_U(3) /* forked at its parent's third FORK */);
	tb_clock(b, 1000, 5000, 1);
	tb_rec(b, HPT_CALIBRATION, TB_U(30));
	tb_timed(b, HPT_MODULE_LOAD, 1001, TB_U(0x400000) TB_STR("/bin/app") TB_STR("\x12\x34") TB_U(1) TB_U(0)
		 TB_U(0x1000) TB_U(0) TB_U(5));
	tb_rec(b, HPT_STACK, TB_U(1) TB_U(2) TB_U(0x401000) TB_S(16));
	tb_rec(b, HPT_SITE, TB_U(1) TB_U(0) TB_U(10) TB_STR("zone") TB_STR("main") TB_STR("a.c"));
	tb_rec(b, HPT_THREAD_NAME, TB_U(1) TB_STR("main"));
	tb_stream(b, 1);
	tb_timed(b, HPT_THREAD_START, 1100, TB_U(42));
	tb_alloc(b, 1110, HPT_KIND_MALLOC, 0x5000, 32, 1);
	tb_realloc(b, 1120, HPT_KIND_REALLOC, 0, 0x5000, 0x6000, 64, 1);
	tb_rec(b, HPT_EVENT_COST, TB_U(64) TB_U(1500));
	tb_rec(b, HPT_FORK, TB_U(1));
	tb_timed(b, HPT_ALLOC_FAIL, 1125, TB_U(9) /* a reserved kind: read on */ TB_U(1ull << 50) TB_U(1));
	tb_timed(b, HPT_ZONE_BEGIN, 1130, TB_U(1));
	tb_timed(b, HPT_COUNTER, 1131, TB_U(1) TB_S(-5));
	tb_timed(b, HPT_MARK, 1132, TB_U(1));
	tb_timed(b, HPT_ZONE_END, 1133, TB_U(0));
	tb_timed(b, HPT_FUNC_ENTER, 1134, TB_U(0x401000));
	tb_timed(b, HPT_FUNC_EXIT, 1135, TB_U(0x401000));
	tb_timed(b, HPT_WAIT, 1136, TB_U(100));
	tb_timed(b, HPT_LOST, 1137, TB_U(2) TB_U(1));
	tb_free(b, 1140, HPT_FREE_FREE, 0x6000);
	tb_timed(b, HPT_THREAD_END, 1150);
	tb_stream(b, 0);
	tb_rec(b, HPT_SAMPLE, TB_U(1160) TB_U(1 << 20) TB_U(1) TB_U(2) TB_U(3) TB_U(4) TB_U(5) TB_U(6));
	tb_sync(b, 1160);
	tb_rec(b, HPT_SUPPRESSIONS, TB_STR("leak:foo\n"));
	tb_rec(b, HPT_SCAN_BEGIN, TB_U(1170) TB_U(0) TB_U(1));
	tb_rec(b, HPT_SCAN_THREAD, TB_U(1171) TB_U(42) TB_U(2) TB_U(1) TB_U(0x7000) TB_U(0x9000));
	tb_rec(b, HPT_SCAN_WORDS, TB_U(1171) TB_U(1) TB_U(42) TB_U(1) TB_U(8) TB_S(0x5000));
	tb_rec(b, HPT_SCAN_CONTENTS, TB_U(1171) TB_U(0) TB_U(0) TB_U(1) TB_U(0x4ff8) TB_S(3));
	tb_rec(b, HPT_SCAN_END, TB_U(1172) TB_U(1) TB_U(8) TB_U(0));
	tb_timed(b, HPT_MODULE_UNLOAD, 1180, TB_U(0x400000));
	tb_clock(b, 3000, 6000, 2);
	tb_rec(b, HPT_PROCESS_END, TB_U(3000) TB_U(0) TB_S(0));
	tb_chunk(b, codec);
}

/* The recorder's own version: allocation events without ticks, addresses named by recent index, and
 * REALLOC's every address form (docs/trace-format.md, "REALLOC's addresses"). */
static void recent_addresses(struct tb *b)
{
	tb_init_epochs(b, HPT_FEAT_TSC);
	tb_stream(b, 0);
	tb_clock(b, 1000, 5000, 1);
	tb_stream(b, 1);
	tb_timed(b, HPT_THREAD_START, 1100, TB_U(42));
	tb_alloc(b, 1110, HPT_KIND_MALLOC, 0x5000, 32, 0);
	tb_rec(b, HPT_FREE, TB_U(HPT_FREE_FREE | HPT_KIND_RECENT) TB_U(0));
	tb_rec(b, HPT_ALLOC, TB_U(HPT_KIND_MALLOC | HPT_KIND_RECENT) TB_U(0) TB_U(24) TB_U(0));
	tb_rec(b, HPT_FREE, TB_U(HPT_FREE_FREE | HPT_KIND_RECENT) TB_U(0));
	tb_rec(b, HPT_REALLOC, TB_U(HPT_KIND_REALLOC) TB_U(HPT_REALLOC_OLD_NULL | HPT_REALLOC_NEW_RECENT) TB_U(0)
	       TB_U(40) TB_U(0));
	tb_rec(b, HPT_REALLOC, TB_U(HPT_KIND_REALLOC) TB_U(HPT_REALLOC_OLD_RECENT) TB_U(1) TB_S(0) TB_U(48) TB_U(0));
	tb_rec(b, HPT_REALLOC, TB_U(HPT_KIND_REALLOC) TB_U(HPT_REALLOC_OLD_NULL) TB_S(0x100) TB_U(64) TB_U(0));
	tb_rec(b, HPT_REALLOC, TB_U(HPT_KIND_REALLOC) TB_U(HPT_REALLOC_FAILED) TB_S(0x800) TB_S(-0x5900) TB_U(1 << 20)
	       TB_U(0));
	tb_timed(b, HPT_THREAD_END, 1150);
	tb_chunk(b, HPT_CODEC_ZSTD);
}

int main(int argc, char **argv)
{
	struct tb b;
	int bad = 0;

	if (argc != 2) {
		fputs("usage: fuzz_trace_seeds DIR\n", stderr);
		return 2;
	}
	everything(&b, HPT_CODEC_STORED);
	bad |= save(argv[1], "all_records_stored", &b);
	everything(&b, HPT_CODEC_ZSTD);
	bad |= save(argv[1], "all_records_zstd", &b);
	recent_addresses(&b);
	bad |= save(argv[1], "recent_addresses", &b);
	/* Two streams over three chunks with SYNCs, the last chunk cut. */
	tb_init(&b, 0);
	for (int c = 0; c < 3; c++) {
		tb_stream(&b, 0);
		tb_clock(&b, 100 + 1000 * (uint64_t)c, 100 + 1000 * (uint64_t)c, 0);
		for (uint32_t s = 1; s <= 2; s++) {
			tb_stream(&b, s);
			tb_alloc(&b, 200 + 1000 * (uint64_t)c + s, 0, 0x1000 * s + 16 * (uint64_t)c, 8, 0);
		}
		tb_stream(&b, 0);
		tb_sync(&b, 900 + 1000 * (uint64_t)c);
		tb_chunk(&b, c == 1 ? HPT_CODEC_STORED : HPT_CODEC_ZSTD);
	}
	b.len -= 5;
	bad |= save(argv[1], "three_chunks_cut", &b);
	return bad;
}
