/* hpt_format.h: constants and byte codecs of the trace format, shared by recorder and analyzer.
 *
 * docs/trace-format.md is the specification; this header follows it. Not installed: programs that tag
 * zones need only hookprof.h.
 */
#ifndef HPT_FORMAT_H
#define HPT_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HPT_MAGIC "HPTRACE\x1a"
#define HPT_MAGIC_SIZE 8
/* Version 2: chunk headers carry a sequence number (bytes 13..15), which version 1 readers reject as
 * non-zero reserved bytes. Readers of version 2 read version 1 traces (no sequence numbers). */
#define HPT_VERSION 5
#define HPT_MIN_READER_VERSION 5
#define HPT_HEADER_SIZE 32

#define HPT_FEAT_TSC (1u << 0)
#define HPT_FEAT_STACKS (1u << 1)
#define HPT_FEAT_CPU_TIME (1u << 2) /* zones carry ZONE_CPU records (record --cpu-time) */
/* Parts HOOKPROF_RECORD left out: their absence from the trace says nothing about the program. */
#define HPT_FEAT_NO_ALLOC (1u << 3)
#define HPT_FEAT_NO_ZONES (1u << 4)
#define HPT_FEAT_NO_FUNCS (1u << 5)
#define HPT_FEAT_NO_SAMPLES (1u << 6)

#define HPT_CHUNK_MAGIC "HPCK"
#define HPT_CHUNK_HEADER_SIZE 16
#define HPT_MAX_RAW_CHUNK (64u << 20)
#define HPT_CODEC_STORED 0
#define HPT_CODEC_ZSTD 1
#define HPT_CHUNK_SEQ_BITS 24 /* version 2: chunk sequence numbers count modulo 2^24 */

#define HPT_VARINT_MAX 10

enum hpt_record_type {
	HPT_ALLOC = 0x01,
	HPT_FREE = 0x02,
	HPT_REALLOC = 0x03,
	HPT_ALLOC_FAIL = 0x04,
	HPT_ZONE_BEGIN = 0x10,
	HPT_ZONE_END = 0x11,
	HPT_COUNTER = 0x12,
	HPT_MARK = 0x13,
	HPT_FUNC_ENTER = 0x14,
	HPT_FUNC_EXIT = 0x15,
	HPT_WAIT = 0x16,
	HPT_LOST = 0x17,
	HPT_THREAD_START = 0x18,
	HPT_THREAD_END = 0x19,
	HPT_ZONE_CPU = 0x1a,
	HPT_EPOCH = 0x1b,
	HPT_EVENT_COST = 0x1c,
	HPT_FORK = 0x1d,
	HPT_STACK = 0x20,
	HPT_SITE = 0x21,
	HPT_MODULE_LOAD = 0x22,
	HPT_MODULE_UNLOAD = 0x23,
	HPT_PROCESS = 0x30,
	HPT_CLOCK = 0x31,
	HPT_SAMPLE = 0x32,
	HPT_SYNC = 0x33,
	HPT_PROCESS_END = 0x34,
	HPT_STREAM = 0x35,
	HPT_THREAD_NAME = 0x36,
	HPT_CALIBRATION = 0x37,
	HPT_STOPPED = 0x38,
	HPT_UNRECORDED_PROGRAM = 0x39,
	HPT_SCAN_BEGIN = 0x40,
	HPT_SCAN_WORDS = 0x41,
	HPT_SCAN_END = 0x42,
	HPT_SUPPRESSIONS = 0x43,
	HPT_SCAN_CONTENTS = 0x44,
	HPT_SCAN_THREAD = 0x45,
};

enum hpt_alloc_kind {
	HPT_KIND_MALLOC = 0,
	HPT_KIND_CALLOC = 1,
	HPT_KIND_REALLOC = 2,
	HPT_KIND_REALLOCARRAY = 3,
	HPT_KIND_POSIX_MEMALIGN = 4,
	HPT_KIND_ALIGNED_ALLOC = 5,
	HPT_KIND_MEMALIGN = 6,
	HPT_KIND_VALLOC = 7,
	HPT_KIND_PVALLOC = 8,
	/* 9 and 10 are reserved (docs/trace-format.md): once meant for operator new and new[], which are
	 * not hooked (they call malloc, whose event carries their stack). */
	HPT_KIND_COUNT
};

