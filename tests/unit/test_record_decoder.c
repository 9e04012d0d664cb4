/* test_record_decoder.c: every record type decoded, per-stream state across chunks, hostile records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "read/record_decoder.h"
#include "read/trace.h"
#include "trace_builder.h"

struct sink {
	struct hp_tick_event ev[64];
	struct hp_sample sample;
	struct hp_scan_word words[8];
	size_t nwords;
	size_t n;
};

static int keep(void *ctx, struct hp_tick_event *evs, size_t n)
{
	struct sink *s = ctx;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		struct hp_tick_event *ev = &evs[i];
		if (s->n == 64 || rc) {
			rc = 5;
		} else {
			s->ev[s->n++] = *ev;
			if (ev->type == HP_EV_SAMPLE)
				s->sample = *(struct hp_sample *)(uintptr_t)ev->addr2;
			if (ev->type == HP_EV_SCAN_WORDS) {
				s->nwords = (size_t)ev->addr;
				memcpy(s->words, (void *)(uintptr_t)ev->addr2, (ev->addr < 8 ? ev->addr : 8) * sizeof(*s->words));
			}
		}
		hp_tick_event_free(ev); /* emit owns it, whatever it returns */
	}
	return rc;
}

struct keep_all {
	struct hp_tick_event *got;
	size_t *n;
};

static int keep_all_events(void *ctx, struct hp_tick_event *ev, size_t n)
{
	struct keep_all *k = ctx;

	for (size_t i = 0; i < n; i++) {
		k->got[(*k->n)++] = ev[i];
		hp_tick_event_free(&ev[i]);
	}
	return 0;
}

/* Decodes the builder's pending records as one stored chunk at offset 32. */
static int decode(struct hp_decoder *d, struct tb *b)
{
	int rc = hp_decode_chunk(d, b->chunk.p, b->chunk.len, HPT_HEADER_SIZE, true);
	b->chunk.len = 0;
	return rc;
}

/* The same SCAN_WORDS bytes read by format version: from version 4 a value is its distance from its
 * own location, before that from the previous value. */
static void scan_values_by_version(void **state)
{
	static const struct {
		unsigned version;
		uint64_t values[2];
	} cases[] = {{3, {0x5000, 0x5010}}, {4, {0x5008, 0x20}}};

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct tb b;
		struct hp_defs defs;
		struct hp_decoder d;
		struct sink s = {0};

		tb_init(&b, 0);
		hp_defs_init(&defs);
		hp_decoder_init(&d, &defs, keep, &s);
		hp_decoder_set_version(&d, cases[k].version);
		tb_rec(&b, HPT_SCAN_WORDS, TB_U(1) TB_U(HPT_REGION_STACK) TB_U(7) TB_U(2) TB_U(8) TB_S((int64_t)0x5000)
					   TB_U(8) TB_S((int64_t)0x10));
		assert_int_equal(decode(&d, &b), 0);
		assert_int_equal(s.nwords, 2);
		assert_int_equal(s.words[0].loc, 8);
		assert_int_equal(s.words[1].loc, 16);
		assert_int_equal(s.words[0].value, cases[k].values[0]);
		assert_int_equal(s.words[1].value, cases[k].values[1]);
		hp_decoder_release(&d);
		hp_defs_release(&defs);
		tb_release(&b);
	}
}

