/* record_decoder.c: decodes records (docs/trace-format.md) with the per-stream state they rely on. */
#include "read/record_decoder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpt_format.h"

void hp_decoder_init(struct hp_decoder *d, struct hp_defs *defs, hp_emit_fn emit, void *ctx)
{
	memset(d, 0, sizeof(*d));
	d->defs = defs;
	d->emit = emit;
	d->ctx = ctx;
}

void hp_decoder_set_version(struct hp_decoder *d, unsigned version)
{
	d->epochs = version >= 3;
}

void hp_decoder_init_deferring(struct hp_decoder *d, hp_emit_fn emit, hp_defer_fn defer, void *ctx)
{
	hp_decoder_init(d, NULL, emit, ctx);
	d->defer = defer;
}

void hp_decoder_release(struct hp_decoder *d)
{
	free(d->states);
	d->states = NULL;
	d->cap = d->used = 0;
}

static struct hp_stream_state *state_of(struct hp_decoder *d, uint32_t stream)
{
	/* Slot 0 of a state marks it empty by stream+1 == 0 never happening: stream ids are stored +1. */
	if (2 * (d->used + 1) > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct hp_stream_state *n = calloc(cap, sizeof(*n));
		if (!n)
			return NULL;
		for (size_t i = 0; i < d->cap; i++) {
			if (!d->states[i].stream)
				continue;
			size_t j = (d->states[i].stream * 2654435761u) & (cap - 1);
			while (n[j].stream)
				j = (j + 1) & (cap - 1);
			n[j] = d->states[i];
		}
		free(d->states);
		d->states = n;
		d->cap = cap;
	}
	uint32_t key = stream + 1;
	size_t i = (key * 2654435761u) & (d->cap - 1);
	for (; d->states[i].stream; i = (i + 1) & (d->cap - 1))
		if (d->states[i].stream == key)
			return &d->states[i];
	d->states[i] = (struct hp_stream_state){.stream = key};
	d->used++;
	return &d->states[i];
}

/* The quick path: the events that make up nearly all of a trace (ALLOC, FREE, REALLOC), read from a
 * well-formed record without the careful path's checks per byte. Anything unusual (a field longer
 * than four bytes, a field past its record) answers NULL, and the careful path reads the record again
 * and says what is wrong; nothing is changed before the record is known to be good. Four bytes hold
 * 28 bits: a stack id read here is always in range. */
#define QUICK_SLACK 3 /* bytes the chunk must hold past the record: a field is read four bytes at once */

/* A field of one to four bytes starting before end; the record's end is checked once, at its end. */
#define QU(v)                                                                                         \
	do {                                                                                          \
		if (p >= end)                                                                         \
			return NULL;                                                                  \
		uint64_t b0 = p[0], b1 = p[1], b2 = p[2], b3 = p[3];                                  \
		if (b0 < 0x80) {                                                                      \
			(v) = b0;                                                                     \
			p += 1;                                                                       \
		} else if (b1 < 0x80) {                                                               \
			(v) = (b0 & 0x7f) | b1 << 7;                                                  \
			p += 2;                                                                       \
		} else if (b2 < 0x80) {                                                               \
			(v) = (b0 & 0x7f) | (b1 & 0x7f) << 7 | b2 << 14;                              \
			p += 3;                                                                       \
		} else if (b3 < 0x80) {                                                               \
			(v) = (b0 & 0x7f) | (b1 & 0x7f) << 7 | (b2 & 0x7f) << 14 | b3 << 21;          \
			p += 4;                                                                       \
		} else {                                                                              \
			return NULL;                                                                  \
		}                                                                                     \
	} while (0)

/* Version 3: an allocation event's time, which it does not record: its stream's epoch, or the tick of
 * the stream's last timed record when later (the event came after it: a window opened by a mark, a
 * zone's allocations). The order key stays the epoch. */
static inline uint64_t alloc_tick(const struct hp_stream_state *st)
{
	return st->epoch > st->tick ? st->epoch : st->tick;
}

/* The address *out of an ALLOC, FREE or REALLOC (old) record from its kind and address field `v`:
 * a delta from the stream's last address, which it becomes, or in version 3 with HPT_KIND_RECENT an
 * index among the stream's recent addresses of the other kind; ALLOC and FREE push it to their own.
 * False for an index out of range. */
