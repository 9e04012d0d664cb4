/* record_decoder.c: decodes records (docs/trace-format.md) with the per-stream state they rely on. */
#include "read/record_decoder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpt_format.h"
#include "util/grow.h"

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
	d->scan_near = version >= 4;
	d->addresses_v5 = version >= 5;
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
	d->nstates = d->states_cap = 0;
	hp_idmap_free(&d->streams);
}

/* The state of `stream`, new (zero) the first time; NULL when memory runs out. Moves the states of
 * the others. */
static struct hp_stream_state *state_of(struct hp_decoder *d, uint32_t stream)
{
	uint32_t *index = hp_idmap_slot(&d->streams, stream, true);

	if (!index)
		return NULL;
	if (!*index) {
		struct hp_stream_state *states = hp_grow(d->states, &d->states_cap, d->nstates + 1, sizeof(*states));
		if (!states)
			return NULL;
		d->states = states;
		d->states[d->nstates] = (struct hp_stream_state){0};
		*index = (uint32_t)++d->nstates;
	}
	return &d->states[*index - 1];
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

/* The address *out of an ALLOC, FREE or REALLOC (old, versions 1-4) record from its kind and address
 * field `v`: a delta from the stream's last address, which it becomes, or in version 3 with
 * HPT_KIND_RECENT an index among the stream's recent addresses of the other kind; ALLOC and FREE push
 * it to their own. In version 5 (free_base) a FREE's delta is from the stream's last FREE, which every
 * FREE becomes, and leaves the last address alone. False for an index out of range. */
static inline bool take_addr(struct hp_stream_state *st, bool epochs, bool free_base, uint8_t type, uint64_t kind,
			     uint64_t v, uint64_t *out)
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
	} else if (free_base && type == HPT_FREE) {
		addr = st->free_addr + (uint64_t)hpt_unzigzag(v);
	} else {
		addr = st->addr += (uint64_t)hpt_unzigzag(v);
	}
	if (free_base && type == HPT_FREE)
		st->free_addr = addr;
	hpt_recent_push(mine, addr);
	*out = addr;
	return true;
}

/* Decodes the body p..end of an ALLOC, FREE or REALLOC record of `stream`, whose state is st, into ev,
 * every field of it (the chunk holds QUICK_SLACK bytes past end); the record's end, or NULL. */
static const uint8_t *quick_event(uint32_t stream, struct hp_stream_state *st, bool epochs, bool free_base,
				  uint8_t type, const uint8_t *p, const uint8_t *end, struct hp_tick_event *ev)
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
	if (p > end || !take_addr(st, epochs, free_base, type, k, da, &addr))
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

/* The careful path: each family of records has a function that reads a record's fields from the
 * cursor c and answers why the record is bad, or NULL. These read one field each. */
#define U(v)                                                                                          \
	do {                                                                                          \
		if (hpt_get_u(c, &(v)))                                                               \
			return "truncated field";                                                     \
	} while (0)
#define S(v)                                                                                          \
	do {                                                                                          \
		if (hpt_get_s(c, &(v)))                                                               \
			return "truncated field";                                                     \
	} while (0)
/* Ids are u32 in memory: a bigger one is corrupt, not silently truncated. */
#define ID32(v)                                                                                       \
	do {                                                                                          \
		U(v);                                                                                 \
		if ((v) > UINT32_MAX)                                                                 \
			return "id out of range";                                                     \
	} while (0)
