/* test_recorder_core.c: the recorder's encoder (decoded by the analyzer's decoder), ring, stack table,
 * stack cache and bootstrap arena, outside any process being recorded. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <zstd.h>

#include "bootstrap_arena.h"
#include "event_encoder.h"
#include "hpt_format.h"
#include "read/record_decoder.h"
#include "stack_cache.h"
#include "stack_table.h"
#include "own_fd.h"
#include "thread_buffer.h"
#include "trace_chunks.h"

/* ---- encoder → decoder ------------------------------------------------------------------------ */

/* The events' loop-free varint writes the bytes of the format's own, at every length. */
static void fast_varint_matches_the_format(void **state)
{
	(void)state;
	for (unsigned bits = 0; bits <= 64; bits++) {
		for (int delta = -2; delta <= 2; delta++) {
			uint64_t v = bits == 64 ? UINT64_MAX + (uint64_t)(delta < 0 ? delta : 0)
					    : (bits ? 1ull << bits : 0) + (uint64_t)delta;
			uint8_t want[16] = {0}, fast[16 + 8];
			memset(fast, 0xee, sizeof(fast));
			size_t n = (size_t)(hpt_put_u(want, v) - want);
			size_t m = (size_t)(hp_put_u(fast, v) - fast);
			assert_int_equal(m, n);
			assert_memory_equal(fast, want, n);
			int64_t s = (int64_t)v;
			n = (size_t)(hpt_put_s(want, s) - want);
			m = (size_t)(hp_put_s(fast, s) - fast);
			assert_int_equal(m, n);
			assert_memory_equal(fast, want, n);
		}
	}
}

static struct hp_tick_event got[64];
static size_t ngot;

static int keep(void *ctx, struct hp_tick_event *ev, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		if (ngot < 64)
			got[ngot++] = ev[i];
		hp_tick_event_free(&ev[i]);
	}
	return 0;
}

/* A decoder of the current version, its definitions into defs, its events to emit; got[] empty. */
static void decode_begin(struct hp_decoder *d, struct hp_defs *defs, hp_emit_fn emit)
{
	hp_defs_init(defs);
	hp_decoder_init(d, defs, emit, NULL);
	hp_decoder_set_version(d, HPT_VERSION);
	ngot = 0;
}

/* Decodes buf[0..n) as one chunk of the current version: its definitions into defs, its events to emit. */
static void decode(struct hp_decoder *d, struct hp_defs *defs, hp_emit_fn emit, const uint8_t *buf, size_t n)
{
	decode_begin(d, defs, emit);
	assert_int_equal(hp_decode_chunk(d, buf, n, 0, true), 0);
}

/* Decodes buf[0..n) as one chunk of the current version, its events into got[]: the decoder's answer. */
static int decode_events(const uint8_t *buf, size_t n)
{
	struct hp_defs defs;
	struct hp_decoder d;

	decode_begin(&d, &defs, keep);
	int rc = hp_decode_chunk(&d, buf, n, 0, true);
	hp_decoder_release(&d);
	hp_defs_release(&defs);
	return rc;
}

/* Version 5: a FREE's delta is from the stream's last FREE, and an ALLOC's from the last address an
 * ALLOC stored: frees of blocks in the order they were made repeat their deltas, as allocations do. */
static void a_free_has_its_own_delta_base(void **state)
{
	uint8_t buf[1024], *p = buf, *rec[3];
	struct hp_enc_state st = {0};
	(void)state;

	p = hp_enc_plain(p, HPT_STREAM, (uint64_t[]){1}, 1);
	p = hp_enc_alloc(p, &st, HPT_KIND_MALLOC, 0x10000, 32, 0);
	p = hp_enc_alloc(p, &st, HPT_KIND_MALLOC, 0x10030, 32, 0);
	rec[0] = p; /* a block from before: from the last FREE (none yet: 0) */
	p = hp_enc_free(p, &st, HPT_FREE_FREE, 0x9000);
	rec[1] = p; /* from the last ALLOC's address, which the FREE left */
	p = hp_enc_alloc(p, &st, HPT_KIND_MALLOC, 0x10060, 32, 0);
	rec[2] = p; /* from the last FREE */
	p = hp_enc_free(p, &st, HPT_FREE_FREE, 0x9030);
	uint8_t want[3][4];
	assert_int_equal(hpt_put_u(want[0], hpt_zigzag(0x9000)) - want[0], rec[1] - rec[0] - 3);
	assert_memory_equal(rec[0] + 3, want[0], (size_t)(rec[1] - rec[0] - 3));
	hpt_put_u(want[1], hpt_zigzag(0x30));
	assert_memory_equal(rec[1] + 3, want[1], 1);
	assert_memory_equal(rec[2] + 3, want[1], 1);

	assert_int_equal(decode_events(buf, (size_t)(p - buf)), 0);
	assert_int_equal(ngot, 5);
	const uint64_t addrs[5] = {0x10000, 0x10030, 0x9000, 0x10060, 0x9030};
	for (int i = 0; i < 5; i++)
		assert_int_equal(got[i].addr, addrs[i]);
}