static inline bool take_addr(struct hp_stream_state *st, bool epochs, uint8_t type, uint64_t kind, uint64_t v,
			     uint64_t *out)
{
	if (!epochs || type == HPT_REALLOC) {
		*out = st->addr += (uint64_t)hpt_unzigzag(v);
		return true;
	}
	struct hpt_recent *mine = type == HPT_ALLOC ? &st->allocs : &st->frees;
	uint64_t addr;
	if (kind & HPT_KIND_RECENT) {
		if (v >= HPT_RECENT)
			return false;
		addr = hpt_recent_get(type == HPT_ALLOC ? &st->frees : &st->allocs, (unsigned)v); /* the delta base stays */
	} else {
		addr = st->addr += (uint64_t)hpt_unzigzag(v);
	}
	hpt_recent_push(mine, addr);
	*out = addr;
	return true;
}

/* Decodes the body p..end of an ALLOC, FREE or REALLOC record of `stream`, whose state is st, into ev,
 * every field of it (the chunk holds QUICK_SLACK bytes past end); the record's end, or NULL. */
static const uint8_t *quick_event(uint32_t stream, struct hp_stream_state *st, bool epochs, uint8_t type,
				  const uint8_t *p, const uint8_t *end, struct hp_tick_event *ev)
{
	uint64_t dt = 0, k, da, size = 0, stack = 0, flags = 0, dnew = 0;

	if (!epochs)
		QU(dt);
	QU(k);
	if (type == HPT_REALLOC)
		QU(flags);
	QU(da);
	if (type == HPT_REALLOC)
		QU(dnew);
	if (type != HPT_FREE) {
		QU(size);
		QU(stack);
	}
	uint64_t addr;
	if (p > end || !take_addr(st, epochs, type, k, da, &addr))
		return NULL;
	/* Field by field: a compiler may clear the whole struct first, the slow way. */
	if (epochs) {
		ev->key = st->epoch;
		ev->tick = alloc_tick(st);
	} else {
		st->tick += (uint64_t)hpt_unzigzag(dt);
		ev->key = ev->tick = st->tick;
	}
	ev->addr = addr;
	ev->size = size;
	ev->addr2 = 0;
	ev->stream = stream;
	ev->id = (uint32_t)stack;
	ev->type = type == HPT_ALLOC ? HP_EV_ALLOC : type == HPT_FREE ? HP_EV_FREE : HP_EV_REALLOC;
	ev->kind = (uint8_t)(k & ~HPT_KIND_RECENT);
	ev->flags = (uint8_t)flags;
	if (type == HPT_REALLOC) {
		ev->addr2 = st->addr + (uint64_t)hpt_unzigzag(dnew);
		if (ev->addr2)
			st->addr = ev->addr2;
	}
	return end;
}

#define FAIL(what)                                                                                    \
	do {                                                                                          \
		why = (what);                                                                         \
		goto bad;                                                                             \
	} while (0)
#define U(v)                                                                                          \
	do {                                                                                          \
		if (hpt_get_u(&c, &(v)))                                                              \
			FAIL("truncated field");                                                      \
	} while (0)
#define S(v)                                                                                          \
	do {                                                                                          \
		if (hpt_get_s(&c, &(v)))                                                              \
			FAIL("truncated field");                                                      \
	} while (0)
/* Ids are u32 in memory: a bigger one is corrupt, not silently truncated. */
#define ID32(v)                                                                                       \
	do {                                                                                          \
		U(v);                                                                                 \
		if ((v) > UINT32_MAX)                                                                 \
			FAIL("id out of range");                                                      \
	} while (0)
#define STR(p, n, max)                                                                                \
	do {                                                                                          \
		if (hpt_get_str(&c, &(p), &(n)))                                                      \
			FAIL("truncated string");                                                     \
		if ((n) > (max))                                                                      \
			FAIL("string too long");                                                      \
	} while (0)

static char *dup_str(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = 0;
	}
	return s;
}

