/* event_encoder.h: writes trace records (docs/trace-format.md) into memory; the recorder's only encoder.
 *
 * Every function writes one record at p and returns the byte after it. The caller guarantees room:
 * HP_EVENT_MAX bytes for an event; for any other record the bound beside its encoder (HP_ENC_*_MAX,
 * HP_ENC_*_SIZE or hp_enc_*_size()). thread_buffer.h checks at compile time that each fixed bound fits
 * a ring's scratch area. `st` is the stream state the reader will mirror (last tick, last address).
 */
#ifndef HP_EVENT_ENCODER_H
#define HP_EVENT_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "hpt_format.h"
#include "process_sampler.h"

#define HP_EVENT_MAX 64

struct hp_enc_state {
	uint64_t tick;
	uint64_t addr;      /* the last address ALLOC or REALLOC stored as a delta: what their deltas are from */
	uint64_t free_addr; /* the last FREE's address: what a FREE's delta is from (version 5) */
	uint64_t epoch;     /* the writer's epoch as this stream last noted it (EPOCH) */
	struct hpt_recent allocs, frees; /* what ALLOC and FREE name by index (HPT_KIND_RECENT) */
};

/* The varint of docs/trace-format.md, written without a loop: a loop whose trip count follows random
 * sizes and address deltas mispredicts a branch or two per event, which costs more than the rest of
 * the encoding. Values below 2^14 (most ticks deltas, sizes, ids) take two stores; wider ones below
 * 2^56 have their 7-bit groups spread with shifts and all eight bytes stored at once. Either way
 * bytes past the varint may be overwritten: the caller's room for HP_EVENT_MAX bytes covers them. */
static inline uint8_t *hp_put_u_wide(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (__builtin_expect(v < (1ull << 56), 1)) {
		unsigned len = (63 - (unsigned)__builtin_clzll(v | 1)) / 7 + 1;
		uint64_t x = (v & 0x7full) | (v << 1 & 0x7f00ull) | (v << 2 & 0x7f0000ull) |
			     (v << 3 & 0x7f000000ull) | (v << 4 & 0x7f00000000ull) |
			     (v << 5 & 0x7f0000000000ull) | (v << 6 & 0x7f000000000000ull) |
			     (v << 7 & 0x7f00000000000000ull);
		x |= 0x8080808080808080ull & ((1ull << (8 * (len - 1))) - 1);
		__builtin_memcpy(p, &x, 8); /* inlined even under -fno-builtin (Makefile) */
		return p + len;
	}
#endif
	return hpt_put_u(p, v);
}

static inline uint8_t *hp_put_u(uint8_t *p, uint64_t v)
{
	if (__builtin_expect(v < (1u << 14), 1)) {
		unsigned more = v >= 0x80;
		p[0] = (uint8_t)(v | more << 7);
		p[1] = (uint8_t)(v >> 7);
		return p + 1 + more;
	}
	return hp_put_u_wide(p, v);
}

static inline uint8_t *hp_put_s(uint8_t *p, int64_t v)
{
	return hp_put_u(p, hpt_zigzag(v));
}

/* Events have short payloads: the length fits one varint byte, patched once the fields are written. */
#define HP_ENC_BEGIN(p, type)                                                                         \
	uint8_t *len_ = (p) + 1;                                                                      \
	(p)[0] = (type);                                                                              \
	(p) += 2
#define HP_ENC_END(p) (*len_ = (uint8_t)((p) - len_ - 1), (p))

/* A tick delta below 2^14 always takes two bytes (a varint may be longer than it needs, says the
 * format): then where the fields after it go does not depend on the clock, and the processor need not
 * wait for rdtsc's result (tens of cycles) to go on with the event. */
static inline uint8_t *hp_enc_dt(uint8_t *p, struct hp_enc_state *st, uint64_t tick)
{
	uint64_t v = hpt_zigzag((int64_t)(tick - st->tick));

	st->tick = tick;
	if (__builtin_expect(v < (1u << 14), 1)) {
		p[0] = (uint8_t)(v | 0x80);
		p[1] = (uint8_t)(v >> 7);
		return p + 2;
	}
	return hp_put_u_wide(p, v);
}