static void every_record_type(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct hp_decoder d;
	struct sink s = {0};

	(void)state;
	tb_init(&b, 0);
	hp_defs_init(&defs);
	hp_decoder_init(&d, &defs, keep, &s);

	tb_rec(&b, HPT_PROCESS, TB_U(42) TB_U(7) TB_U(123456789) TB_U(HPT_PROCESS_EXECED) TB_STR("/bin/app") TB_U(2) TB_STR("app") TB_STR("-v"));
	tb_rec(&b, HPT_CLOCK, TB_U(1000) TB_U(2000) TB_U(3000));
	tb_rec(&b, HPT_CALIBRATION, TB_U(25) TB_U(9));
	tb_rec(&b, HPT_SAMPLE, TB_U(1001) TB_U(4096) TB_U(11) TB_U(12) TB_U(13) TB_U(14) TB_U(15) TB_U(16));
	tb_rec(&b, HPT_THREAD_NAME, TB_U(1) TB_STR("worker"));
	tb_rec(&b, HPT_STACK, TB_U(9) TB_U(3) TB_U(0x401000) TB_S((int64_t)0x10) TB_S((int64_t)-0x20));
	tb_rec(&b, HPT_SITE, TB_U(4) TB_U(HPT_SITE_ZONE) TB_U(77) TB_STR("parse") TB_STR("parse_row") TB_STR("x.c"));
	uint8_t bid[3] = {0xab, 0xcd, 0xef};
	tb_timed(&b, HPT_MODULE_LOAD, 1002, TB_U(0x7f0000) TB_STR("/lib") TB_U(3) TB_BYTES(bid, (size_t)3) TB_U(2) TB_U(0) TB_U(0x1000) TB_U(0) TB_U(5) TB_U(0x2000) TB_U(0x500) TB_U(0x2000) TB_U(6));
	tb_stream(&b, 1);
	tb_timed(&b, HPT_THREAD_START, 1100, TB_U(4321));
	tb_alloc(&b, 1110, HPT_KIND_CALLOC, 0x5000, 64, 9);
	tb_realloc(&b, 1120, HPT_KIND_REALLOC, 0, 0x5000, 0x6000, 128, 9);
	tb_free(&b, 1130, HPT_FREE_FREE, 0x6000);
	tb_rec(&b, HPT_EVENT_COST, TB_U(96) TB_U(2400)); /* no tick: the last allocation's */
	tb_timed(&b, HPT_ALLOC_FAIL, 1140, TB_U(HPT_KIND_ALIGNED_ALLOC) TB_U(1ull << 40) TB_U(9));
	tb_timed(&b, HPT_ZONE_BEGIN, 1150, TB_U(4));
	tb_timed(&b, HPT_ZONE_END, 1160, TB_U(0));
	tb_timed(&b, HPT_COUNTER, 1170, TB_U(4) TB_S((int64_t)-17));
	tb_timed(&b, HPT_MARK, 1180, TB_U(4));
	tb_timed(&b, HPT_FUNC_ENTER, 1190, TB_U(0x401234));
	tb_timed(&b, HPT_FUNC_EXIT, 1200, TB_U(0x401234));
	tb_timed(&b, HPT_WAIT, 1210, TB_U(300));
	tb_timed(&b, HPT_LOST, 1220, TB_U(3) TB_U(HPT_LOST_REENTERED));
	tb_timed(&b, HPT_THREAD_END, 1230);
	tb_stream(&b, 0);
	tb_timed(&b, HPT_MODULE_UNLOAD, 1240, TB_U(0x7f0000));
	tb_rec(&b, HPT_SYNC, TB_U(1250));
	tb_rec(&b, HPT_SCAN_BEGIN, TB_U(1260) TB_U(HPT_SCAN_EXIT) TB_U(2));
	tb_rec(&b, HPT_SCAN_THREAD, TB_U(1260) TB_U(4321) TB_U(HPT_THREAD_WHOLE_STACK) TB_U(HPT_UNSTOPPED_BLOCKED)
			    TB_U(0x7000) TB_U(0x9000));
	tb_rec(&b, HPT_SCAN_CONTENTS, TB_U(1261) TB_U(HPT_CONTENT_VTABLE) TB_U(0) TB_U(1) TB_U(0x5000) TB_S((int64_t)0x401000));
	tb_rec(&b, HPT_SCAN_WORDS, TB_U(1261) TB_U(HPT_REGION_STACK) TB_U(4321) TB_U(2) TB_U(8) TB_S((int64_t)0x5000) TB_U(8) TB_S((int64_t)0x10));
	tb_rec(&b, HPT_SCAN_END, TB_U(1262) TB_U(2) TB_U(4096) TB_U(0));
	tb_rec(&b, HPT_SUPPRESSIONS, TB_STR("leak:libfoo\n"));
	tb_rec(&b, HPT_PROCESS_END, TB_U(1300) TB_U(HPT_END_SIGNAL) TB_S((int64_t)11));
	assert_int_equal(decode(&d, &b), 0);

	const struct hp_process_info *p = &defs.process;
	assert_true(p->seen);
	assert_int_equal(p->pid, 42);
	assert_int_equal(p->ppid, 7);
	assert_int_equal(p->start_real_ns, 123456789);
	assert_int_equal(p->flags, HPT_PROCESS_EXECED);
	assert_string_equal(p->exe, "/bin/app");
	assert_int_equal(p->argc, 2);
	assert_string_equal(p->argv[0], "app");
	assert_string_equal(p->argv[1], "-v");
	assert_null(p->argv[2]);
	assert_string_equal(p->lsan_suppressions, "leak:libfoo\n");
	assert_int_equal(d.event_ticks[0], 25);
	assert_int_equal(d.event_ticks[1], 9);

	const struct hp_stack *st = hp_defs_stack(&defs, 9);
	assert_non_null(st);
	assert_int_equal(st->depth, 3);
	assert_int_equal(st->ips[0], 0x401000);
	assert_int_equal(st->ips[1], 0x401010);
	assert_int_equal(st->ips[2], 0x400ff0);
	const struct hp_site_def *site = hp_defs_site(&defs, 4);
	assert_non_null(site);
	assert_int_equal(site->kind, HPT_SITE_ZONE);
	assert_int_equal(site->line, 77);
	assert_string_equal(site->name, "parse");
	assert_string_equal(site->function, "parse_row");
	assert_string_equal(site->file, "x.c");
	assert_int_equal(defs.nmodules, 1);
	assert_string_equal(defs.modules[0].path, "/lib");
	assert_int_equal(defs.modules[0].build_id_len, 3);
	assert_memory_equal(defs.modules[0].build_id, bid, 3);
	assert_int_equal(defs.modules[0].nseg, 2);
	assert_int_equal(defs.modules[0].segs[1].vaddr, 0x2000);
	assert_int_equal(defs.modules[0].segs[1].memsz, 0x500);
	assert_int_equal(defs.modules[0].segs[1].offset, 0x2000);
	assert_int_equal(defs.modules[0].segs[1].flags, 6);
	const struct hp_thread_info *t = hp_defs_thread(&defs, 1);
	assert_non_null(t);
	assert_int_equal(t->tid, 4321);
	assert_string_equal(t->name, "worker");

	/* The events, in record order (CLOCK and SYNC are pseudo-events for the merge). */
	struct hp_tick_event *e = s.ev;
	size_t i = 0;
	assert_int_equal(e[i].type, HP_EV__CLOCK);
	assert_int_equal(e[i].tick, 1000);
	assert_int_equal(e[i].addr, 2000);
	assert_int_equal(e[i++].addr2, 3000);
	assert_int_equal(e[i].type, HP_EV_SAMPLE);
	assert_int_equal(e[i].tick, 1001);
	assert_int_equal(s.sample.rss, 4096);
	assert_int_equal(s.sample.utime_ns, 11);
	assert_int_equal(s.sample.stime_ns, 12);
	assert_int_equal(s.sample.minflt, 13);
	assert_int_equal(s.sample.majflt, 14);
	assert_int_equal(s.sample.read_bytes, 15);
	assert_int_equal(s.sample.write_bytes, 16);
	i++;
	assert_int_equal(e[i].type, HP_EV_MODULE_LOAD);
	assert_int_equal(e[i].stream, 0);
	assert_int_equal(e[i].tick, 1002);
	assert_int_equal(e[i].addr, 0x7f0000);
	assert_int_equal(e[i++].size, 0); /* the value: index in defs.modules */
	assert_int_equal(e[i].type, HP_EV_THREAD_START);
	assert_int_equal(e[i].stream, 1);
	assert_int_equal(e[i].tick, 1100);
	assert_int_equal(e[i++].size, 4321); /* the value: tid */
	assert_int_equal(e[i].type, HP_EV_ALLOC);
	assert_int_equal(e[i].kind, HPT_KIND_CALLOC);
	assert_int_equal(e[i].tick, 1110);
	assert_int_equal(e[i].addr, 0x5000);
	assert_int_equal(e[i].size, 64);
	assert_int_equal(e[i++].id, 9);
	assert_int_equal(e[i].type, HP_EV_REALLOC);
	assert_int_equal(e[i].kind, HPT_KIND_REALLOC);
	assert_int_equal(e[i].flags, 0);
	assert_int_equal(e[i].addr, 0x5000);
	assert_int_equal(e[i].addr2, 0x6000);
	assert_int_equal(e[i].size, 128);
	assert_int_equal(e[i++].id, 9);
	assert_int_equal(e[i].type, HP_EV_FREE);
	assert_int_equal(e[i].tick, 1130);
	assert_int_equal(e[i++].addr, 0x6000); /* the delta was taken from the realloc's new address */
	assert_int_equal(e[i].type, HP_EV_EVENT_COST);
	assert_int_equal(e[i].tick, 1130);
	assert_int_equal(e[i].addr, 96);
	assert_int_equal(e[i++].size, 2400);
	assert_int_equal(e[i].type, HP_EV_ALLOC_FAIL);
	assert_int_equal(e[i].kind, HPT_KIND_ALIGNED_ALLOC);
	assert_int_equal(e[i].size, 1ull << 40);
	assert_int_equal(e[i++].id, 9);
	assert_int_equal(e[i].type, HP_EV_ZONE_BEGIN);
	assert_int_equal(e[i++].id, 4);
	assert_int_equal(e[i].type, HP_EV_ZONE_END);
	assert_int_equal(e[i++].id, 0);
	assert_int_equal(e[i].type, HP_EV_COUNTER);
	assert_int_equal(e[i].id, 4);
	assert_int_equal((int64_t)e[i++].size, -17);
	assert_int_equal(e[i].type, HP_EV_MARK);
	assert_int_equal(e[i++].tick, 1180);
	assert_int_equal(e[i].type, HP_EV_FUNC_ENTER);
	assert_int_equal(e[i++].addr, 0x401234);
	assert_int_equal(e[i].type, HP_EV_FUNC_EXIT);
	assert_int_equal(e[i++].addr, 0x401234);
	assert_int_equal(e[i].type, HP_EV_WAIT);
	assert_int_equal(e[i++].size, 300);
	assert_int_equal(e[i].type, HP_EV_LOST);
	assert_int_equal(e[i].size, 3);
	assert_int_equal(e[i++].id, HPT_LOST_REENTERED);
	assert_int_equal(e[i].type, HP_EV_THREAD_END);
	assert_int_equal(e[i++].tick, 1230);
	assert_int_equal(e[i].type, HP_EV_MODULE_UNLOAD);
	assert_int_equal(e[i].stream, 0);
	assert_int_equal(e[i].tick, 1240);
	assert_int_equal(e[i++].addr, 0x7f0000);
	assert_int_equal(e[i].type, HP_EV__SYNC);
	assert_int_equal(e[i++].tick, 1250);
	assert_int_equal(e[i].type, HP_EV_SCAN_BEGIN);
	assert_int_equal(e[i].kind, HPT_SCAN_EXIT);
	assert_int_equal(e[i++].size, 2);
	assert_int_equal(e[i].type, HP_EV_SCAN_THREAD);
	assert_int_equal(e[i].kind, HPT_THREAD_WHOLE_STACK);
	assert_int_equal(e[i].flags, HPT_UNSTOPPED_BLOCKED);
	assert_int_equal(e[i].addr, 0x7000);
	assert_int_equal(e[i].addr2, 0x9000);
	assert_int_equal(e[i++].size, 4321); /* the value: tid */
	assert_int_equal(e[i].type, HP_EV_SCAN_WORDS); /* SCAN_CONTENTS: kinds apart from the regions */
	assert_int_equal(e[i++].kind, 16 + HPT_CONTENT_VTABLE);
	assert_int_equal(e[i].type, HP_EV_SCAN_WORDS);
	assert_int_equal(e[i].kind, HPT_REGION_STACK);
	assert_int_equal(e[i++].size, 4321); /* the value: tid */
	assert_int_equal(s.nwords, 2);
	assert_int_equal(s.words[0].loc, 8);
	assert_int_equal(s.words[0].value, 0x5000);
	assert_int_equal(s.words[1].loc, 16);
	assert_int_equal(s.words[1].value, 0x5010);
	assert_int_equal(e[i].type, HP_EV_SCAN_END);
	assert_int_equal(e[i].size, 2);
	assert_int_equal(e[i].addr, 4096);
	assert_int_equal(e[i++].addr2, 0);
	assert_int_equal(e[i].type, HP_EV_PROCESS_END);
	assert_int_equal(e[i].tick, 1300);
	assert_int_equal(e[i].kind, HPT_END_SIGNAL);
	assert_int_equal(e[i++].size, 11); /* the value: status */
	assert_int_equal(s.n, i);

	hp_decoder_release(&d);
	hp_defs_release(&defs);
	tb_release(&b);
}