enum hpt_free_kind {
	HPT_FREE_FREE = 0,
	/* 1 and 2 are reserved, as allocation kinds 9 and 10 are (operator delete and delete[]). */
};

#define HPT_REALLOC_FAILED 1u
/* Version 5: how a REALLOC stores its two addresses, in its flags (docs/trace-format.md). Without
 * either OLD bit, old is a delta from the stream's last address; without NEW_RECENT, new is a delta
 * from old (from the stream's last address when old is 0). */
#define HPT_REALLOC_OLD_NULL 2u   /* old is 0 (realloc(NULL, n)): no field */
#define HPT_REALLOC_OLD_RECENT 4u /* old is the stream's recent allocation i: the field is i */
#define HPT_REALLOC_NEW_RECENT 8u /* new is the stream's recent free i: the field is i */

/* Version 3: an ALLOC or FREE whose kind has this bit names its address by an index among the
 * stream's HPT_RECENT latest addresses of the other kind (docs/trace-format.md, "Recent addresses"):
 * a free among the latest allocations, an allocation among the latest frees (an allocator hands out
 * what was just freed). */
#define HPT_KIND_RECENT 0x40u
#define HPT_RECENT 8

/* The latest HPT_RECENT addresses: what a stream's ALLOC and FREE records name by index (0 the
 * newest), kept alike by the recorder and the reader. A ring written downwards: the newest is at `at`,
 * the one before at at + 1, so that a push is one store and no move. */
struct hpt_recent {
	uint64_t addr[HPT_RECENT];
	unsigned at;
};

static inline void hpt_recent_push(struct hpt_recent *r, uint64_t addr)
{
	r->at = (r->at - 1) & (HPT_RECENT - 1);
	r->addr[r->at] = addr;
}

static inline uint64_t hpt_recent_get(const struct hpt_recent *r, unsigned i)
{
	return r->addr[(r->at + i) & (HPT_RECENT - 1)];
}

/* The index of the newest entry equal to addr (not 0), or HPT_RECENT; without a branch per entry: the
 * matches' mask, rotated so that bit i is index i. Unrolled, because GCC at -O2 keeps the loop, and
 * the recorder runs it on every event: a recorded allocation storm ran 10% faster unrolled (an SSE2
 * compare of two entries at a time was no faster than the unrolled scalar one). */
static inline unsigned hpt_recent_find(const struct hpt_recent *r, uint64_t addr)
{
	unsigned mask = 0;

#pragma GCC unroll 8
	for (unsigned i = 0; i < HPT_RECENT; i++)
		mask |= (unsigned)(r->addr[i] == addr) << i;
	mask = ((mask >> r->at) | (mask << (HPT_RECENT - r->at))) & ((1u << HPT_RECENT) - 1);
	return (unsigned)__builtin_ctz(mask | 1u << HPT_RECENT);
}

enum hpt_site_kind { HPT_SITE_ZONE = 0, HPT_SITE_COUNTER = 1, HPT_SITE_MARK = 2 };

enum hpt_scan_region {
	HPT_REGION_DATA = 0,
	HPT_REGION_STACK = 1,
	HPT_REGION_REGISTERS = 2,
	HPT_REGION_TLS = 3,
	HPT_REGION_HEAP = 4,
	HPT_REGION_MAPPED = 5,
};

/* SCAN_CONTENTS kinds: what the leak heuristics read (docs/trace-format.md). */
enum hpt_scan_content { HPT_CONTENT_HEAD = 0, HPT_CONTENT_VTABLE = 1 };