/* Version 5: a realloc names its old block among the recent allocations, its new one among the recent
 * frees, and leaves out an old address of 0; deltas stay where neither applies. */
static void realloc_addresses_take_their_shortest_form(void **state)
{
	uint8_t buf[1024], *p = buf, *rec[4];
	struct hp_enc_state st = {0};
	(void)state;

	p = hp_enc_plain(p, HPT_STREAM, (uint64_t[]){1}, 1);
	p = hp_enc_alloc(p, &st, HPT_KIND_MALLOC, 0x10000, 32, 0);
	p = hp_enc_free(p, &st, HPT_FREE_FREE, 0x10000);
	rec[0] = p; /* realloc(NULL, 40) hands out the block just freed */
	p = hp_enc_realloc(p, &st, HPT_KIND_REALLOC, 0, 0, 0x10000, 40, 0);
	rec[1] = p; /* grows in place the block allocated first */
	p = hp_enc_realloc(p, &st, HPT_KIND_REALLOC, 0, 0x10000, 0x10000, 48, 0);
	rec[2] = p; /* realloc(NULL, 64) at an address never seen: a delta from the last address */
	p = hp_enc_realloc(p, &st, HPT_KIND_REALLOC, 0, 0, 0x10100, 64, 0);
	rec[3] = p; /* moves a block never seen: both deltas */
	p = hp_enc_realloc(p, &st, HPT_KIND_REALLOC, 0, 0x20000, 0x20400, 2000, 0);
	p = hp_enc_free(p, &st, HPT_FREE_FREE, 0x20440); /* from the last FREE: the reallocs left its base */
	assert_int_equal(rec[0][3], HPT_REALLOC_OLD_NULL | HPT_REALLOC_NEW_RECENT);
	assert_int_equal(rec[0][4], 0);
	assert_int_equal(rec[1][3], HPT_REALLOC_OLD_RECENT);
	assert_int_equal(rec[1][4], 0);
	assert_int_equal(rec[2][3], HPT_REALLOC_OLD_NULL);
	assert_int_equal(rec[3][3], 0);

	assert_int_equal(decode_events(buf, (size_t)(p - buf)), 0);
	assert_int_equal(ngot, 7);
	const uint64_t want[4][2] = {{0, 0x10000}, {0x10000, 0x10000}, {0, 0x10100}, {0x20000, 0x20400}};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(got[2 + i].type, HP_EV_REALLOC);
		assert_int_equal(got[2 + i].flags, 0);
		assert_int_equal(got[2 + i].addr, want[i][0]);
		assert_int_equal(got[2 + i].addr2, want[i][1]);
	}
	assert_int_equal(got[5].size, 2000);
	assert_int_equal(got[6].addr, 0x20440);

	/* Flags naming two forms of the old address, and an index past the list, are errors. */
	rec[0][3] = HPT_REALLOC_OLD_NULL | HPT_REALLOC_OLD_RECENT;
	assert_int_not_equal(decode_events(buf, (size_t)(p - buf)), 0);
	rec[0][3] = HPT_REALLOC_OLD_NULL | HPT_REALLOC_NEW_RECENT;
	rec[0][4] = HPT_RECENT;
	assert_int_not_equal(decode_events(buf, (size_t)(p - buf)), 0);
}