#define STR(p, n, max)                                                                                \
	do {                                                                                          \
		if (hpt_get_str(c, &(p), &(n)))                                                       \
			return "truncated string";                                                    \
		if ((n) > (max))                                                                      \
			return "string too long";                                                     \
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
	case HPT_FORK: return "FORK";
	case HPT_FUNC_ENTER: return "FUNC_ENTER";
	case HPT_FUNC_EXIT: return "FUNC_EXIT";
	case HPT_WAIT: return "WAIT";
	case HPT_LOST: return "LOST";
	case HPT_THREAD_START: return "THREAD_START";
	case HPT_THREAD_END: return "THREAD_END";
	case HPT_ZONE_CPU: return "ZONE_CPU";
	case HPT_EVENT_COST: return "EVENT_COST";
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
	case HPT_STOPPED: return "STOPPED";
	case HPT_UNRECORDED_PROGRAM: return "UNRECORDED_PROGRAM";
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

/* Which decode_* function reads a record of each type; REC_UNKNOWN (0): a type this reader skips by
 * its length. */
enum record_family {
	REC_UNKNOWN,
	REC_HEAP,        /* decode_heap_event */
	REC_TIMED,       /* decode_timed_event */
	REC_THREAD,      /* decode_thread_event */
	REC_WRITER,      /* decode_writer_event */
	REC_PROCESS_END, /* decode_process_end */
	REC_SCAN_WORDS,  /* decode_scan_words */
	REC_DEFINITION,  /* decode_definition: no event */
	REC_STREAM,      /* decode_stream_record: no event */
};

static const uint8_t record_family[256] = {
	[HPT_ALLOC] = REC_HEAP,
	[HPT_FREE] = REC_HEAP,
	[HPT_REALLOC] = REC_HEAP,
	[HPT_ALLOC_FAIL] = REC_HEAP,
	[HPT_ZONE_BEGIN] = REC_TIMED,
	[HPT_ZONE_END] = REC_TIMED,
	[HPT_ZONE_CPU] = REC_TIMED,
	[HPT_EVENT_COST] = REC_TIMED,
	[HPT_COUNTER] = REC_TIMED,
	[HPT_MARK] = REC_TIMED,
	[HPT_FORK] = REC_TIMED,
	[HPT_FUNC_ENTER] = REC_TIMED,
	[HPT_FUNC_EXIT] = REC_TIMED,
	[HPT_WAIT] = REC_TIMED,
	[HPT_LOST] = REC_TIMED,
	[HPT_THREAD_START] = REC_THREAD,
	[HPT_THREAD_END] = REC_THREAD,
	[HPT_MODULE_LOAD] = REC_THREAD,
	[HPT_MODULE_UNLOAD] = REC_THREAD,
	[HPT_CLOCK] = REC_WRITER,
	[HPT_SYNC] = REC_WRITER,
	[HPT_SAMPLE] = REC_WRITER,
	[HPT_SCAN_BEGIN] = REC_WRITER,
	[HPT_SCAN_THREAD] = REC_WRITER,
	[HPT_SCAN_END] = REC_WRITER,
	[HPT_PROCESS_END] = REC_PROCESS_END,
	[HPT_SCAN_WORDS] = REC_SCAN_WORDS,
	[HPT_SCAN_CONTENTS] = REC_SCAN_WORDS,
	[HPT_STACK] = REC_DEFINITION,
	[HPT_SITE] = REC_DEFINITION,
	[HPT_PROCESS] = REC_DEFINITION,
	[HPT_THREAD_NAME] = REC_DEFINITION,
	[HPT_CALIBRATION] = REC_DEFINITION,
	[HPT_SUPPRESSIONS] = REC_DEFINITION,
	[HPT_STOPPED] = REC_DEFINITION,
	[HPT_UNRECORDED_PROGRAM] = REC_DEFINITION,
	[HPT_STREAM] = REC_STREAM,
	[HPT_EPOCH] = REC_STREAM,
};

/* Records that change the definitions (or CALIBRATION, which the merge reads): the events before
 * them are handed over first, so that emit sees definitions exactly as they were at each event. */
static bool defines(uint8_t type)
{
	return record_family[type] == REC_DEFINITION || type == HPT_THREAD_START || type == HPT_MODULE_LOAD;
}

/* n unsigned fields into f. */
static const char *read_fields(struct hpt_cursor *c, uint64_t *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		U(f[i]);
	return NULL;
}

/* The delta that starts a timed record of a program thread's stream: the stream's clock moves on. */
static inline const char *advance_tick(struct hp_stream_state *st, struct hpt_cursor *c)
{
	int64_t dt;

	S(dt);
	st->tick += (uint64_t)dt;
	return NULL;
}

/* A version 5 REALLOC after its kind k and flags v: each address a recent one's index or a delta
 * (HPT_REALLOC_OLD_NULL and the others). Every field is read before the stream's state changes. */
static const char *decode_realloc_v5(struct hp_stream_state *st, struct hpt_cursor *c, uint64_t k, uint64_t v,
					struct hp_tick_event *ev)
{
	uint64_t fold = 0, fnew, size, stack;

	if ((v & HPT_REALLOC_OLD_NULL) && (v & HPT_REALLOC_OLD_RECENT))
		return "realloc flags name two forms of its old address";
	if (!(v & HPT_REALLOC_OLD_NULL))
		U(fold);
	U(fnew);
	U(size);
	ID32(stack);
	if (((v & HPT_REALLOC_OLD_RECENT) && fold >= HPT_RECENT) || ((v & HPT_REALLOC_NEW_RECENT) && fnew >= HPT_RECENT))
		return "recent address index out of range";
	uint64_t old = 0;
	if (v & HPT_REALLOC_OLD_RECENT)
		old = hpt_recent_get(&st->allocs, (unsigned)fold);
	else if (!(v & HPT_REALLOC_OLD_NULL))
		old = st->addr += (uint64_t)hpt_unzigzag(fold);
	uint64_t base = old ? old : st->addr;
	if (v & HPT_REALLOC_NEW_RECENT) {
		ev->addr2 = hpt_recent_get(&st->frees, (unsigned)fnew);
	} else {
		ev->addr2 = base + (uint64_t)hpt_unzigzag(fnew);
		if (ev->addr2)
			st->addr = ev->addr2;
	}
	ev->type = HP_EV_REALLOC;
	ev->kind = (uint8_t)k;
	ev->flags = (uint8_t)(v & HPT_REALLOC_FAILED);
	ev->addr = old;
	ev->size = size;
	ev->id = (uint32_t)stack;
	return NULL;
}

/* ALLOC, FREE and REALLOC when the quick path would not take them, and ALLOC_FAIL. */
static inline const char *decode_heap_event(struct hp_decoder *d, struct hp_stream_state *st, uint8_t type,
					    struct hpt_cursor *c, struct hp_tick_event *ev)
{
	uint64_t k, v, size, stack;
	int64_t dold, dnew;
	const char *why;

	if (d->epochs) {
		ev->tick = alloc_tick(st); /* version 3: no tick of their own */
	} else {
		if ((why = advance_tick(st, c)) != NULL)
			return why;
		ev->tick = st->tick;
	}
	switch (type) {
	case HPT_ALLOC:
		U(k);
		U(v);
		U(size);
		ID32(stack);
		if (!take_addr(st, d->epochs, d->addresses_v5, type, k, v, &ev->addr))
			return "recent address index out of range";
		ev->type = HP_EV_ALLOC;
		ev->kind = (uint8_t)(k & ~HPT_KIND_RECENT);
		ev->size = size;
		ev->id = (uint32_t)stack;
		return NULL;
	case HPT_FREE:
		U(k);
		U(v);
		if (!take_addr(st, d->epochs, d->addresses_v5, type, k, v, &ev->addr))
			return "recent address index out of range";
		ev->type = HP_EV_FREE;
		ev->kind = (uint8_t)(k & ~HPT_KIND_RECENT);
		return NULL;
	case HPT_REALLOC:
		U(k);
		U(v);
		if (d->addresses_v5)
			return decode_realloc_v5(st, c, k, v, ev);
		S(dold);
		S(dnew);
		U(size);
		ID32(stack);
		st->addr += (uint64_t)dold;
		ev->type = HP_EV_REALLOC;
		ev->kind = (uint8_t)k;
		ev->flags = (uint8_t)v;
		ev->addr = st->addr;
		ev->addr2 = st->addr + (uint64_t)dnew;
		if (ev->addr2)
			st->addr = ev->addr2;
		ev->size = size;
		ev->id = (uint32_t)stack;
		return NULL;
	default: /* HPT_ALLOC_FAIL */
		U(k);
		U(size);
		ID32(stack);
		ev->type = HP_EV_ALLOC_FAIL;
		ev->kind = (uint8_t)k;
		ev->size = size;
		ev->id = (uint32_t)stack;
		return NULL;
	}
}

/* Zones, marks, counters, function calls, waits and lost events: timed by a delta of their own, but
 * ZONE_CPU, which goes with the stream's last timed event, and EVENT_COST, with its last allocation. Inline, as decode_heap_event: they are
 * most of the records the quick path leaves, and a call each cost a trace's read 3% more
 * instructions. */
static inline const char *decode_timed_event(struct hp_stream_state *st, uint8_t type, struct hpt_cursor *c,
					     struct hp_tick_event *ev)
{
	uint64_t a, b;
	int64_t s;
	const char *why;

	if (type == HPT_FORK) {
		U(a);
		ev->type = HP_EV_FORK;
		ev->tick = alloc_tick(st); /* no tick of its own, as an allocation event */
		ev->addr = a; /* the fork's number */
		return NULL;
	}
	if (type == HPT_ZONE_CPU) {
		U(a);
		ev->type = HP_EV_ZONE_CPU;
		ev->tick = st->tick;
		ev->size = a;
		return NULL;
	}
	if (type == HPT_EVENT_COST) {
		U(a);
		U(b);
		ev->type = HP_EV_EVENT_COST;
		ev->tick = alloc_tick(st);
		ev->addr = a; /* events */
		ev->size = b; /* ticks; the merge turns them into nanoseconds */
		return NULL;
	}
	if ((why = advance_tick(st, c)) != NULL)
		return why;
	ev->tick = st->tick;
	switch (type) {
	case HPT_ZONE_BEGIN:
	case HPT_ZONE_END:
	case HPT_MARK:
		ID32(a);
		ev->type = type == HPT_ZONE_BEGIN ? HP_EV_ZONE_BEGIN : type == HPT_ZONE_END ? HP_EV_ZONE_END : HP_EV_MARK;
		ev->id = (uint32_t)a;
		return NULL;
	case HPT_COUNTER:
		ID32(a);
		S(s);
		ev->type = HP_EV_COUNTER;
		ev->id = (uint32_t)a;
		ev->size = (uint64_t)s;
		return NULL;
	case HPT_FUNC_ENTER:
	case HPT_FUNC_EXIT:
		U(a);
		ev->type = type == HPT_FUNC_ENTER ? HP_EV_FUNC_ENTER : HP_EV_FUNC_EXIT;
		ev->addr = a;
		return NULL;
	case HPT_WAIT:
		U(a);
		ev->type = HP_EV_WAIT;
		ev->size = a; /* ticks; the merge turns them into nanoseconds */
		return NULL;
	default: /* HPT_LOST */
		U(a);
		U(b);
		ev->type = HP_EV_LOST;
		ev->size = a;
		ev->id = (uint32_t)b;
		return NULL;
	}
}

/* MODULE_LOAD's module, after its tick: added to the definitions, its index the event's size. */
static const char *decode_module_load(struct hp_defs *defs, struct hpt_cursor *c, struct hp_tick_event *ev)
{
	const char *path, *bid;
	size_t plen, blen;
	uint64_t base, nseg;

	U(base);
	STR(path, plen, HP_MAX_PATH);
	STR(bid, blen, HP_MAX_BUILD_ID);
	U(nseg);
	/* Each segment takes at least four bytes: a count beyond that is a lie. */
	if (nseg > HP_MAX_SEGMENTS || nseg > (uint64_t)(c->end - c->p) / 4)
		return "segment count out of range";
	struct hp_module *m = hp_defs_add_module(defs);
	if (!m || !(m->path = dup_str(path, plen)) || !(m->segs = calloc(nseg ? nseg : 1, sizeof(*m->segs))))
		return "out of memory";
	m->base = base;
	memcpy(m->build_id, bid, blen);
	m->build_id_len = blen;
	for (uint64_t i = 0; i < nseg; i++) {
		uint64_t f;
		U(m->segs[i].vaddr);
		U(m->segs[i].memsz);
		U(m->segs[i].offset);
		U(f);
		m->segs[i].flags = (uint32_t)f;
		m->nseg++;
	}
	ev->type = HP_EV_MODULE_LOAD;
	ev->addr = base;
	ev->size = defs->nmodules - 1; /* index in defs->modules */
	return NULL;
}

/* A thread's start and end, a module's load and unload: timed events of the stream that also tell
 * what it is (THREAD_START and MODULE_LOAD define). */
static const char *decode_thread_event(struct hp_decoder *d, struct hp_stream_state *st, uint8_t type,
				       struct hpt_cursor *c, struct hp_tick_event *ev)
{
	uint64_t a;
	const char *why;

	if ((why = advance_tick(st, c)) != NULL)
		return why;
	ev->tick = st->tick;
	switch (type) {
	case HPT_THREAD_START: {
		U(a);
		ev->type = HP_EV_THREAD_START;
		ev->size = a;
		struct hp_thread_info *t = hp_defs_thread_get(d->defs, d->stream);
		if (!t)
			return "out of memory";
		t->tid = (uint32_t)a;
		return NULL;
	}
	case HPT_THREAD_END:
		ev->type = HP_EV_THREAD_END;
		return NULL;
	case HPT_MODULE_LOAD:
		return decode_module_load(d->defs, c, ev);
	default: /* HPT_MODULE_UNLOAD */
		U(a);
		ev->type = HP_EV_MODULE_UNLOAD;
		ev->addr = a;
		return NULL;
	}
}

/* The writer's records of unsigned fields, the first an absolute tick: how many fields. */
static unsigned writer_fields(uint8_t type)
{
	switch (type) {
	case HPT_SYNC: return 1;
	case HPT_CLOCK: return 3;
	case HPT_SCAN_BEGIN: return 3;
	case HPT_SCAN_END: return 4;
	case HPT_SCAN_THREAD: return 6;
	default: return 8; /* HPT_SAMPLE */
	}
}

/* CLOCK, SYNC, SAMPLE and the leak scan's SCAN_BEGIN, SCAN_THREAD and SCAN_END. */
static const char *decode_writer_event(uint8_t type, struct hpt_cursor *c, struct hp_tick_event *ev)
{
	uint64_t f[8];
	const char *why = read_fields(c, f, writer_fields(type));

	if (why)
		return why;
	ev->tick = f[0];
	switch (type) {
	case HPT_CLOCK:
		/* The merge keeps the clock: it converts ticks when it releases events. */
		ev->type = HP_EV__CLOCK;
		ev->addr = f[1];
		ev->addr2 = f[2];
		return NULL;
	case HPT_SYNC:
		ev->type = HP_EV__SYNC;
		return NULL;
	case HPT_SCAN_BEGIN:
		ev->type = HP_EV_SCAN_BEGIN;
		ev->kind = (uint8_t)f[1];
		ev->size = f[2];
		return NULL;
	case HPT_SCAN_END:
		ev->type = HP_EV_SCAN_END;
		ev->size = f[1];
		ev->addr = f[2];
		ev->addr2 = f[3];
		return NULL;
	case HPT_SCAN_THREAD:
		ev->type = HP_EV_SCAN_THREAD;
		ev->size = (uint32_t)f[1];
		ev->kind = (uint8_t)(f[2] < 255 ? f[2] : 255);
		ev->flags = (uint8_t)(f[3] < 255 ? f[3] : 255);
		ev->addr = f[4];
		ev->addr2 = f[5];
		return NULL;
	default: { /* HPT_SAMPLE */
		struct hp_sample *sample = malloc(sizeof(*sample));
		if (!sample)
			return "out of memory";
		*sample = (struct hp_sample){f[1], f[2], f[3], f[4], f[5], f[6], f[7]};
		ev->type = HP_EV_SAMPLE;
		ev->addr2 = (uintptr_t)sample;
		return NULL;
	}
	}
}

/* PROCESS_END: the tick, how the process ended, its status. */
static const char *decode_process_end(struct hpt_cursor *c, struct hp_tick_event *ev)
{
	uint64_t tick, how;
	int64_t status;

	U(tick);
	U(how);
	S(status);
	ev->type = HP_EV_PROCESS_END;
	ev->tick = tick;
	ev->kind = (uint8_t)how;
	ev->size = (uint64_t)status;
	return NULL;
}

/* count (location delta, value) pairs of SCAN_WORDS into words; the value is stored as its distance
 * from its location when near (version 4), else from the previous value. */
static const char *read_scan_words(struct hpt_cursor *c, struct hp_scan_word *words, uint64_t count, bool near)
{
	uint64_t loc = 0, val = 0, dloc;
	int64_t dval;

	for (uint64_t i = 0; i < count; i++) {
		U(dloc);
		S(dval);
		loc += dloc;
		val = (near ? loc : val) + (uint64_t)dval;
		words[i] = (struct hp_scan_word){loc, val};
	}
	return NULL;
}

/* SCAN_WORDS and SCAN_CONTENTS: words of one region the leak scan read, its event owning them. */
static const char *decode_scan_words(const struct hp_decoder *d, uint8_t type, struct hpt_cursor *c,
				     struct hp_tick_event *ev)
{
	uint64_t t, region, tid, count;

	U(t);
	U(region);
	if (type == HPT_SCAN_CONTENTS) /* what the heuristics read: kept apart from the regions */
		region = region < 16 ? 16 + region : 255;
	U(tid);
	U(count);
	/* Each pair takes at least two bytes: a count beyond that is a lie. */
	if (count > HP_MAX_SCAN_WORDS || count > (uint64_t)(c->end - c->p) / 2)
		return "scan word count out of range";
	struct hp_scan_word *words = malloc((count ? count : 1) * sizeof(*words));
	if (!words)
		return "out of memory";
	const char *why = read_scan_words(c, words, count, d->scan_near);
	if (why) {
		free(words);
		return why;
	}
	ev->type = HP_EV_SCAN_WORDS;
	ev->tick = t;
	ev->kind = (uint8_t)region;
	ev->size = tid;
	ev->addr = count;
	ev->addr2 = (uintptr_t)words;
	return NULL;
}

/* depth frames of STACK into ips: the first an address, each next a delta from the one before. */
static const char *read_frames(struct hpt_cursor *c, uint64_t *ips, uint64_t depth)
{
	int64_t delta;

	U(ips[0]);
	for (uint64_t i = 1; i < depth; i++) {
		S(delta);
		ips[i] = ips[i - 1] + (uint64_t)delta;
	}
	return NULL;
}

static const char *decode_stack(struct hp_defs *defs, struct hpt_cursor *c)
{
	uint64_t id, depth;

	ID32(id);
	U(depth);
	if (!depth || depth > HP_MAX_STACK_DEPTH)
		return "stack depth out of range";
	uint64_t *ips = malloc(depth * sizeof(*ips));
	if (!ips)
		return "out of memory";
	const char *why = read_frames(c, ips, depth);
	/* Stack 0 means "no stack": a definition of it is ignored, never looked up. */
	if (!why && id && hp_defs_add_stack(defs, (uint32_t)id, ips, (uint32_t)depth))
		why = "out of memory";
	free(ips);
	return why;
}

static const char *decode_site(struct hp_defs *defs, struct hpt_cursor *c)
{
	const char *s[3];
	size_t n[3];
	uint64_t id, kind, line;

	ID32(id);
	U(kind);
	U(line);
	for (int i = 0; i < 3; i++)
		STR(s[i], n[i], HP_MAX_STRING);
	if (!id)
		return NULL; /* site 0 is "the innermost zone" of ZONE_END: never defined */
	char *str[3] = {dup_str(s[0], n[0]), dup_str(s[1], n[1]), dup_str(s[2], n[2])};
	struct hp_site_def site = {(uint32_t)id, (uint32_t)kind, (uint32_t)line, str[0], str[1], str[2]};
	int rc = str[0] && str[1] && str[2] ? hp_defs_add_site(defs, &site) : -1;
	free(str[0]);
	free(str[1]);
	free(str[2]);
	return rc ? "out of memory" : NULL;
}

const char *hp_decode_process(struct hp_process_info *pi, struct hpt_cursor *c, bool strings)
{
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
	if (argc > HP_MAX_ARGC || argc > (uint64_t)(c->end - c->p))
		return "argc out of range";
	if (pi->seen)
		return NULL; /* one process per trace: the first record stands */
	pi->seen = true;
	pi->pid = (uint32_t)pid;
	pi->ppid = (uint32_t)ppid;
	pi->start_real_ns = real;
	pi->flags = (uint32_t)flags;
	if (strings && (!(pi->exe = dup_str(exe, elen)) || !(pi->argv = calloc(argc + 1, sizeof(char *)))))
		return "out of memory";
	for (uint64_t i = 0; i < argc; i++) {
		const char *arg;
		size_t alen;
		STR(arg, alen, HP_MAX_STRING);
		if (!strings)
			continue;
		if (!(pi->argv[i] = dup_str(arg, alen)))
			return "out of memory";
		pi->argc++;
	}
	/* Appended later: the parent's FORK record this process started at; the module whose malloc
	 * the program reached instead of the recorder's ("": the recorder's). */
	if (c->p < c->end)
		U(pi->fork_seq);
	if (c->p < c->end) {
		STR(exe, elen, HP_MAX_PATH);
		pi->own_malloc = elen > 0;
		if (elen && strings && !(pi->malloc_owner = dup_str(exe, elen)))
			return "out of memory";
	}
	return NULL;
}

/* A program the process started that could not be recorded: counted under its name. */
static const char *note_unrecorded(struct hp_process_info *pi, uint64_t why, const char *path, size_t n)
{
	for (size_t i = 0; i < pi->nunrecorded; i++)
		if (strlen(pi->unrecorded[i].path) == n && !memcmp(pi->unrecorded[i].path, path, n)) {
			pi->unrecorded[i].times++;
			return NULL;
		}
	if (pi->nunrecorded == HP_UNRECORDED_NAMED) {
		pi->unrecorded_more++;
		return NULL;
	}
	struct hp_unrecorded_program *u = realloc(pi->unrecorded, (pi->nunrecorded + 1) * sizeof(*u));
	if (!u)
		return "out of memory";
	pi->unrecorded = u;
	u = &u[pi->nunrecorded];
	if (!(u->path = dup_str(path, n)))
		return "out of memory";
	u->why = (uint32_t)(why < UINT32_MAX ? why : UINT32_MAX);
	u->times = 1;
	pi->nunrecorded++;
	return NULL;
}

/* Records that only define (no event): stacks, sites, the process, thread names, the cost of an
 * event, LSan's suppressions, the programs started unrecorded. */
static const char *decode_definition(struct hp_decoder *d, uint8_t type, struct hpt_cursor *c)
{
	uint64_t a;
	const char *text;
	size_t n;

	switch (type) {
	case HPT_STACK:
		return decode_stack(d->defs, c);
	case HPT_SITE:
		return decode_site(d->defs, c);
	case HPT_PROCESS:
		return hp_decode_process(&d->defs->process, c, true);
	case HPT_THREAD_NAME: {
		ID32(a);
		STR(text, n, HP_MAX_STRING);
		struct hp_thread_info *t = hp_defs_thread_get(d->defs, (uint32_t)a);
		if (!t)
			return "out of memory";
		free(t->name);
		return (t->name = dup_str(text, n)) ? NULL : "out of memory";
	}
	case HPT_CALIBRATION:
		U(d->event_ticks[0]);
		if (c->p < c->end) /* recorders from version 3 on: an allocation event's cost */
			U(d->event_ticks[1]);
		return NULL;
	case HPT_STOPPED:
		U(a);
		d->defs->process.stopped = a ? (uint32_t)(a < UINT32_MAX ? a : UINT32_MAX) : 1;
		return NULL;
	case HPT_UNRECORDED_PROGRAM:
		U(a);
		STR(text, n, HP_MAX_STRING);
		return note_unrecorded(&d->defs->process, a, text, n);
	default: /* HPT_SUPPRESSIONS */
		STR(text, n, HP_MAX_SUPPRESSIONS);
		free(d->defs->process.lsan_suppressions);
		return (d->defs->process.lsan_suppressions = dup_str(text, n)) ? NULL : "out of memory";
	}
}

/* STREAM: the records after it are of another stream, whose state *st becomes when next needed.
 * EPOCH: the current stream's epoch moves on. */
static const char *decode_stream_record(struct hp_decoder *d, struct hp_stream_state **st, uint8_t type,
					struct hpt_cursor *c)
{
	uint64_t a;

	U(a);
	if (type == HPT_EPOCH) {
		(*st)->epoch += a;
		return NULL;
	}
	if (a > UINT32_MAX - 1)
		return "stream id out of range";
	d->stream = (uint32_t)a;
	*st = NULL;
	return NULL;
}

/* A bad record at rec_off of the chunk at chunk_off: the events before it go first (a stop they
 * cause comes first too), then d->error says where and why. */
static int fail_record(struct hp_decoder *d, uint8_t type, const char *why, uint64_t chunk_off, bool stored,
		       uint64_t rec_off)
{
	int rc = flush(d);

	if (rc)
		return rc;
	d->failed = true;
	if (stored)
		snprintf(d->error, sizeof(d->error), "byte %llu: %s record (type 0x%02x): %s",
			 (unsigned long long)(chunk_off + HPT_CHUNK_HEADER_SIZE + rec_off), record_name(type), type,
			 why);
	else
		snprintf(d->error, sizeof(d->error),
			 "byte %llu: zstd chunk, at byte %llu of its decoded records, %s record (type 0x%02x): %s",
			 (unsigned long long)chunk_off, (unsigned long long)rec_off, record_name(type), type, why);
	return -1;
}

/* The records in raw[0..size); base is raw's offset in the chunk's decoded bytes, for messages. With
 * `resume`, the current stream's state is first set to the one it gives. */
static int decode(struct hp_decoder *d, const uint8_t *raw, size_t size, uint64_t chunk_off, bool stored,
		  uint64_t base, const struct hp_deferred *resume)
{
	const uint8_t *p = raw, *end = raw + size;
	struct hp_stream_state *st = NULL; /* the current stream's, until STREAM or a new stream moves it */
	const char *why;
	int rc;

	d->failed = false;
	while (p < end) {
		const uint8_t *rec = p;
		uint8_t type = *p++;
		/* Version 5's REALLOC has optional fields: the careful path reads it (a few in a hundred events). */
		if (type - 1u < (d->addresses_v5 ? HPT_FREE : HPT_REALLOC) && st && end - p > QUICK_SLACK + 1 &&
		    *p < 0x80 && end - p > *p + QUICK_SLACK) {
			const uint8_t *next = quick_event(d->stream, st, d->epochs, d->addresses_v5, type, p + 1, p + 1 + *p,
							  &d->batch[d->nbatch]);
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
		if (hpt_get_u(&c, &len) || len > (uint64_t)(end - c.p))
			return fail_record(d, type, "record length runs past the chunk", chunk_off, stored,
					   base + (uint64_t)(rec - raw));
		p = c.p + len;
		c.end = p;

		if (!st && !(st = state_of(d, d->stream))) {
			why = "out of memory";
			goto bad;
		}
		if (resume) {
			st->tick = resume->tick;
			st->addr = resume->addr;
			st->epoch = resume->epoch;
			resume = NULL;
		}

		if (d->defer && defines(type)) {
			struct hp_deferred r = {rec, (size_t)(p - rec), d->stream, st->tick, st->addr, st->epoch,
						chunk_off, base + (uint64_t)(rec - raw), stored};
			/* The stream's clock moves on here; its owner reads the rest of the record. */
			if ((type == HPT_THREAD_START || type == HPT_MODULE_LOAD) && (why = advance_tick(st, &c)) != NULL)
				goto bad;
			if ((rc = d->defer(d->ctx, &r)) != 0)
				return rc;
			continue;
		}

		struct hp_tick_event ev = {.stream = d->stream};
		switch (record_family[type]) {
		case REC_HEAP:
			why = decode_heap_event(d, st, type, &c, &ev);
			break;
		case REC_TIMED:
			why = decode_timed_event(st, type, &c, &ev);
			break;
		case REC_THREAD:
			why = decode_thread_event(d, st, type, &c, &ev);
			break;
		case REC_WRITER:
			why = decode_writer_event(type, &c, &ev);
			break;
		case REC_PROCESS_END:
			why = decode_process_end(&c, &ev);
			break;
		case REC_SCAN_WORDS:
			why = decode_scan_words(d, type, &c, &ev);
			break;
		case REC_DEFINITION:
			if ((why = decode_definition(d, type, &c)) != NULL)
				goto bad;
			continue;
		case REC_STREAM:
			if ((why = decode_stream_record(d, &st, type, &c)) != NULL)
				goto bad;
			continue;
		default:
			continue; /* a record this reader does not know: skipped by its length */
		}
		if (why)
			goto bad;
		/* Version 3 orders a program thread's records by its epoch (docs/trace-format.md, "Epochs");
		 * the writer's stream, and every stream before, by tick. */
		ev.key = d->epochs && d->stream ? st->epoch : ev.tick;
		if (ev.key > ev.tick)
			ev.tick = ev.key; /* a WAIT or LOST of dt 0 after allocation events: times still grow */
		if ((rc = add(d, &ev)) != 0)
			return rc;
		continue;
bad:
		return fail_record(d, type, why, chunk_off, stored, base + (uint64_t)(rec - raw));
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