/* EPOCH: the writer's epoch moved since the stream last noted it; the stream's records after it are
 * ordered at that epoch, and its allocation events take it as their time (docs/trace-format.md). */
static inline uint8_t *hp_enc_epoch(uint8_t *p, struct hp_enc_state *st, uint64_t epoch)
{
	HP_ENC_BEGIN(p, HPT_EPOCH);
	p = hp_put_u_wide(p, epoch - st->epoch);
	st->epoch = epoch;
	return HP_ENC_END(p);
}

/* The allocation records carry no tick (version 3): their time is the stream's epoch. */
/* The address of an ALLOC or FREE: an index among `recent` when there, else a delta from `base`
 * (which an ALLOC's delta moves; a FREE's base is the last FREE, whatever its form); either way it is
 * pushed to `mine`, the recent addresses of its own kind. An index is what repeats in a program's
 * loops (a free of the block allocated two events ago), which zstd then matches. A FREE's own base
 * keeps two sequences apart that repeat each on its own: blocks handed out one after the other, and
 * blocks freed in the order they were allocated (a python3 run's frees of a list of objects), which
 * one shared base mixed into noise: its trace's allocation events compressed to half. */
static inline uint8_t *hp_enc_kind_addr(uint8_t *p, uint64_t *base, unsigned kind, uint64_t addr,
					const struct hpt_recent *recent, struct hpt_recent *mine)
{
	unsigned i = hpt_recent_find(recent, addr);

	if (i < HPT_RECENT) {
		p[0] = (uint8_t)(kind | HPT_KIND_RECENT); /* kinds are below 64: one byte */
		p[1] = (uint8_t)i;
		p += 2; /* an ALLOC's base stays: it follows the addresses not recently seen */
	} else {
		*p++ = (uint8_t)kind;
		p = hp_put_s(p, (int64_t)(addr - *base));
		*base = addr;
	}
	hpt_recent_push(mine, addr);
	return p;
}

static inline uint8_t *hp_enc_alloc(uint8_t *p, struct hp_enc_state *st, unsigned kind, uint64_t addr,
				    uint64_t size, uint32_t stack)
{
	HP_ENC_BEGIN(p, HPT_ALLOC);
	p = hp_enc_kind_addr(p, &st->addr, kind, addr, &st->frees, &st->allocs);
	p = hp_put_u(p, size);
	p = hp_put_u(p, stack);
	return HP_ENC_END(p);
}

static inline uint8_t *hp_enc_free(uint8_t *p, struct hp_enc_state *st, unsigned kind, uint64_t addr)
{
	HP_ENC_BEGIN(p, HPT_FREE);
	p = hp_enc_kind_addr(p, &st->free_addr, kind, addr, &st->allocs, &st->frees);
	st->free_addr = addr;
	return HP_ENC_END(p);
}

/* Version 5: old and new are named as ALLOC and FREE name theirs where that is shorter: a realloc(NULL)
 * hands out what was just freed, a growing block was allocated a moment ago. Neither goes into the
 * recent lists. A delta sets the stream's last address, as before. */
static inline uint8_t *hp_enc_realloc(uint8_t *p, struct hp_enc_state *st, unsigned kind, unsigned flags,
				      uint64_t old, uint64_t new_addr, uint64_t size, uint32_t stack)
{
	unsigned i_old = old ? hpt_recent_find(&st->allocs, old) : HPT_RECENT;
	unsigned i_new = new_addr && new_addr != old ? hpt_recent_find(&st->frees, new_addr) : HPT_RECENT;
	uint64_t base = old ? old : st->addr;

	flags |= !old ? HPT_REALLOC_OLD_NULL : i_old < HPT_RECENT ? HPT_REALLOC_OLD_RECENT : 0;
	flags |= i_new < HPT_RECENT ? HPT_REALLOC_NEW_RECENT : 0;
	HP_ENC_BEGIN(p, HPT_REALLOC);
	*p++ = (uint8_t)kind; /* kinds are below 128: a one-byte varint */
	*p++ = (uint8_t)flags;
	if (flags & HPT_REALLOC_OLD_RECENT) {
		*p++ = (uint8_t)i_old;
	} else if (old) {
		p = hp_put_s(p, (int64_t)(old - st->addr));
		st->addr = old;
	}
	if (flags & HPT_REALLOC_NEW_RECENT) {
		*p++ = (uint8_t)i_new;
	} else {
		p = hp_put_s(p, (int64_t)(new_addr - base));
		if (new_addr)
			st->addr = new_addr;
	}
	p = hp_put_u(p, size);
	p = hp_put_u(p, stack);
	return HP_ENC_END(p);
}