/* ts and addr of each stream, and the current stream, survive the end of a chunk. */
static void state_across_chunks(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct hp_decoder d;
	struct sink s = {0};

	(void)state;
	tb_init(&b, 0);
	hp_defs_init(&defs);
	hp_decoder_init(&d, &defs, keep, &s);
	tb_stream(&b, 2);
	tb_alloc(&b, 500, 0, 0x9000, 1, 0);
	tb_stream(&b, 3);
	tb_alloc(&b, 700, 0, 0x100000, 2, 0);
	assert_int_equal(decode(&d, &b), 0);
	/* Chunk 2: no STREAM first, so still stream 3; deltas continue from 700 / 0x100000. */
	tb_alloc(&b, 710, 0, 0x100040, 3, 0);
	tb_stream(&b, 2);
	tb_free(&b, 505, 0, 0x9000); /* delta 0 from stream 2's own addr */
	assert_int_equal(decode(&d, &b), 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.ev[2].stream, 3);
	assert_int_equal(s.ev[2].tick, 710);
	assert_int_equal(s.ev[2].addr, 0x100040);
	assert_int_equal(s.ev[3].stream, 2);
	assert_int_equal(s.ev[3].tick, 505);
	assert_int_equal(s.ev[3].addr, 0x9000);
	hp_decoder_release(&d);
	hp_defs_release(&defs);
	tb_release(&b);
}