static void encoded_events_decode_exactly(void **state)
{
	uint8_t buf[4096], *p = buf;
	struct hp_enc_state st = {0};
	uint64_t ips[3] = {0x7f0000001000, 0x400000, 0x7f0000000ff0}; /* deltas of both signs */
	(void)state;

	p = hp_enc_plain(p, HPT_STREAM, (uint64_t[]){5}, 1);
	p = hp_enc_stack(p, 9, ips, 3);
	p = hp_enc_epoch(p, &st, 1000);
	p = hp_enc_alloc(p, &st, HPT_KIND_CALLOC, 0x55550000, 4096, 9);
	p = hp_enc_alloc(p, &st, HPT_KIND_MALLOC, 0x55540000, 16, 9); /* address goes down */
	p = hp_enc_realloc(p, &st, HPT_KIND_REALLOC, 0, 0x55540000, 0x66660000, 100000, 9);
	p = hp_enc_realloc(p, &st, HPT_KIND_REALLOC, HPT_REALLOC_FAILED, 0x66660000, 0, 1u << 30, 9);
	p = hp_enc_epoch(p, &st, 1040);
	uint8_t *free_at = p;
	p = hp_enc_free(p, &st, HPT_FREE_FREE, 0x55550000); /* the second latest allocation: by index */
	p = hp_enc_alloc_fail(p, HPT_KIND_POSIX_MEMALIGN, SIZE_MAX, 0);
	p = hp_enc_tick_u(p, &st, HPT_ZONE_BEGIN, 1060, 3);
	p = hp_enc_counter(p, &st, 1070, 4, -25);
	p = hp_enc_tick_u(p, &st, HPT_ZONE_END, 1065, 3); /* a tick may step back: stored signed */
	uint8_t *alloc_at = p;
	p = hp_enc_alloc(p, &st, HPT_KIND_MEMALIGN, 0x55550000, 64, 9); /* the latest free, reused: by index */
	p = hp_enc_free(p, &st, HPT_FREE_FREE, 0x77770000); /* never seen: by delta */
	assert_int_equal(free_at[2], HPT_FREE_FREE | HPT_KIND_RECENT);
	assert_int_equal(free_at[3], 1);
	assert_int_equal(alloc_at[2], HPT_KIND_MEMALIGN | HPT_KIND_RECENT);
	assert_int_equal(alloc_at[3], 0);

	struct hp_defs defs;
	struct hp_decoder d;
	decode(&d, &defs, keep, buf, (size_t)(p - buf));
	assert_int_equal(ngot, 11);

	const struct hp_stack *s = hp_defs_stack(&defs, 9);
	assert_non_null(s);
	assert_int_equal(s->depth, 3);
	assert_memory_equal(s->ips, ips, sizeof(ips));

	assert_int_equal(got[0].type, HP_EV_ALLOC);
	assert_int_equal(got[0].stream, 5);
	assert_int_equal(got[0].tick, 1000); /* the epoch: allocation records carry no tick */
	assert_int_equal(got[0].key, 1000);
	assert_int_equal(got[0].kind, HPT_KIND_CALLOC);
	assert_int_equal(got[0].addr, 0x55550000);
	assert_int_equal(got[0].size, 4096);
	assert_int_equal(got[0].id, 9); /* the stack */
	assert_int_equal(got[1].addr, 0x55540000);
	assert_int_equal(got[2].type, HP_EV_REALLOC);
	assert_int_equal(got[2].addr, 0x55540000);
	assert_int_equal(got[2].addr2, 0x66660000);
	assert_int_equal(got[2].size, 100000);
	assert_int_equal(got[3].flags, HPT_REALLOC_FAILED);
	assert_int_equal(got[3].addr, 0x66660000);
	assert_int_equal(got[3].addr2, 0);
	assert_int_equal(got[4].type, HP_EV_FREE);
	assert_int_equal(got[4].addr, 0x55550000);
	assert_int_equal(got[4].kind, HPT_FREE_FREE);
	assert_int_equal(got[4].tick, 1040);
	assert_int_equal(got[5].type, HP_EV_ALLOC_FAIL);
	assert_int_equal(got[5].size, SIZE_MAX);
	assert_int_equal(got[6].type, HP_EV_ZONE_BEGIN);
	assert_int_equal(got[6].id, 3); /* the site */
	assert_int_equal((int64_t)got[7].size, -25); /* the value */
	assert_int_equal(got[8].type, HP_EV_ZONE_END);
	assert_int_equal(got[8].tick, 1065);
	assert_int_equal(got[8].key, 1040); /* ordered by the stream's epoch */
	assert_int_equal(got[9].type, HP_EV_ALLOC);
	assert_int_equal(got[9].kind, HPT_KIND_MEMALIGN);
	assert_int_equal(got[9].addr, 0x55550000);
	assert_int_equal(got[9].size, 64);
	assert_int_equal(got[10].type, HP_EV_FREE);
	assert_int_equal(got[10].kind, HPT_FREE_FREE);
	assert_int_equal(got[10].addr, 0x77770000);
	hp_decoder_release(&d);
	hp_defs_release(&defs);
}