static inline uint8_t *hp_enc_alloc_fail(uint8_t *p, unsigned kind, uint64_t size, uint32_t stack)
{
	HP_ENC_BEGIN(p, HPT_ALLOC_FAIL);
	*p++ = (uint8_t)kind; /* kinds are below 128: a one-byte varint */
	p = hp_put_u(p, size);
	p = hp_put_u(p, stack);
	return HP_ENC_END(p);
}

/* ZONE_BEGIN, ZONE_END, MARK (site) and FUNC_ENTER, FUNC_EXIT (function address). */
static inline uint8_t *hp_enc_tick_u(uint8_t *p, struct hp_enc_state *st, unsigned type,
				     uint64_t tick, uint64_t v)
{
	HP_ENC_BEGIN(p, type);
	p = hp_enc_dt(p, st, tick);
	p = hp_put_u(p, v);
	return HP_ENC_END(p);
}

/* ZONE_CPU: the thread's CPU time, absolute; no tick, so no stream state changes. */
static inline uint8_t *hp_enc_zone_cpu(uint8_t *p, uint64_t cpu_ns)
{
	HP_ENC_BEGIN(p, HPT_ZONE_CPU);
	p = hp_put_u(p, cpu_ns);
	return HP_ENC_END(p);
}

/* EVENT_COST: the recorder's own time over the stream's latest `events` allocation events, measured
 * on a sample of them (event_calibration.c); no tick, so no stream state changes. */
static inline uint8_t *hp_enc_event_cost(uint8_t *p, uint64_t events, uint64_t ticks)
{
	HP_ENC_BEGIN(p, HPT_EVENT_COST);
	p = hp_put_u(p, events);
	p = hp_put_u(p, ticks);
	return HP_ENC_END(p);
}

_Static_assert(2 + 2 * HPT_VARINT_MAX + 8 <= HP_EVENT_MAX, "an EVENT_COST, and what its varints may store past it, fits an event's room");

/* FORK: the thread is about to fork; no tick, so no stream state changes, and a reader that does not
 * know the record skips it without losing the stream's clock. */
static inline uint8_t *hp_enc_fork(uint8_t *p, uint64_t seq)
{
	HP_ENC_BEGIN(p, HPT_FORK);
	p = hp_put_u(p, seq);
	return HP_ENC_END(p);
}

static inline uint8_t *hp_enc_counter(uint8_t *p, struct hp_enc_state *st, uint64_t tick,
				      uint32_t site, int64_t value)
{
	HP_ENC_BEGIN(p, HPT_COUNTER);
	p = hp_enc_dt(p, st, tick);
	p = hp_put_u(p, site);
	p = hp_put_s(p, value);
	return HP_ENC_END(p);
}

static inline uint8_t *hp_enc_lost(uint8_t *p, struct hp_enc_state *st, uint64_t tick,
				   uint64_t count, unsigned reason)
{
	HP_ENC_BEGIN(p, HPT_LOST);
	p = hp_enc_dt(p, st, tick);
	p = hp_put_u(p, count);
	p = hp_put_u(p, reason);
	return HP_ENC_END(p);
}

static inline uint8_t *hp_enc_thread_end(uint8_t *p, struct hp_enc_state *st, uint64_t tick)
{
	HP_ENC_BEGIN(p, HPT_THREAD_END);
	p = hp_enc_dt(p, st, tick);
	return HP_ENC_END(p);
}

/* WAIT: the producer waited `waited` ticks for room. Its dt is 0: the wait belongs to the event being
 * recorded, whose tick was taken already. */