static const char *record_name(uint8_t type)
{
	switch (type) {
	case HPT_ALLOC: return "ALLOC";
	case HPT_FREE: return "FREE";
	case HPT_REALLOC: return "REALLOC";
	case HPT_ALLOC_FAIL: return "ALLOC_FAIL";
	case HPT_ZONE_BEGIN: return "ZONE_BEGIN";
	case HPT_ZONE_END: return "ZONE_END";
	case HPT_COUNTER: return "COUNTER";
	case HPT_MARK: return "MARK";
	case HPT_FUNC_ENTER: return "FUNC_ENTER";
	case HPT_FUNC_EXIT: return "FUNC_EXIT";
	case HPT_WAIT: return "WAIT";
	case HPT_LOST: return "LOST";
	case HPT_THREAD_START: return "THREAD_START";
	case HPT_THREAD_END: return "THREAD_END";
	case HPT_ZONE_CPU: return "ZONE_CPU";
	case HPT_EPOCH: return "EPOCH";
	case HPT_STACK: return "STACK";
	case HPT_SITE: return "SITE";
	case HPT_MODULE_LOAD: return "MODULE_LOAD";
	case HPT_MODULE_UNLOAD: return "MODULE_UNLOAD";
	case HPT_PROCESS: return "PROCESS";
	case HPT_CLOCK: return "CLOCK";
	case HPT_SAMPLE: return "SAMPLE";
	case HPT_SYNC: return "SYNC";
	case HPT_PROCESS_END: return "PROCESS_END";
	case HPT_STREAM: return "STREAM";
	case HPT_THREAD_NAME: return "THREAD_NAME";
	case HPT_CALIBRATION: return "CALIBRATION";
	case HPT_SCAN_BEGIN: return "SCAN_BEGIN";
	case HPT_SCAN_WORDS: return "SCAN_WORDS";
	case HPT_SCAN_END: return "SCAN_END";
	case HPT_SCAN_CONTENTS: return "SCAN_CONTENTS";
	case HPT_SCAN_THREAD: return "SCAN_THREAD";
	case HPT_SUPPRESSIONS: return "SUPPRESSIONS";
	default: return "unknown";
	}
}

/* Hands the events decoded so far to emit, which owns them from then on, whatever it returns. */
static int flush(struct hp_decoder *d)
{
	size_t n = d->nbatch;

	d->nbatch = 0;
	return n ? d->emit(d->ctx, d->batch, n) : 0;
}

static int add(struct hp_decoder *d, const struct hp_tick_event *ev)
{
	d->batch[d->nbatch++] = *ev;
	return d->nbatch == HP_DECODE_BATCH ? flush(d) : 0;
}

/* Records that change the definitions (or CALIBRATION, which the merge reads): the events before
 * them are handed over first, so that emit sees definitions exactly as they were at each event. */
static bool defines(uint8_t type)
{
	switch (type) {
	case HPT_THREAD_START:
	case HPT_MODULE_LOAD:
	case HPT_STACK:
	case HPT_SITE:
	case HPT_PROCESS:
	case HPT_THREAD_NAME:
	case HPT_CALIBRATION:
	case HPT_SUPPRESSIONS:
		return true;
	default:
		return false;
	}
}

/* The records in raw[0..size); base is raw's offset in the chunk's decoded bytes, for messages. With
 * `resume`, the current stream's state is first set to the one it gives. */