static void long_definitions_move_their_payload(void **state)
{
	static uint8_t buf[8192];
	static uint64_t ips[256];
	char name[300];
	(void)state;

	for (int i = 0; i < 256; i++)
		ips[i] = 0x7f0000000000ull + (uint64_t)i * 977;
	memset(name, 'z', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	uint8_t *p = hp_enc_stack(buf, 1, ips, 256);
	assert_true((size_t)(p - buf) <= hp_enc_stack_size(256));
	p = hp_enc_site(p, 2, 0, 77, name, "fn", "file.c");

	struct hp_defs defs;
	struct hp_decoder d;
	hp_defs_init(&defs);
	hp_decoder_init(&d, &defs, keep, NULL);
	assert_int_equal(hp_decode_chunk(&d, buf, (size_t)(p - buf), 0, true), 0);
	assert_memory_equal(hp_defs_stack(&defs, 1)->ips, ips, sizeof(ips));
	const struct hp_site_def *site = hp_defs_site(&defs, 2);
	assert_string_equal(site->name, name);
	assert_int_equal(site->line, 77);
	hp_decoder_release(&d);
	hp_defs_release(&defs);
}

static struct hp_sample got_sample;

static int keep_sample(void *ctx, struct hp_tick_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].type == HP_EV_SAMPLE)
			got_sample = *(const struct hp_sample *)(uintptr_t)ev[i].addr2;
	return keep(ctx, ev, n);
}

/* The writer's records (stream 0, and a producer's WAIT) read back as what was written. */
static void writer_records_decode_exactly(void **state)
{
	static uint8_t buf[8192];
	static const char cmdline[] = "prog\0-v\0two words"; /* and its NUL: as /proc/self/cmdline */
	static const uint8_t bid[] = {0xde, 0xad, 0xbe, 0xef};
	struct hp_enc_state st = {0}, st1 = {0};
	struct hp_enc_process pr = {42, 7, 1700000000000000000ull, HPT_PROCESS_FORKED, 5, "/bin/prog", cmdline,
				    sizeof(cmdline), "/usr/lib/chromium/chromium"};
	struct hp_proc_sample sample = {4096, 1, 2, 3, 4, 5, 6};
	uint8_t *p = buf, *rec;
	(void)state;

	p = hp_enc_stream(p, 0);
	rec = p;
	p = hp_enc_process(p, &pr);
	assert_true((size_t)(p - rec) <= hp_enc_process_size(&pr));
	p = hp_enc_clock(p, 1000, 1000, 5000);
	p = hp_enc_calibration(p, 30, 20);
	rec = p;
	p = hp_enc_module_load_begin(p, &st, 1000, 0x400000, "/bin/prog", 9, bid, sizeof(bid), 2);
	p = hp_enc_module_segment(p, 0, 0x1000, 0, 5);
	p = hp_enc_module_segment(p, 0x2000, 0x300, 0x2000, 6);
	p = hp_enc_module_load_end(rec, p);
	p = hp_enc_thread_name(p, 3, "worker", 6);
	p = hp_enc_sample(p, 1100, &sample);
	rec = p;
	p = hp_enc_suppressions(p, "leak:foo\n", 9);
	assert_true((size_t)(p - rec) <= hp_enc_suppressions_size(9));
	p = hp_enc_sync(p, 1100);
	p = hp_enc_stream(p, 3);
	p = hp_enc_tick_u(p, &st1, HPT_THREAD_START, 1200, 99);
	p = hp_enc_wait(p, 700);
	p = hp_enc_stream(p, 0);
	p = hp_enc_module_unload(p, &st, 1300, 0x400000);

	struct hp_defs defs;
	struct hp_decoder d;
	decode(&d, &defs, keep_sample, buf, (size_t)(p - buf));

	assert_int_equal(defs.process.pid, 42);
	assert_int_equal(defs.process.flags, HPT_PROCESS_FORKED);
	assert_int_equal(defs.process.fork_seq, 5);
	assert_string_equal(defs.process.exe, "/bin/prog");
	assert_int_equal(defs.process.argc, 3);
	assert_string_equal(defs.process.argv[2], "two words");
	assert_string_equal(defs.process.malloc_owner, "/usr/lib/chromium/chromium");
	assert_string_equal(defs.process.lsan_suppressions, "leak:foo\n");
	assert_int_equal(defs.nmodules, 1);
	assert_int_equal(defs.modules[0].base, 0x400000);
	assert_string_equal(defs.modules[0].path, "/bin/prog");
	assert_memory_equal(defs.modules[0].build_id, bid, sizeof(bid));
	assert_int_equal(defs.modules[0].nseg, 2);
	assert_int_equal(defs.modules[0].segs[1].offset, 0x2000);
	assert_int_equal(defs.modules[0].segs[1].flags, 6);
	assert_string_equal(hp_defs_thread(&defs, 3)->name, "worker");
	assert_int_equal(got_sample.rss, 4096);
	assert_int_equal(got_sample.write_bytes, 6);

	int waits = 0, unloads = 0;
	for (size_t i = 0; i < ngot; i++) {
		waits += got[i].type == HP_EV_WAIT && got[i].stream == 3;
		unloads += got[i].type == HP_EV_MODULE_UNLOAD && got[i].addr == 0x400000;
	}
	assert_int_equal(waits, 1);
	assert_int_equal(unloads, 1);
	hp_decoder_release(&d);
	hp_defs_release(&defs);
}