static inline uint8_t *hp_enc_wait(uint8_t *p, uint64_t waited)
{
	HP_ENC_BEGIN(p, HPT_WAIT);
	p = hpt_put_s(p, 0);
	p = hpt_put_u(p, waited);
	return HP_ENC_END(p);
}

#define HP_ENC_WAIT_MAX (2 + 1 + HPT_VARINT_MAX)

/* Records with absolute ticks and unsigned fields only (stream 0): SYNC, CLOCK, SAMPLE, ... */
static inline uint8_t *hp_enc_plain(uint8_t *p, unsigned type, const uint64_t *v, unsigned n)
{
	HP_ENC_BEGIN(p, type);
	for (unsigned i = 0; i < n; i++)
		p = hpt_put_u(p, v[i]);
	return HP_ENC_END(p);
}

/* The largest record hp_enc_plain writes with n values (its length is one byte: n <= 12). */
#define HP_ENC_PLAIN_SIZE(n) (2 + HPT_VARINT_MAX * (size_t)(n))

/* STREAM: the records after it, up to the next STREAM, are stream `stream`'s (0: the writer's). */
static inline uint8_t *hp_enc_stream(uint8_t *p, uint32_t stream)
{
	return hp_enc_plain(p, HPT_STREAM, (uint64_t[]){stream}, 1);
}

/* CLOCK: one reading of the three clocks, so that a reader converts ticks to time. */
static inline uint8_t *hp_enc_clock(uint8_t *p, uint64_t tick, uint64_t mono_ns, uint64_t real_ns)
{
	return hp_enc_plain(p, HPT_CLOCK, (uint64_t[]){tick, mono_ns, real_ns}, 3);
}

/* SYNC: no stream will record an event with a tick below `watermark` any more. */
static inline uint8_t *hp_enc_sync(uint8_t *p, uint64_t watermark)
{
	return hp_enc_plain(p, HPT_SYNC, (uint64_t[]){watermark}, 1);
}

/* CALIBRATION: what recording a timed event and an allocation event costs, in ticks. */
static inline uint8_t *hp_enc_calibration(uint8_t *p, uint64_t event_ticks, uint64_t alloc_event_ticks)
{
	return hp_enc_plain(p, HPT_CALIBRATION, (uint64_t[]){event_ticks, alloc_event_ticks}, 2);
}

static inline uint8_t *hp_enc_sample(uint8_t *p, uint64_t tick, const struct hp_proc_sample *s)
{
	return hp_enc_plain(p, HPT_SAMPLE,
			    (uint64_t[]){tick, s->rss, s->utime_ns, s->stime_ns, s->minflt, s->majflt,
					 s->read_bytes, s->write_bytes},
			    8);
}

#define HP_ENC_SAMPLE_MAX HP_ENC_PLAIN_SIZE(8)

/* THREAD_NAME: a thread's name as the kernel has it (comm: at most 15 bytes, so one length byte). */
#define HP_ENC_NAME_MAX 15
static inline uint8_t *hp_enc_thread_name(uint8_t *p, uint32_t stream, const char *name, size_t n)
{
	HP_ENC_BEGIN(p, HPT_THREAD_NAME);
	p = hpt_put_u(p, stream);
	p = hpt_put_str(p, name, n);
	return HP_ENC_END(p);
}

#define HP_ENC_THREAD_NAME_MAX (2 + 2 * HPT_VARINT_MAX + HP_ENC_NAME_MAX)

#define HP_ENC_PROCESS_END_MAX HP_ENC_PLAIN_SIZE(3) /* three values, as a plain record's */
#define HP_ENC_STOPPED_MAX HP_ENC_PLAIN_SIZE(1)

static inline uint8_t *hp_enc_process_end(uint8_t *p, uint64_t tick, unsigned how, int64_t status)
{
	HP_ENC_BEGIN(p, HPT_PROCESS_END);
	p = hpt_put_u(p, tick);
	p = hpt_put_u(p, how);
	p = hpt_put_s(p, status);
	return HP_ENC_END(p);
}

/* STOPPED: recording stops here, the process going on (enum hpt_stop_why). */
static inline uint8_t *hp_enc_stopped(uint8_t *p, unsigned why)
{
	HP_ENC_BEGIN(p, HPT_STOPPED);
	p = hpt_put_u(p, why);
	return HP_ENC_END(p);
}