/* Unknown types are skipped by length; bytes after a known record's fields are ignored. */
static void unknown_and_longer_records(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct hp_decoder d;
	struct sink s = {0};

	(void)state;
	tb_init(&b, 0);
	hp_defs_init(&defs);
	hp_decoder_init(&d, &defs, keep, &s);
	tb_stream(&b, 1);
	tb_rec(&b, 0x7e, TB_U(1) TB_U(2) TB_U(3) TB_STR("a future record"));
	tb_rec(&b, 0x00);
	tb_rec(&b, HPT_ALLOC, TB_S((int64_t)10) TB_U(0) TB_S((int64_t)0x100) TB_U(8) TB_U(0) TB_U(99) TB_U(98)); /* 2 appended fields */
	tb_rec(&b, 0xff, TB_U(1));
	tb_rec(&b, HPT_FREE, TB_S((int64_t)1) TB_U(0) TB_S((int64_t)0));
	assert_int_equal(decode(&d, &b), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ev[0].type, HP_EV_ALLOC);
	assert_int_equal(s.ev[0].size, 8);
	assert_int_equal(s.ev[1].type, HP_EV_FREE);
	assert_int_equal(s.ev[1].tick, 11);
	assert_int_equal(s.ev[1].addr, 0x100);
	hp_decoder_release(&d);
	hp_defs_release(&defs);
	tb_release(&b);
}