/* ---- the ring -------------------------------------------------------------------------------- */

#define RECORDS 200000

static struct hp_ring *ring;
static volatile int producer_done;

/* Numbered records of varying length, so that some wrap around the ring's end. */
static void *produce(void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < RECORDS; i++) {
		uint8_t *p = hp_ring_reserve(ring, 64);
		uint8_t *start = p;
		*p++ = 0x7e;
		uint8_t *len = p++;
		p = hpt_put_u(p, i);
		for (uint64_t k = 0; k < i % 7; k++)
			*p++ = (uint8_t)(i + k);
		*len = (uint8_t)(p - len - 1);
		(void)start;
		hp_ring_commit(ring, p);
	}
	producer_done = 1;
	return NULL;
}

static void ring_hands_every_record_over_once_in_order(void **state)
{
	static uint8_t out[1 << 12];
	uint64_t next = 0;
	pthread_t t;
	(void)state;

	hp_rec.use_tsc = false;
	hp_rec.membarrier = true;
	atomic_store(&hp_rec.state, HP_STATE_ON); /* the producer waits for this test's draining */
	ring = hp_ring_create(1 << 12);
	assert_non_null(ring);
	/* No writer thread exists here: this test drains, and the producer spins until it does. */
	ring->kick_at = UINT64_MAX;
	assert_int_equal(pthread_create(&t, NULL, produce, NULL), 0);
	while (!producer_done || atomic_load(&ring->committed) != atomic_load(&ring->consumed)) {
		uint64_t c = atomic_load_explicit(&ring->committed, memory_order_acquire);
		uint64_t n = hp_ring_drain(ring, out, c);
		/* Records may be split between two drains only if a drain stops mid-record: it never does,
		 * since committed always falls on a record boundary. */
		for (uint64_t at = 0; at < n;) {
			uint8_t len = out[at + 1];
			if (out[at] == HPT_WAIT) { /* the producer found the ring full and waited for us */
				at += 2 + (uint64_t)len;
				continue;
			}
			assert_int_equal(out[at], 0x7e);
			struct hpt_cursor cur = {out + at + 2, out + at + 2 + len};
			uint64_t num = UINT64_MAX;
			assert_int_equal(hpt_get_u(&cur, &num), 0);
			assert_int_equal(num, next);
			for (uint64_t k = 0; k < num % 7; k++)
				assert_int_equal(cur.p[k], (uint8_t)(num + k));
			next++;
			at += 2 + (uint64_t)len;
		}
	}
	pthread_join(t, NULL);
	assert_int_equal(next, RECORDS);
	hp_ring_destroy(ring);
}