/* SCAN_THREAD: how a thread was scanned, and why not stopped. */
enum hpt_thread_scan {
	HPT_THREAD_STOPPED = 0,     /* registers, and its stack from its stack pointer */
	HPT_THREAD_EXITING = 1,     /* the thread that ended the process: from the frame that called exit */
	HPT_THREAD_WHOLE_STACK = 2, /* not stopped: its whole stack mapping, conservatively */
	HPT_THREAD_NOT_FOUND = 3,   /* not stopped, and no stack mapping of it was found */
};
enum hpt_thread_unstopped {
	HPT_UNSTOPPED_NONE = 0,
	HPT_UNSTOPPED_BLOCKED = 1,   /* it blocks the stop signal */
	HPT_UNSTOPPED_NO_ANSWER = 2, /* it did not answer within the time allowed */
	HPT_UNSTOPPED_NO_SIGNAL = 3, /* the stop signal could not be installed */
};

enum hpt_scan_reason { HPT_SCAN_EXIT = 0, HPT_SCAN_SIGNAL = 1, HPT_SCAN_API = 2 };

enum hpt_lost_reason { HPT_LOST_REENTERED = 1 };

enum hpt_end_how { HPT_END_EXIT = 0, HPT_END_SIGNAL = 1, HPT_END_EXEC = 2, HPT_END__EXIT = 3 };

/* STOPPED: why recording stopped while the process went on (docs/trace-format.md). */
enum hpt_stop_why { HPT_STOP_SECCOMP = 1 };

/* UNRECORDED_PROGRAM: why a program this process started cannot be recorded (docs/trace-format.md). */
enum hpt_unrecorded_why { HPT_UNRECORDED_STATIC = 1 };

#define HPT_PROCESS_FORKED 1u
#define HPT_PROCESS_EXECED 2u

/* Little-endian fixed-width fields, byte by byte so alignment and host order never matter. */
static inline void hpt_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void hpt_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void hpt_put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t hpt_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t hpt_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t hpt_get_le64(const uint8_t *p)
{
	return (uint64_t)hpt_get_le32(p) | (uint64_t)hpt_get_le32(p + 4) << 32;
}

static inline uint64_t hpt_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t hpt_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Writes v at p (room for HPT_VARINT_MAX bytes needed); returns the byte after it. */
static inline uint8_t *hpt_put_u(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static inline uint8_t *hpt_put_s(uint8_t *p, int64_t v)
{
	return hpt_put_u(p, hpt_zigzag(v));
}

static inline uint8_t *hpt_put_str(uint8_t *p, const char *s, size_t len)
{
	p = hpt_put_u(p, len);
	memcpy(p, s, len);
	return p + len;
}

/* A bounded cursor over untrusted bytes. Every getter returns 0 on success and -1 when the field
 * is malformed or runs past the end; after a failure the cursor is left where it was. */
struct hpt_cursor {
	const uint8_t *p;
	const uint8_t *end;
};

static inline int hpt_get_u(struct hpt_cursor *c, uint64_t *out)
{
	const uint8_t *p = c->p;
	uint64_t v = 0;

	for (int shift = 0; shift < 70; shift += 7) {
		if (p == c->end)
			return -1;
		uint8_t b = *p++;
		if (shift == 63 && b > 1)
			return -1;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			c->p = p;
			*out = v;
			return 0;
		}
	}
	return -1;
}

static inline int hpt_get_s(struct hpt_cursor *c, int64_t *out)
{
	uint64_t v;

	if (hpt_get_u(c, &v))
		return -1;
	*out = hpt_unzigzag(v);
	return 0;
}

/* Points *s at the string's bytes inside the buffer (not NUL-terminated). */
static inline int hpt_get_str(struct hpt_cursor *c, const char **s, size_t *len)
{
	struct hpt_cursor save = *c;
	uint64_t n;

	if (hpt_get_u(c, &n) || n > (uint64_t)(c->end - c->p)) {
		*c = save;
		return -1;
	}
	*s = (const char *)c->p;
	*len = (size_t)n;
	c->p += n;
	return 0;
}

#endif