/* One malformed record alone in a chunk: -1, d.failed and the message after "byte 32: ". */
static void expect_bad(const void *rec, size_t n, const char *why)
{
	struct hp_defs defs;
	struct hp_decoder d;
	struct sink s = {0};
	char msg[300];

	hp_defs_init(&defs);
	hp_decoder_init(&d, &defs, keep, &s);
	assert_int_equal(hp_decode_chunk(&d, rec, n, 100, false), -1);
	assert_true(d.failed);
	snprintf(msg, sizeof(msg), "byte 100: zstd chunk, at byte 0 of its decoded records, %s", why);
	assert_string_equal(d.error, msg);
	assert_int_equal(s.n, 0);
	hp_decoder_release(&d);
	hp_defs_release(&defs);
}

/* The builder's pending records as one byte string, then emptied. */
static void expect_bad_built(struct tb *b, const char *why)
{
	expect_bad(b->chunk.p, b->chunk.len, why);
	b->chunk.len = 0;
}

static void hostile_records(void **state)
{
	struct tb b;
	static char big[HP_MAX_STRING + 2];
	static uint8_t zeros[8192];

	(void)state;
	tb_init(&b, 0);
	/* Lengths and varints. */
	expect_bad("\x01\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 12,
		   "ALLOC record (type 0x01): record length runs past the chunk");
	expect_bad("\x01\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02", 11,
		   "ALLOC record (type 0x01): record length runs past the chunk"); /* 10th byte > 1 */
	expect_bad("\x01\xff\xff\xff\xff\x0f", 6, "ALLOC record (type 0x01): record length runs past the chunk");
	expect_bad("\x7e\x05\x00", 3, "unknown record (type 0x7e): record length runs past the chunk");
	expect_bad("\x01", 1, "ALLOC record (type 0x01): record length runs past the chunk");
	/* A dt of 11 varint bytes inside a record whose length covers them. */
	expect_bad("\x01\x0b\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 13,
		   "ALLOC record (type 0x01): truncated field");
	/* Truncated fields of each kind of known record. */
	tb_rec(&b, HPT_REALLOC, TB_S((int64_t)1) TB_U(2) TB_U(0) TB_S((int64_t)0) TB_S((int64_t)0));
	expect_bad_built(&b, "REALLOC record (type 0x03): truncated field");
	/* The same with bytes after the record, where the quick path reads ahead: the careful one speaks. */
	tb_rec(&b, HPT_ALLOC, TB_S((int64_t)1) TB_U(2) TB_S((int64_t)300));
	tb_rec(&b, 0x7e, TB_STR("padding after the record"));
	expect_bad_built(&b, "ALLOC record (type 0x01): truncated field");
	tb_rec(&b, HPT_FREE, TB_S((int64_t)1) TB_U(2) TB_BYTES("\x80\x80", (size_t)2));
	tb_rec(&b, 0x7e, TB_STR("padding after the record"));
	expect_bad_built(&b, "FREE record (type 0x02): truncated field");
	tb_rec(&b, HPT_SITE, TB_U(1) TB_U(0) TB_U(0) TB_STR("a") TB_STR("b"));
	expect_bad_built(&b, "SITE record (type 0x21): truncated string");
	tb_rec(&b, HPT_SAMPLE, TB_U(1) TB_U(2) TB_U(3) TB_U(4) TB_U(5) TB_U(6) TB_U(7));
	expect_bad_built(&b, "SAMPLE record (type 0x32): truncated field");
	tb_rec(&b, HPT_CLOCK, TB_U(1) TB_U(2));
	expect_bad_built(&b, "CLOCK record (type 0x31): truncated field");
	tb_rec(&b, HPT_THREAD_START, TB_S((int64_t)1));
	expect_bad_built(&b, "THREAD_START record (type 0x18): truncated field");
	/* Caps. */
	tb_rec(&b, HPT_STACK, TB_U(1) TB_U(HP_MAX_STACK_DEPTH + 1) TB_U(0x400000));
	expect_bad_built(&b, "STACK record (type 0x20): stack depth out of range");
	tb_rec(&b, HPT_STACK, TB_U(1) TB_U(0));
	expect_bad_built(&b, "STACK record (type 0x20): stack depth out of range");
	tb_rec(&b, HPT_STACK, TB_U(1ull << 32) TB_U(1) TB_U(0x400000));
	expect_bad_built(&b, "STACK record (type 0x20): id out of range");
	tb_rec(&b, HPT_STACK, TB_U(1) TB_U(1000) TB_U(0x400000)); /* depth within the cap, ips missing */
	expect_bad_built(&b, "STACK record (type 0x20): truncated field");
	memset(big, 'x', sizeof(big) - 1);
	tb_rec(&b, HPT_SITE, TB_U(1) TB_U(0) TB_U(0) TB_STR(big) TB_STR("f") TB_STR("x.c"));
	expect_bad_built(&b, "SITE record (type 0x21): string too long");
	tb_rec(&b, HPT_PROCESS, TB_U(1) TB_U(1) TB_U(1) TB_U(0) TB_STR("/a") TB_U((uint64_t)HP_MAX_ARGC + 1));
	expect_bad_built(&b, "PROCESS record (type 0x30): argc out of range");
	tb_rec(&b, HPT_PROCESS, TB_U(1) TB_U(1) TB_U(1) TB_U(0) TB_STR("/a") TB_U((uint64_t)1000) TB_BYTES(zeros, (size_t)10));
	expect_bad_built(&b, "PROCESS record (type 0x30): argc out of range"); /* 1000 args in 10 bytes */
	tb_rec(&b, HPT_PROCESS, TB_U(1) TB_U(1) TB_U(1) TB_U(0) TB_STR("/a") TB_U((uint64_t)3) TB_BYTES("\x05" "ab" "\x00", (size_t)4));
	expect_bad_built(&b, "PROCESS record (type 0x30): truncated string");
	tb_rec(&b, HPT_MODULE_LOAD, TB_S((int64_t)0) TB_U(0x1000) TB_STR("/lib") TB_STR("") TB_U((uint64_t)HP_MAX_SEGMENTS + 1) TB_BYTES(zeros, sizeof(zeros)));
	expect_bad_built(&b, "MODULE_LOAD record (type 0x22): segment count out of range");
	char path[HP_MAX_PATH + 2];
	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = 0;
	tb_rec(&b, HPT_MODULE_LOAD, TB_S((int64_t)0) TB_U(0x1000) TB_STR(path) TB_STR("") TB_U(0));
	expect_bad_built(&b, "MODULE_LOAD record (type 0x22): string too long");
	{ /* a build-id of 65 bytes */
		uint8_t rec[200], *p = rec + 2;
		p = hpt_put_s(p, 0);
		p = hpt_put_u(p, 0x1000);
		p = hpt_put_str(p, "/l", 2);
		p = hpt_put_u(p, 65);
		memset(p, 1, 65);
		p += 65;
		p = hpt_put_u(p, 0);
		rec[0] = HPT_MODULE_LOAD;
		rec[1] = (uint8_t)(p - rec - 2);
		expect_bad(rec, (size_t)(p - rec), "MODULE_LOAD record (type 0x22): string too long");
	}
	tb_rec(&b, HPT_SCAN_WORDS, TB_U(1) TB_U(0) TB_U(1) TB_U(1ull << 40));
	expect_bad_built(&b, "SCAN_WORDS record (type 0x41): scan word count out of range");
	tb_rec(&b, HPT_STREAM, TB_U((uint64_t)UINT32_MAX));
	expect_bad_built(&b, "STREAM record (type 0x35): stream id out of range");
	tb_rec(&b, HPT_ALLOC, TB_S((int64_t)0) TB_U(0) TB_S((int64_t)0) TB_U(1) TB_U(1ull << 33));
	expect_bad_built(&b, "ALLOC record (type 0x01): id out of range");
	tb_release(&b);
}