/* ---- the stack table ------------------------------------------------------------------------- */

static void stacks_intern_once_and_grow(void **state)
{
	uint64_t ips[8];
	bool is_new;
	(void)state;

	/* Prefixes and longer stacks are different stacks. */
	for (int i = 0; i < 8; i++)
		ips[i] = 0x1000 + (uint64_t)i;
	const uint64_t *stored;
	uint32_t a = hp_stack_intern(ips, 3, &is_new, &stored);
	assert_true(is_new);
	uint32_t b = hp_stack_intern(ips, 4, &is_new, &stored);
	assert_true(is_new && b != a);
	assert_int_equal(hp_stack_intern(ips, 3, &is_new, &stored), a);
	assert_false(is_new);
	/* Past the first table's 4096 slots: everything stays findable with its id. */
	for (uint64_t i = 0; i < 20000; i++) {
		ips[0] = 0x900000 + i;
		uint32_t id = hp_stack_intern(ips, 5, &is_new, &stored);
		assert_true(is_new);
		assert_int_equal(hp_stack_intern(ips, 5, &is_new, &stored), id);
		assert_false(is_new);
	}
	ips[0] = 0x900000;
	hp_stack_intern(ips, 5, &is_new, &stored);
	assert_false(is_new);
}

struct racer {
	uint32_t ids[1000];
};

static void *race(void *arg)
{
	struct racer *r = arg;
	uint64_t ips[4] = {0, 0xabc, 0xdef, 0x123};
	const uint64_t *stored;
	bool is_new;

	for (uint64_t i = 0; i < 1000; i++) {
		ips[0] = 0x5000000 + i;
		r->ids[i] = hp_stack_intern(ips, 4, &is_new, &stored);
	}
	return NULL;
}

static void concurrent_interning_agrees(void **state)
{
	struct racer r[4];
	pthread_t t[4];
	(void)state;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, race, &r[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int i = 1; i < 4; i++)
		assert_memory_equal(r[i].ids, r[0].ids, sizeof(r[0].ids));
	for (int i = 0; i < 1000; i++)
		assert_true(r[0].ids[i] != 0);
}

/* ---- the bootstrap arena --------------------------------------------------------------------- */

static void arena_aligns_remembers_and_owns(void **state)
{
	int local;
	(void)state;

	for (size_t align = 16; align <= 4096; align *= 2) {
		void *p = hp_arena_alloc(100, align);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % align, 0);
		assert_true(hp_arena_owns(p));
		assert_int_equal(hp_arena_size(p), 100);
		uint8_t zero[100] = {0};
		assert_memory_equal(p, zero, 100);
	}
	assert_false(hp_arena_owns(&local));
	assert_false(hp_arena_owns(NULL));
	assert_null(hp_arena_alloc(1u << 30, 16)); /* more than the arena holds */
	void *after = hp_arena_alloc(32, 16);
	assert_non_null(after); /* a refused request leaves the arena usable */
}

/* The writer's bound on the ticks a ring may still publish: a new event in flight is told from one
 * still in flight since the previous round (a thread always recording must not hold the watermark). */
static void watermark_tells_events_apart(void **state)
{
	struct hp_ring *r = hp_ring_create(1u << 16);
	(void)state;

	assert_non_null(r);
	assert_int_equal(hp_ring_low_tick(r, true, 100, 50), 100);  /* idle at its first round */
	hp_ring_event_begin(r);                                      /* E1 begins after that look */
	assert_int_equal(hp_ring_low_tick(r, false, 200, 100), 100);
	assert_int_equal(hp_ring_low_tick(r, false, 300, 200), 100); /* E1 still in flight: the bound stays */
	hp_ring_event_end(r);
	hp_ring_event_begin(r);                                      /* E2 began after round 300's look */
	assert_int_equal(hp_ring_low_tick(r, false, 400, 300), 300);
	hp_ring_event_end(r);
	hp_ring_event_begin(r);
	hp_ring_event_end(r);
	assert_int_equal(hp_ring_low_tick(r, false, 500, 400), 500); /* idle */
	hp_ring_event_begin(r);                                      /* registered busy */
	assert_int_equal(hp_ring_low_tick(r, true, 600, 500), 500);
	hp_ring_destroy(r);
}