static int decode(struct hp_decoder *d, const uint8_t *raw, size_t size, uint64_t chunk_off, bool stored,
		  uint64_t base, const struct hp_deferred *resume)
{
	const uint8_t *p = raw, *end = raw + size;
	const char *why = NULL;
	uint64_t *ips = NULL;
	struct hp_scan_word *words = NULL;
	struct hp_stream_state *st = NULL; /* the current stream's, until STREAM or a new stream moves it */
	int rc;

	d->failed = false;
	while (p < end) {
		const uint8_t *rec = p;
		uint8_t type = *p++;
		if (type - 1u < HPT_REALLOC && st && end - p > QUICK_SLACK + 1 && *p < 0x80 && end - p > *p + QUICK_SLACK) {
			const uint8_t *next = quick_event(d->stream, st, d->epochs, type, p + 1, p + 1 + *p, &d->batch[d->nbatch]);
			if (next) {
				p = next;
				if (++d->nbatch == HP_DECODE_BATCH && (rc = flush(d)) != 0)
					return rc;
				continue;
			}
		}
		if (defines(type) && (rc = flush(d)) != 0)
			return rc;
		struct hpt_cursor c = {p, end};
		uint64_t len;
		if (hpt_get_u(&c, &len) || len > (uint64_t)(end - c.p)) {
			why = "record length runs past the chunk";
			p = rec;
			goto bad;
		}
		const uint8_t *body = c.p;
		p = body + len;
		c.end = p;

		if (!st && !(st = state_of(d, d->stream)))
			FAIL("out of memory");
		if (resume) {
			st->tick = resume->tick;
			st->addr = resume->addr;
			st->epoch = resume->epoch;
			resume = NULL;
		}
		struct hp_tick_event ev = {.stream = d->stream};
		uint64_t a, b, v, k;
		int64_t s1, s2;

		if (d->defer && defines(type)) {
			struct hp_deferred r = {rec, (size_t)(p - rec), d->stream, st->tick, st->addr, st->epoch,
						chunk_off, base + (uint64_t)(rec - raw), stored};
			/* The stream's clock moves on here; its owner reads the rest of the record. */
			if (type == HPT_THREAD_START || type == HPT_MODULE_LOAD) {
				S(s1);
				st->tick += (uint64_t)s1;
			}
			if ((rc = d->defer(d->ctx, &r)) != 0)
				return rc;
			continue;
		}

		switch (type) {
		case HPT_ALLOC:
		case HPT_FREE:
		case HPT_REALLOC:
		case HPT_ALLOC_FAIL:
			if (d->epochs) {
				ev.tick = alloc_tick(st); /* version 3: no tick of their own */
				break;
			}
			S(s1);
			st->tick += (uint64_t)s1;
			ev.tick = st->tick;
			break;
		case HPT_ZONE_BEGIN:
		case HPT_ZONE_END:
		case HPT_COUNTER:
		case HPT_MARK:
		case HPT_FUNC_ENTER:
		case HPT_FUNC_EXIT:
		case HPT_WAIT:
		case HPT_LOST:
		case HPT_THREAD_START:
		case HPT_THREAD_END:
		case HPT_MODULE_LOAD:
		case HPT_MODULE_UNLOAD:
			S(s1);
			st->tick += (uint64_t)s1;
			ev.tick = st->tick;
			break;
		default:
			break;
		}

		switch (type) {
		case HPT_ALLOC:
			U(k);
			U(v);
			U(a);
			ID32(b);
			if (!take_addr(st, d->epochs, type, k, v, &ev.addr))
				FAIL("recent address index out of range");
			ev.type = HP_EV_ALLOC;
			ev.kind = (uint8_t)(k & ~HPT_KIND_RECENT);
			ev.size = a;
			ev.id = (uint32_t)b;
			break;
		case HPT_FREE:
			U(k);
			U(v);
			if (!take_addr(st, d->epochs, type, k, v, &ev.addr))
				FAIL("recent address index out of range");
			ev.type = HP_EV_FREE;
			ev.kind = (uint8_t)(k & ~HPT_KIND_RECENT);
			break;
		case HPT_REALLOC:
			U(k);
			U(v);
			S(s1);
			S(s2);
			U(a);
			ID32(b);
			st->addr += (uint64_t)s1;
			ev.type = HP_EV_REALLOC;
			ev.kind = (uint8_t)k;
			ev.flags = (uint8_t)v;
			ev.addr = st->addr;
			ev.addr2 = st->addr + (uint64_t)s2;
			if (ev.addr2)
				st->addr = ev.addr2;
			ev.size = a;
			ev.id = (uint32_t)b;
			break;
		case HPT_ALLOC_FAIL:
			U(k);
			U(a);
			ID32(b);
			ev.type = HP_EV_ALLOC_FAIL;
			ev.kind = (uint8_t)k;
			ev.size = a;
			ev.id = (uint32_t)b;
			break;
		case HPT_ZONE_BEGIN:
		case HPT_ZONE_END:
		case HPT_MARK:
			ID32(a);
			ev.type = type == HPT_ZONE_BEGIN ? HP_EV_ZONE_BEGIN : type == HPT_ZONE_END ? HP_EV_ZONE_END : HP_EV_MARK;
			ev.id = (uint32_t)a;
			break;
		case HPT_COUNTER:
			ID32(a);
			S(s1);
			ev.type = HP_EV_COUNTER;
			ev.id = (uint32_t)a;
			ev.size = (uint64_t)s1;
			break;
		case HPT_FUNC_ENTER:
		case HPT_FUNC_EXIT:
			U(a);
			ev.type = type == HPT_FUNC_ENTER ? HP_EV_FUNC_ENTER : HP_EV_FUNC_EXIT;
			ev.addr = a;
			break;
		case HPT_WAIT:
			U(a);
			ev.type = HP_EV_WAIT;
			ev.size = a; /* ticks; the merge turns them into nanoseconds */
			break;
		case HPT_LOST:
			U(a);
			U(b);
			ev.type = HP_EV_LOST;
			ev.size = a;
			ev.id = (uint32_t)b;
			break;
		case HPT_THREAD_START: {
			U(a);
			ev.type = HP_EV_THREAD_START;
			ev.size = a;
			struct hp_thread_info *t = hp_defs_thread_get(d->defs, d->stream);
			if (!t)
				FAIL("out of memory");
			t->tid = (uint32_t)a;
			break;
		}
		case HPT_THREAD_END:
			ev.type = HP_EV_THREAD_END;
			break;
		case HPT_ZONE_CPU:
			/* No tick of its own: it goes with the stream's last timed event. */
			U(a);
			ev.type = HP_EV_ZONE_CPU;
			ev.tick = st->tick;
			ev.size = a;
			break;
		case HPT_MODULE_LOAD: {
			const char *path, *bid;
			size_t plen, blen;
			U(a);
			STR(path, plen, HP_MAX_PATH);
			STR(bid, blen, HP_MAX_BUILD_ID);
			U(v);
			/* Each segment takes at least four bytes: a count beyond that is a lie. */
			if (v > HP_MAX_SEGMENTS || v > (uint64_t)(c.end - c.p) / 4)
				FAIL("segment count out of range");
			struct hp_module *m = hp_defs_add_module(d->defs);
			if (!m || !(m->path = dup_str(path, plen)) || !(m->segs = calloc(v ? v : 1, sizeof(*m->segs))))
				FAIL("out of memory");
			m->base = a;
			memcpy(m->build_id, bid, blen);
			m->build_id_len = blen;
			for (uint64_t i = 0; i < v; i++) {
				uint64_t f;
				U(m->segs[i].vaddr);
				U(m->segs[i].memsz);
				U(m->segs[i].offset);
				U(f);
				m->segs[i].flags = (uint32_t)f;
				m->nseg++;
			}
			ev.type = HP_EV_MODULE_LOAD;
			ev.addr = a;
			ev.size = d->defs->nmodules - 1; /* index in defs->modules */
			break;
		}
		case HPT_MODULE_UNLOAD:
			U(a);
			ev.type = HP_EV_MODULE_UNLOAD;
			ev.addr = a;
			break;
		case HPT_STACK: {
			uint64_t id, depth, ip;
			ID32(id);
			U(depth);
			if (!depth || depth > HP_MAX_STACK_DEPTH)
				FAIL("stack depth out of range");
			if (!(ips = malloc(depth * sizeof(*ips))))
				FAIL("out of memory");
			U(ip);
			ips[0] = ip;
			for (uint64_t i = 1; i < depth; i++) {
				S(s1);
				ips[i] = ips[i - 1] + (uint64_t)s1;
			}
			/* Stack 0 means "no stack": a definition of it is ignored, never looked up. */
			if (id && hp_defs_add_stack(d->defs, (uint32_t)id, ips, (uint32_t)depth))
				FAIL("out of memory");
			free(ips);
			ips = NULL;
			continue;
		}
		case HPT_SITE: {
			struct hp_site_def site;
			const char *s[3];
			size_t n[3];
			uint64_t id, kind, line;
			ID32(id);
			U(kind);
			U(line);
			for (int i = 0; i < 3; i++)
				STR(s[i], n[i], HP_MAX_STRING);
			if (!id)
				continue; /* site 0 is "the innermost zone" of ZONE_END: never defined */
			char *str[3] = {dup_str(s[0], n[0]), dup_str(s[1], n[1]), dup_str(s[2], n[2])};
			site = (struct hp_site_def){(uint32_t)id, (uint32_t)kind, (uint32_t)line, str[0], str[1], str[2]};
			rc = str[0] && str[1] && str[2] ? hp_defs_add_site(d->defs, &site) : -1;
			free(str[0]);
			free(str[1]);
			free(str[2]);
			if (rc)
				FAIL("out of memory");
			continue;
		}
		case HPT_PROCESS: {
			struct hp_process_info *pi = &d->defs->process;
			const char *exe;
			size_t elen;
			uint64_t pid, ppid, real, flags, argc;
			U(pid);
			U(ppid);
			U(real);
			U(flags);
			STR(exe, elen, HP_MAX_PATH);
			U(argc);
			/* Each argument takes at least its length byte. */
			if (argc > HP_MAX_ARGC || argc > (uint64_t)(c.end - c.p))
				FAIL("argc out of range");
			if (pi->seen)
				continue; /* one process per trace: the first record stands */
			pi->seen = true;
			pi->pid = (uint32_t)pid;
			pi->ppid = (uint32_t)ppid;
			pi->start_real_ns = real;
			pi->flags = (uint32_t)flags;
			if (!(pi->exe = dup_str(exe, elen)) || !(pi->argv = calloc(argc + 1, sizeof(char *))))
				FAIL("out of memory");
			for (uint64_t i = 0; i < argc; i++) {
				const char *arg;
				size_t alen;
				STR(arg, alen, HP_MAX_STRING);
				if (!(pi->argv[i] = dup_str(arg, alen)))
					FAIL("out of memory");
				pi->argc++;
			}
			continue;
		}
		case HPT_CLOCK:
		case HPT_SYNC:
		case HPT_CALIBRATION:
		case HPT_SCAN_BEGIN:
		case HPT_SCAN_END: {
			uint64_t f[4] = {0};
			unsigned nf = type == HPT_CLOCK ? 3 : type == HPT_SCAN_BEGIN ? 3 : type == HPT_SCAN_END ? 4 : 1;
			for (unsigned i = 0; i < nf; i++)
				U(f[i]);
			if (type == HPT_CALIBRATION) {
				d->event_ticks[0] = f[0];
				if (c.p < c.end) /* recorders from version 3 on: an allocation event's cost */
					U(d->event_ticks[1]);
				continue;
			}
			ev.tick = f[0];
			if (type == HPT_CLOCK) {
				/* The merge keeps the clock: it converts ticks when it releases events. */
				ev.type = HP_EV__CLOCK;
				ev.addr = f[1];
				ev.addr2 = f[2];
			} else if (type == HPT_SYNC) {
				ev.type = HP_EV__SYNC;
			} else if (type == HPT_SCAN_BEGIN) {
				ev.type = HP_EV_SCAN_BEGIN;
				ev.kind = (uint8_t)f[1];
				ev.size = f[2];
			} else {
				ev.type = HP_EV_SCAN_END;
				ev.size = f[1];
				ev.addr = f[2];
				ev.addr2 = f[3];
			}
			break;
		}
		case HPT_SAMPLE: {
			uint64_t f[8];
			for (int i = 0; i < 8; i++)
				U(f[i]);
			struct hp_sample *sample = malloc(sizeof(*sample));
			if (!sample)
				FAIL("out of memory");
			*sample = (struct hp_sample){f[1], f[2], f[3], f[4], f[5], f[6], f[7]};
			ev.type = HP_EV_SAMPLE;
			ev.tick = f[0];
			ev.addr2 = (uintptr_t)sample;
			break;
		}
		case HPT_PROCESS_END:
			U(a);
			U(b);
			S(s1);
			ev.type = HP_EV_PROCESS_END;
			ev.tick = a;
			ev.kind = (uint8_t)b;
			ev.size = (uint64_t)s1;
			break;
		case HPT_STREAM:
			U(a);
			if (a > UINT32_MAX - 1)
				FAIL("stream id out of range");
			d->stream = (uint32_t)a;
			st = NULL;
			continue;
		case HPT_THREAD_NAME: {
			const char *name;
			size_t nlen;
			ID32(a);
			STR(name, nlen, HP_MAX_STRING);
			struct hp_thread_info *t = hp_defs_thread_get(d->defs, (uint32_t)a);
			if (!t)
				FAIL("out of memory");
			free(t->name);
			if (!(t->name = dup_str(name, nlen)))
				FAIL("out of memory");
			continue;
		}
		case HPT_SCAN_WORDS:
		case HPT_SCAN_CONTENTS: {
			uint64_t t, region, tid, count, loc = 0, val = 0;
			U(t);
			U(region);
			if (type == HPT_SCAN_CONTENTS) /* what the heuristics read: kept apart from the regions */
				region = region < 16 ? 16 + region : 255;
			U(tid);
			U(count);
			/* Each pair takes at least two bytes: a count beyond that is a lie. */
			if (count > HP_MAX_SCAN_WORDS || count > (uint64_t)(c.end - c.p) / 2)
				FAIL("scan word count out of range");
			if (!(words = malloc((count ? count : 1) * sizeof(*words))))
				FAIL("out of memory");
			for (uint64_t i = 0; i < count; i++) {
				U(a);
				S(s1);
				loc += a;
				val += (uint64_t)s1;
				words[i] = (struct hp_scan_word){loc, val};
			}
			ev.type = HP_EV_SCAN_WORDS;
			ev.tick = t;
			ev.kind = (uint8_t)region;
			ev.size = tid;
			ev.addr = count;
			ev.addr2 = (uintptr_t)words;
			words = NULL;
			break;
		}
		case HPT_SCAN_THREAD: {
			uint64_t f[6];
			for (int i = 0; i < 6; i++)
				U(f[i]);
			ev.type = HP_EV_SCAN_THREAD;
			ev.tick = f[0];
			ev.size = (uint32_t)f[1];
			ev.kind = (uint8_t)(f[2] < 255 ? f[2] : 255);
			ev.flags = (uint8_t)(f[3] < 255 ? f[3] : 255);
			ev.addr = f[4];
			ev.addr2 = f[5];
			break;
		}
		case HPT_SUPPRESSIONS: {
			const char *text;
			size_t tlen;
			STR(text, tlen, HP_MAX_SUPPRESSIONS);
			free(d->defs->process.lsan_suppressions);
			if (!(d->defs->process.lsan_suppressions = dup_str(text, tlen)))
				FAIL("out of memory");
			continue;
		}
		case HPT_EPOCH:
			U(a);
			st->epoch += a;
			continue;
		default:
			continue; /* a record this reader does not know: skipped by its length */
		}
		/* Version 3 orders a program thread's records by its epoch (docs/trace-format.md, "Epochs");
		 * the writer's stream, and every stream before, by tick. */
		ev.key = d->epochs && d->stream ? st->epoch : ev.tick;
		if (ev.key > ev.tick)
			ev.tick = ev.key; /* a WAIT or LOST of dt 0 after allocation events: times still grow */
		if ((rc = add(d, &ev)) != 0)
			return rc;
		continue;
bad:
		free(ips);
		free(words);
		/* The events before the bad record go first; a stop they cause comes first too. */
		if ((rc = flush(d)) != 0)
			return rc;
		d->failed = true;
		if (stored)
			snprintf(d->error, sizeof(d->error), "byte %llu: %s record (type 0x%02x): %s",
				 (unsigned long long)(chunk_off + HPT_CHUNK_HEADER_SIZE + base + (uint64_t)(rec - raw)),
				 record_name(type), type, why);
		else
			snprintf(d->error, sizeof(d->error),
				 "byte %llu: zstd chunk, at byte %llu of its decoded records, %s record (type 0x%02x): %s",
				 (unsigned long long)chunk_off, (unsigned long long)(base + (uint64_t)(rec - raw)),
				 record_name(type), type, why);
		return -1;
	}
	return flush(d);
}

int hp_decode_chunk(struct hp_decoder *d, const uint8_t *raw, size_t size, uint64_t chunk_off, bool stored)
{
	return decode(d, raw, size, chunk_off, stored, 0, NULL);
}

int hp_decode_deferred(struct hp_decoder *d, const struct hp_deferred *r)
{
	d->stream = r->stream;
	return decode(d, r->rec, r->len, r->chunk_off, r->stored, r->rec_off, r);
}