static void count_stack(const struct hp_stack *st, void *arg)
{
	(void)st;
	++*(size_t *)arg;
}

/* Stack and site 0 are never defined; a second definition of an id leaves the first in place. */
static void ids_zero_and_duplicates(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct hp_decoder d;
	struct sink s = {0};
	size_t nstacks = 0;

	(void)state;
	tb_init(&b, 0);
	hp_defs_init(&defs);
	hp_decoder_init(&d, &defs, keep, &s);
	tb_rec(&b, HPT_STACK, TB_U(0) TB_U(1) TB_U(0x111));
	tb_rec(&b, HPT_STACK, TB_U(5) TB_U(2) TB_U(0x500) TB_S((int64_t)4));
	tb_rec(&b, HPT_STACK, TB_U(5) TB_U(1) TB_U(0x999));
	tb_rec(&b, HPT_STACK, TB_U(0xffffffffu) TB_U(1) TB_U(0x777)); /* the largest id: a map, not an array */
	tb_rec(&b, HPT_SITE, TB_U(0) TB_U(0) TB_U(0) TB_STR("zero") TB_STR("f") TB_STR("x.c"));
	tb_rec(&b, HPT_SITE, TB_U(3) TB_U(1) TB_U(10) TB_STR("first") TB_STR("f") TB_STR("x.c"));
	tb_rec(&b, HPT_SITE, TB_U(3) TB_U(2) TB_U(20) TB_STR("second") TB_STR("g") TB_STR("y.c"));
	tb_rec(&b, HPT_PROCESS, TB_U(10) TB_U(1) TB_U(0) TB_U(0) TB_STR("/first") TB_U(0));
	tb_rec(&b, HPT_PROCESS, TB_U(20) TB_U(1) TB_U(0) TB_U(0) TB_STR("/second") TB_U(0));
	assert_int_equal(decode(&d, &b), 0);
	assert_null(hp_defs_stack(&defs, 0));
	assert_null(hp_defs_site(&defs, 0));
	assert_int_equal(hp_defs_stack(&defs, 5)->depth, 2);
	assert_int_equal(hp_defs_stack(&defs, 5)->ips[1], 0x504);
	assert_int_equal(hp_defs_stack(&defs, 0xffffffffu)->ips[0], 0x777);
	assert_null(hp_defs_stack(&defs, 6));
	assert_string_equal(hp_defs_site(&defs, 3)->name, "first");
	assert_int_equal(hp_defs_site(&defs, 3)->line, 10);
	assert_int_equal(defs.process.pid, 10);
	assert_string_equal(defs.process.exe, "/first");
	hp_defs_foreach_stack(&defs, count_stack, &nstacks);
	assert_int_equal(nstacks, 2);
	hp_decoder_release(&d);
	hp_defs_release(&defs);
	tb_release(&b);
}