/* ---- stack cache ------------------------------------------------------------------------------ */

/* A made-up stack on this thread's real stack: return addresses at known places above "sp". */
static void stack_cache_hits_only_the_same_frames(void **state)
{
	uint64_t frames[64] = {0};
	const uint64_t ips[4] = {0x401000, 0x402000, 0x403000, 0x404000};
	uint64_t lo, hi;
	assert_int_equal(hp_thread_stack(&lo, &hi), 0);
	struct hp_stack_cache *c = hp_stack_cache_create(8, lo, hi);
	uint64_t sp = (uint64_t)frames;
	(void)state;

	assert_non_null(c);
	frames[3] = ips[1]; /* frame 1's return address, three words above sp */
	frames[9] = ips[2];
	frames[10] = ips[3];
	frames[5] = 0x777; /* locals between them */
	assert_int_equal(hp_stack_cache_find(c, sp, ips[0]), 0);
	for (int i = 0; i < 8; i++)
		hp_stack_cache_put(c, sp, ips, 4, 42); /* a store may be skipped; one is enough */
	assert_int_equal(hp_stack_cache_find(c, sp, ips[0]), 42);
	assert_int_equal(hp_stack_cache_find(c, sp + 8, ips[0]), 0);  /* another depth */
	assert_int_equal(hp_stack_cache_find(c, sp, ips[0] + 1), 0);  /* another call site */
	frames[5] = 0x888;                                          /* locals may change */
	assert_int_equal(hp_stack_cache_find(c, sp, ips[0]), 42);
	frames[9] = 0x402fff;                                       /* another caller, same place */
	assert_int_equal(hp_stack_cache_find(c, sp, ips[0]), 0);
	frames[9] = ips[2];
	assert_int_equal(hp_stack_cache_find(c, sp, ips[0]), 42);

	/* Two callers whose frames have the same sizes: both stacks stay cached under the same key. */
	const uint64_t twin[4] = {ips[0], ips[1], 0x402fff, ips[3]};
	frames[9] = twin[2];
	for (int i = 0; i < 8 && !hp_stack_cache_find(c, sp, ips[0]); i++)
		hp_stack_cache_put(c, sp, twin, 4, 45);
	assert_int_equal(hp_stack_cache_find(c, sp, ips[0]), 45);
	frames[9] = ips[2];
	for (int i = 0; i < 8 && hp_stack_cache_find(c, sp, ips[0]) != 42; i++)
		hp_stack_cache_put(c, sp, ips, 4, 42);
	assert_int_equal(hp_stack_cache_find(c, sp, ips[0]), 42);
	frames[9] = twin[2];
	assert_int_equal(hp_stack_cache_find(c, sp, ips[0]), 45);
	frames[9] = ips[2];

	/* Frames not all on the stack, or a stack pointer off this thread's stack: nothing is kept. */
	const uint64_t missing[3] = {0x501000, 0x502000, 0x5dead0};
	frames[20] = missing[1];
	for (int i = 0; i < 8; i++)
		hp_stack_cache_put(c, sp, missing, 3, 43);
	assert_int_equal(hp_stack_cache_find(c, sp, missing[0]), 0);
	static uint64_t elsewhere[16];
	elsewhere[2] = ips[1];
	for (int i = 0; i < 8; i++)
		hp_stack_cache_put(c, (uint64_t)elsewhere, ips, 2, 44);
	assert_int_equal(hp_stack_cache_find(c, (uint64_t)elsewhere, ips[0]), 0);
	hp_stack_cache_destroy(c);
}

/* ---- chunks ------------------------------------------------------------------------------------ */

/* Every chunk begins with a STREAM record, also when a record of the stream already current finds the
 * staging area full (the chunk is then written before the record, and the next one must say whose it
 * is): a chunk read alone, or put back in place by the reader, is attributed to its own stream. */