/* Definitions can be long: the payload goes after a worst-case length, then moves down. */
static inline uint8_t *hp_enc_long_end(uint8_t *rec, uint8_t *payload, uint8_t *end)
{
	size_t n = (size_t)(end - payload);
	uint8_t *p = hpt_put_u(rec + 1, n);
	memmove(p, payload, n);
	return p + n;
}

/* Starts a long record: its type, then room for the worst-case length; returns where the payload
 * goes (hp_enc_long_end moves it down once its length is known). */
static inline uint8_t *hp_enc_long_begin(uint8_t *rec, unsigned type)
{
	rec[0] = (uint8_t)type;
	return rec + 1 + HPT_VARINT_MAX;
}

/* SCAN_WORDS or SCAN_CONTENTS: n (location, value) pairs of one region, locations growing. A value
 * is stored as its distance from its own location (format 4): a pointer held in the heap or a stack
 * mostly points near where it is held, so zstd finds it again, where the previous value was noise.
 * At most 16 + n * 2 * HPT_VARINT_MAX bytes. */
static inline uint8_t *hp_enc_scan_words(uint8_t *rec, unsigned type, uint64_t t, uint64_t region, uint64_t tid,
					 const uint64_t *locs, const uint64_t *vals, unsigned n)
{
	uint8_t *payload = hp_enc_long_begin(rec, type), *p;
	uint64_t loc = 0;

	p = hpt_put_u(payload, t);
	p = hpt_put_u(p, region);
	p = hpt_put_u(p, tid);
	p = hpt_put_u(p, n);
	for (unsigned i = 0; i < n; i++) {
		p = hpt_put_u(p, locs[i] - loc);
		p = hpt_put_s(p, (int64_t)(vals[i] - locs[i]));
		loc = locs[i];
	}
	return hp_enc_long_end(rec, payload, p);
}

/* The file's header (docs/trace-format.md, "File header"): HPT_HEADER_SIZE bytes at h. */
static inline uint8_t *hp_enc_file_header(uint8_t *h, uint64_t features)
{
	memset(h, 0, HPT_HEADER_SIZE);
	memcpy(h, HPT_MAGIC, HPT_MAGIC_SIZE);
	hpt_put_le16(h + 8, HPT_VERSION);
	hpt_put_le16(h + 10, HPT_MIN_READER_VERSION);
	hpt_put_le32(h + 12, HPT_HEADER_SIZE);
	hpt_put_le64(h + 16, features);
	return h + HPT_HEADER_SIZE;
}

/* A chunk's header: HPT_CHUNK_HEADER_SIZE bytes at h, before `stored` bytes of payload that hold `raw`
 * bytes of records. The sequence number (its low HPT_CHUNK_SEQ_BITS) lets a reader tell duplicated,
 * missing and reordered chunks. */
static inline uint8_t *hp_enc_chunk_header(uint8_t *h, uint32_t stored, uint32_t raw, unsigned codec,
					   uint32_t seq)
{
	memset(h, 0, HPT_CHUNK_HEADER_SIZE);
	memcpy(h, HPT_CHUNK_MAGIC, 4);
	hpt_put_le32(h + 4, stored);
	hpt_put_le32(h + 8, raw);
	h[12] = (uint8_t)codec;
	h[13] = (uint8_t)seq;
	h[14] = (uint8_t)(seq >> 8);
	h[15] = (uint8_t)(seq >> 16);
	return h + HPT_CHUNK_HEADER_SIZE;
}

/* PROCESS: who this process is. cmdline is /proc/self/cmdline's bytes, each argument ended by a NUL
 * but a last one the read cut short (a command line past 64 KiB), which is kept as far as it goes. */
struct hp_enc_process {
	uint64_t pid, ppid;
	uint64_t real_ns; /* when the trace starts, on the wall clock */
	unsigned flags;   /* HPT_PROCESS_* */
	uint64_t fork_seq; /* the parent's FORK record this process started at (0: none) */
	const char *exe;  /* NUL-terminated */
	const char *cmdline;
	size_t cmdline_len;
	const char *malloc_owner; /* NUL-terminated: hp_rec.malloc_owner */
};