/* UNRECORDED_PROGRAM: each program named once with how many times it was started; past
 * HP_UNRECORDED_NAMED names the others are counted. */
static void unrecorded_programs_counted_by_name(void **state)
{
	struct hp_defs defs;
	struct hp_decoder d;
	struct sink s = {0};
	struct tb b;
	char name[32];

	(void)state;
	tb_init(&b, 0);
	hp_defs_init(&defs);
	hp_decoder_init(&d, &defs, keep, &s);
	tb_rec(&b, HPT_UNRECORDED_PROGRAM, TB_U(HPT_UNRECORDED_STATIC) TB_STR("/bin/busybox"));
	tb_rec(&b, HPT_UNRECORDED_PROGRAM, TB_U(HPT_UNRECORDED_STATIC) TB_STR("kubectl"));
	tb_rec(&b, HPT_UNRECORDED_PROGRAM, TB_U(HPT_UNRECORDED_STATIC) TB_STR("/bin/busybox"));
	for (int i = 0; i < HP_UNRECORDED_NAMED + 3; i++) {
		snprintf(name, sizeof(name), "/tool%d", i);
		tb_rec(&b, HPT_UNRECORDED_PROGRAM, TB_U(7) TB_STR(name));
	}
	assert_int_equal(decode(&d, &b), 0);
	assert_int_equal(defs.process.nunrecorded, HP_UNRECORDED_NAMED);
	assert_string_equal(defs.process.unrecorded[0].path, "/bin/busybox");
	assert_int_equal(defs.process.unrecorded[0].times, 2);
	assert_int_equal(defs.process.unrecorded[0].why, HPT_UNRECORDED_STATIC);
	assert_string_equal(defs.process.unrecorded[1].path, "kubectl");
	assert_int_equal(defs.process.unrecorded[1].times, 1);
	assert_string_equal(defs.process.unrecorded[2].path, "/tool0");
	assert_int_equal(defs.process.unrecorded[2].why, 7);
	assert_int_equal(defs.process.unrecorded_more, 5); /* /tool14 to /tool18 */
	hp_decoder_release(&d);
	hp_defs_release(&defs);
	tb_release(&b);
}

/* Fields of every length from 1 to 10 bytes, in records alone, in runs, and at the very end of a chunk
 * (where the quick path has no bytes to spare): each decoded as encoded. */
struct xorshift {
	uint64_t s;
};