static void every_chunk_begins_with_its_stream(void **state)
{
	char path[] = "/tmp/hp-chunks-XXXXXX";
	int fd = mkstemp(path);
	enum { RECORD = 900 << 10 };

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hp_own_fd_open(hp_chunks_trace(), path, O_WRONLY | O_TRUNC, 0), 0);
	assert_int_equal(hp_chunks_start(), 0);
	for (unsigned i = 0; i < 12; i++) {
		uint8_t *p = hp_chunks_room(1 + i / 6, RECORD); /* the same stream six times, then another */
		uint8_t *payload = hp_enc_long_begin(p, 0x7f); /* a type no reader knows, skipped by its length */
		memset(payload, (int)i, RECORD - 16);
		hp_chunks_add((size_t)(hp_enc_long_end(p, payload, payload + RECORD - 16) - p));
	}
	hp_chunks_write();
	hp_chunks_close();

	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static uint8_t buf[16 << 20], raw[8 << 20];
	size_t n = fread(buf, 1, sizeof(buf), f), off = HPT_HEADER_SIZE, chunks = 0;
	fclose(f);
	unlink(path);
	while (off + HPT_CHUNK_HEADER_SIZE <= n) {
		uint32_t stored = hpt_get_le32(buf + off + 4), size = hpt_get_le32(buf + off + 8);
		const uint8_t *payload = buf + off + HPT_CHUNK_HEADER_SIZE;
		assert_true(size <= sizeof(raw));
		if (buf[off + 12] == HPT_CODEC_ZSTD) {
			assert_int_equal(ZSTD_decompress(raw, sizeof(raw), payload, stored), size);
			payload = raw;
		}
		assert_int_equal(payload[0], HPT_STREAM);
		off += HPT_CHUNK_HEADER_SIZE + stored;
		chunks++;
	}
	assert_int_equal(off, n);
	assert_true(chunks >= 3); /* 12 records of 900 KiB: the 4 MiB staging area filled more than once */
}

/* A thread that reads a pipe nobody writes to until told: it waits in read(2). */
struct blocked {
	int fds[2];
	_Atomic uint32_t tid;
	uint64_t lo, hi; /* its stack */
};

static void *block_in_read(void *arg)
{
	struct blocked *b = arg;
	pthread_attr_t attr;
	void *base;
	size_t size;
	char c;

	pthread_getattr_np(pthread_self(), &attr);
	pthread_attr_getstack(&attr, &base, &size);
	pthread_attr_destroy(&attr);
	b->lo = (uint64_t)(uintptr_t)base;
	b->hi = b->lo + size;
	atomic_store(&b->tid, (uint32_t)gettid());
	return read(b->fds[0], &c, 1) == 1 ? NULL : arg;
}

/* The stack pointer of a thread waiting in a system call, from /proc: inside its stack; none for a
 * thread that does not exist. */
static void stack_pointer_of_a_waiting_thread(void **state)
{
	struct blocked b = {0};
	pthread_t t;
	uint64_t sp = 0;

	(void)state;
	assert_int_equal(pipe(b.fds), 0);
	assert_int_equal(pthread_create(&t, NULL, block_in_read, &b), 0);
	while (!atomic_load(&b.tid))
		usleep(1000);
	/* Until it is inside read(2), its file says "running" (0). */
	for (int i = 0; i < 2000 && !(sp = hp_thread_stack_pointer(atomic_load(&b.tid))); i++)
		usleep(1000);
	assert_true(sp > b.lo && sp < b.hi);
	assert_int_equal(write(b.fds[1], "x", 1), 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(hp_thread_stack_pointer(0x7fffffff), 0);
	close(b.fds[0]);
	close(b.fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fast_varint_matches_the_format),
		cmocka_unit_test(encoded_events_decode_exactly),
		cmocka_unit_test(realloc_addresses_take_their_shortest_form),
		cmocka_unit_test(a_free_has_its_own_delta_base),
		cmocka_unit_test(long_definitions_move_their_payload),
		cmocka_unit_test(writer_records_decode_exactly),
		cmocka_unit_test(ring_hands_every_record_over_once_in_order),
		cmocka_unit_test(stacks_intern_once_and_grow),
		cmocka_unit_test(concurrent_interning_agrees),
		cmocka_unit_test(watermark_tells_events_apart),
		cmocka_unit_test(stack_cache_hits_only_the_same_frames),
		cmocka_unit_test(arena_aligns_remembers_and_owns),
		cmocka_unit_test(every_chunk_begins_with_its_stream),
		cmocka_unit_test(stack_pointer_of_a_waiting_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