static inline uint64_t hp_enc_process_argc(const struct hp_enc_process *pr)
{
	uint64_t argc = 0;

	for (size_t i = 0; i < pr->cmdline_len; i++)
		argc += pr->cmdline[i] == 0;
	/* A last argument the read cut short has no NUL: it is an argument too, as far as it goes. */
	return argc + (pr->cmdline_len && pr->cmdline[pr->cmdline_len - 1] != 0);
}

/* Room for the PROCESS record and a little more (the bound counts a varint per argument and 16
 * more). */
static inline size_t hp_enc_process_size(const struct hp_enc_process *pr)
{
	return pr->cmdline_len + strlen(pr->exe) + strlen(pr->malloc_owner) + 16 * HPT_VARINT_MAX +
	       hp_enc_process_argc(pr) * HPT_VARINT_MAX;
}

static inline uint8_t *hp_enc_process(uint8_t *rec, const struct hp_enc_process *pr)
{
	uint8_t *payload = hp_enc_long_begin(rec, HPT_PROCESS), *p;

	p = hpt_put_u(payload, pr->pid);
	p = hpt_put_u(p, pr->ppid);
	p = hpt_put_u(p, pr->real_ns);
	p = hpt_put_u(p, pr->flags);
	p = hpt_put_str(p, pr->exe, strlen(pr->exe));
	p = hpt_put_u(p, hp_enc_process_argc(pr));
	for (size_t i = 0; i < pr->cmdline_len;) {
		size_t len = strnlen(pr->cmdline + i, pr->cmdline_len - i);
		p = hpt_put_str(p, pr->cmdline + i, len);
		i += len + 1;
	}
	p = hpt_put_u(p, pr->fork_seq);
	p = hpt_put_str(p, pr->malloc_owner, strlen(pr->malloc_owner));
	return hp_enc_long_end(rec, payload, p);
}

/* SUPPRESSIONS: the program's own leak suppressions, as text. */
static inline size_t hp_enc_suppressions_size(size_t n)
{
	return n + 2 * HPT_VARINT_MAX + 1;
}

static inline uint8_t *hp_enc_suppressions(uint8_t *rec, const char *text, size_t n)
{
	uint8_t *payload = hp_enc_long_begin(rec, HPT_SUPPRESSIONS);

	return hp_enc_long_end(rec, payload, hpt_put_str(payload, text, n));
}

/* MODULE_LOAD, in steps as a program header is walked: hp_enc_module_load_begin, then
 * hp_enc_module_segment for each of the `nseg` PT_LOAD segments, then hp_enc_module_load_end. */
static inline uint8_t *hp_enc_module_load_begin(uint8_t *rec, struct hp_enc_state *st, uint64_t tick,
						uint64_t base, const char *path, size_t path_len,
						const uint8_t *build_id, size_t build_id_len, unsigned nseg)
{
	uint8_t *p = hp_enc_long_begin(rec, HPT_MODULE_LOAD);

	p = hp_enc_dt(p, st, tick);
	p = hpt_put_u(p, base);
	p = hpt_put_str(p, path, path_len);
	p = hpt_put_str(p, (const char *)build_id, build_id_len);
	return hpt_put_u(p, nseg);
}

static inline uint8_t *hp_enc_module_segment(uint8_t *p, uint64_t vaddr, uint64_t memsz, uint64_t offset,
					     unsigned flags)
{
	p = hpt_put_u(p, vaddr);
	p = hpt_put_u(p, memsz);
	p = hpt_put_u(p, offset);
	return hpt_put_u(p, flags);
}

static inline uint8_t *hp_enc_module_load_end(uint8_t *rec, uint8_t *end)
{
	return hp_enc_long_end(rec, rec + 1 + HPT_VARINT_MAX, end);
}

/* A MODULE_LOAD at its longest: type and length, dt and base, the path and the build id each with its
 * length, the count of segments and `segs` segments of four values. */