static uint64_t next_random(struct xorshift *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

/* A value whose varint takes 1 to 10 bytes, at random. */
static uint64_t any_width(struct xorshift *r)
{
	unsigned bits = (unsigned)(next_random(r) % 64) + 1;
	uint64_t v = next_random(r);
	return bits == 64 ? v : v & ((1ull << bits) - 1);
}

static void fields_of_every_width(void **state)
{
	struct xorshift r = {0x9e3779b97f4a7c15ull};
	enum { N = 2000 };
	static struct hp_tick_event want[N];

	(void)state;
	for (int round = 0; round < 20; round++) {
		struct tb b;
		struct hp_defs defs;
		struct hp_decoder d;
		static struct hp_tick_event got[N];
		size_t n = 0, ngot = 0;

		tb_init(&b, 0);
		hp_defs_init(&defs);
		hp_decoder_init(&d, &defs, NULL, NULL);
		tb_stream(&b, 7);
		size_t count = round < 10 ? 1 + (size_t)round : N;
		for (size_t i = 0; i < count; i++) {
			uint64_t tick = any_width(&r), addr = any_width(&r), size = any_width(&r);
			uint32_t stack = (uint32_t)any_width(&r);
			unsigned kind = (unsigned)(next_random(&r) % 11);
			struct hp_tick_event *w = &want[n++];
			*w = (struct hp_tick_event){.tick = tick, .addr = addr, .stream = 7, .kind = (uint8_t)kind};
			switch (next_random(&r) % 3) {
			case 0:
				tb_alloc(&b, tick, kind, addr, size, stack);
				w->type = HP_EV_ALLOC;
				w->size = size;
				w->id = stack;
				break;
			case 1:
				tb_free(&b, tick, kind, addr);
				w->type = HP_EV_FREE;
				break;
			default: {
				uint64_t addr2 = next_random(&r) % 4 ? any_width(&r) : 0;
				unsigned flags = (unsigned)(next_random(&r) % 2);
				tb_realloc(&b, tick, kind, flags, addr, addr2, size, stack);
				w->type = HP_EV_REALLOC;
				w->flags = (uint8_t)flags;
				w->addr2 = addr2;
				w->size = size;
				w->id = stack;
				break;
			}
			}
		}
		struct keep_all ka = {got, &ngot};
		d.emit = keep_all_events;
		d.ctx = &ka;
		assert_int_equal(decode(&d, &b), 0);
		assert_int_equal(ngot, n);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(got[i].type, want[i].type);
			assert_int_equal(got[i].stream, want[i].stream);
			assert_int_equal(got[i].tick, want[i].tick);
			assert_int_equal(got[i].kind, want[i].kind);
			assert_int_equal(got[i].flags, want[i].flags);
			assert_int_equal(got[i].addr, want[i].addr);
			assert_int_equal(got[i].addr2, want[i].addr2);
			assert_int_equal(got[i].size, want[i].size);
			assert_int_equal(got[i].id, want[i].id);
		}
		hp_decoder_release(&d);
		hp_defs_release(&defs);
		tb_release(&b);
	}
}

/* A definition read after an event is not visible to emit for that event, even within a batch. */
struct seen {
	struct hp_defs *defs;
	size_t n, defined;
};

static int note_stack_7(void *ctx, struct hp_tick_event *ev, size_t n)
{
	struct seen *s = ctx;

	for (size_t i = 0; i < n; i++) {
		if (ev[i].type == HP_EV_ALLOC && hp_defs_stack(s->defs, 7))
			s->defined++;
		s->n += ev[i].type == HP_EV_ALLOC;
		hp_tick_event_free(&ev[i]);
	}
	return 0;
}

static void definitions_in_record_order(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct hp_decoder d;
	struct seen s = {&defs, 0, 0};

	(void)state;
	tb_init(&b, 0);
	hp_defs_init(&defs);
	hp_decoder_init(&d, &defs, note_stack_7, &s);
	tb_stream(&b, 1);
	for (int i = 0; i < 300; i++)
		tb_alloc(&b, 100 + (uint64_t)i, 0, 0x1000 + 16 * (uint64_t)i, 16, 7);
	tb_rec(&b, HPT_STACK, TB_U(7) TB_U(1) TB_U(0x401000));
	for (int i = 0; i < 5; i++)
		tb_alloc(&b, 400 + (uint64_t)i, 0, 0x9000 + 16 * (uint64_t)i, 16, 7);
	assert_int_equal(decode(&d, &b), 0);
	assert_int_equal(s.n, 305);
	assert_int_equal(s.defined, 5);
	hp_decoder_release(&d);
	hp_defs_release(&defs);
	tb_release(&b);
}

/* A stop asked by emit comes before a bad record that follows in the same batch. */
static int stop_at_second(void *ctx, struct hp_tick_event *ev, size_t n)
{
	size_t *seen = ctx;

	for (size_t i = 0; i < n; i++)
		hp_tick_event_free(&ev[i]);
	*seen += n;
	return *seen >= 2 ? 9 : 0;
}

static void stop_before_a_later_error(void **state)
{
	struct tb b;
	struct hp_defs defs;
	struct hp_decoder d;
	size_t seen = 0;

	(void)state;
	tb_init(&b, 0);
	hp_defs_init(&defs);
	hp_decoder_init(&d, &defs, stop_at_second, &seen);
	tb_stream(&b, 1);
	tb_alloc(&b, 100, 0, 0x1000, 16, 0);
	tb_alloc(&b, 101, 0, 0x2000, 16, 0);
	tb_rec(&b, HPT_STACK, TB_U(1) TB_U(0));
	assert_int_equal(decode(&d, &b), 9);
	assert_false(d.failed);
	hp_decoder_release(&d);
	hp_defs_release(&defs);
	tb_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_record_type),
		cmocka_unit_test(scan_values_by_version),
		cmocka_unit_test(state_across_chunks),
		cmocka_unit_test(unknown_and_longer_records),
		cmocka_unit_test(hostile_records),
		cmocka_unit_test(ids_zero_and_duplicates),
		cmocka_unit_test(unrecorded_programs_counted_by_name),
		cmocka_unit_test(fields_of_every_width),
		cmocka_unit_test(definitions_in_record_order),
		cmocka_unit_test(stop_before_a_later_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