#define HP_ENC_MODULE_LOAD_SIZE(path_max, build_id_max, segs)                                           \
	(1 + HPT_VARINT_MAX * 3 + HPT_VARINT_MAX + (size_t)(path_max) + HPT_VARINT_MAX +                \
	 (size_t)(build_id_max) + HPT_VARINT_MAX + (size_t)(segs) * 4 * HPT_VARINT_MAX)

static inline uint8_t *hp_enc_module_unload(uint8_t *p, struct hp_enc_state *st, uint64_t tick, uint64_t base)
{
	HP_ENC_BEGIN(p, HPT_MODULE_UNLOAD);
	p = hp_enc_dt(p, st, tick);
	p = hpt_put_u(p, base);
	return HP_ENC_END(p);
}

#define HP_ENC_MODULE_UNLOAD_MAX (2 + 2 * HPT_VARINT_MAX)

/* The largest STACK of `depth` frames and the largest SITE (each string cut at HP_ENC_STR_MAX bytes):
 * constants, so that thread_buffer.h can check at compile time that they fit its scratch area. */
#define HP_ENC_STACK_SIZE(depth) (1 + HPT_VARINT_MAX * (3 + (size_t)(depth)))
#define HP_ENC_STR_MAX 4096
#define HP_ENC_SITE_SIZE_MAX (1 + HPT_VARINT_MAX * 7 + 3 * (size_t)HP_ENC_STR_MAX)

static inline size_t hp_enc_stack_size(uint32_t depth)
{
	return HP_ENC_STACK_SIZE(depth);
}

static inline uint8_t *hp_enc_stack(uint8_t *p, uint32_t id, const uint64_t *ips, uint32_t depth)
{
	uint8_t *rec = p, *payload = hp_enc_long_begin(rec, HPT_STACK);

	p = hpt_put_u(payload, id);
	p = hpt_put_u(p, depth);
	p = hpt_put_u(p, ips[0]);
	for (uint32_t i = 1; i < depth; i++)
		p = hpt_put_s(p, (int64_t)(ips[i] - ips[i - 1]));
	return hp_enc_long_end(rec, payload, p);
}

static inline size_t hp_enc_strlen(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n > HP_ENC_STR_MAX ? HP_ENC_STR_MAX : n;
}

/* UNRECORDED_PROGRAM: a program this process is about to start (exec, posix_spawn) cannot be
 * recorded (enum hpt_unrecorded_why); its name as the call names it, cut at HP_ENC_STR_MAX bytes. */
#define HP_ENC_UNRECORDED_PROGRAM_SIZE(path_len) (1 + HPT_VARINT_MAX * 3 + (size_t)(path_len))
#define HP_ENC_UNRECORDED_PROGRAM_MAX HP_ENC_UNRECORDED_PROGRAM_SIZE(HP_ENC_STR_MAX)

static inline uint8_t *hp_enc_unrecorded_program(uint8_t *p, unsigned why, const char *path)
{
	uint8_t *rec = p, *payload = hp_enc_long_begin(rec, HPT_UNRECORDED_PROGRAM);

	p = hpt_put_u(payload, why);
	p = hpt_put_str(p, path ? path : "", hp_enc_strlen(path));
	return hp_enc_long_end(rec, payload, p);
}

static inline size_t hp_enc_site_size(const char *name, const char *fn, const char *file)
{
	return 1 + HPT_VARINT_MAX * 7 + hp_enc_strlen(name) + hp_enc_strlen(fn) + hp_enc_strlen(file);
}

static inline uint8_t *hp_enc_site(uint8_t *p, uint32_t id, unsigned kind, unsigned line,
				   const char *name, const char *fn, const char *file)
{
	uint8_t *rec = p, *payload = hp_enc_long_begin(rec, HPT_SITE);

	p = hpt_put_u(payload, id);
	p = hpt_put_u(p, kind);
	p = hpt_put_u(p, line);
	p = hpt_put_str(p, name ? name : "", hp_enc_strlen(name));
	p = hpt_put_str(p, fn ? fn : "", hp_enc_strlen(fn));
	p = hpt_put_str(p, file ? file : "", hp_enc_strlen(file));
	return hp_enc_long_end(rec, payload, p);
}

#endif
