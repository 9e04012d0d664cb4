/* trace.h: read one trace file in one pass; events in causal (tick) order, definitions kept.
 *
 * The reader streams: it holds one decoded chunk, a few blocks of events decoded ahead on a thread of
 * its own (trace_prefetch.h), the events of the current sync window and the definitions (stacks,
 * sites, modules, threads), never the whole event history. Callbacks run on the caller's thread.
 */
#ifndef HP_TRACE_H
#define HP_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hpt_format.h"

enum hp_event_type {
	HP_EV_ALLOC,         /* addr, size, kind, stack */
	HP_EV_FREE,          /* addr, kind */
	HP_EV_REALLOC,       /* addr = old, addr2 = new, size, kind, flags, stack (format doc: REALLOC) */
	HP_EV_ALLOC_FAIL,    /* size, kind, stack */
	HP_EV_ZONE_BEGIN,    /* site */
	HP_EV_ZONE_END,      /* site (0: innermost open zone) */
	HP_EV_COUNTER,       /* site, value */
	HP_EV_MARK,          /* site */
	HP_EV_FUNC_ENTER,    /* addr = function address */
	HP_EV_FUNC_EXIT,     /* addr = function address */
	HP_EV_WAIT,          /* size = nanoseconds waited */
	HP_EV_LOST,          /* size = events lost, site = reason */
	HP_EV_THREAD_START,  /* value = tid */
	HP_EV_THREAD_END,    /* */
	HP_EV_MODULE_LOAD,   /* addr = base; module details in defs */
	HP_EV_MODULE_UNLOAD, /* addr = base */
	HP_EV_SAMPLE,        /* sample */
	HP_EV_PROCESS_END,   /* kind = how (enum hpt_end_how), value = status */
	HP_EV_SCAN_BEGIN,    /* kind = reason (enum hpt_scan_reason), size = threads stopped */
	HP_EV_SCAN_WORDS,    /* kind = region (enum hpt_scan_region; SCAN_CONTENTS: 16 + its kind), value = tid,
			      * words/nwords */
	HP_EV_SCAN_END,      /* size = words scanned, addr = bytes scanned, addr2 = bytes unreadable */
	HP_EV_ZONE_CPU,      /* size = the thread's CPU time in ns (after a zone's begin, before its end) */
	HP_EV_SCAN_THREAD,   /* value = tid, kind = how (enum hpt_thread_scan), flags = why not stopped,
			      * addr..addr2 = the stack range read */
	HP_EV_EVENT_COST,    /* size = nanoseconds the recorder spent on the stream's latest `value`
			      * allocation events */
	HP_EV_FORK,          /* addr = the fork's number: a child whose PROCESS names it was forked here */
};

/* One pointer-like word of a reachability scan (docs/trace-format.md, SCAN_WORDS). */
struct hp_scan_word {
	uint64_t loc;   /* address of the word (register number for HPT_REGION_REGISTERS) */
	uint64_t value; /* what it holds */
};

struct hp_sample {
	uint64_t rss;
	uint64_t utime_ns;
	uint64_t stime_ns;
	uint64_t minflt;
	uint64_t majflt;
	uint64_t read_bytes;
	uint64_t write_bytes;
};

/* The process's CPU time (user and system) when the sample was taken. */
static inline uint64_t hp_sample_cpu_ns(const struct hp_sample *s)
{
	return s->utime_ns + s->stime_ns;
}

struct hp_merge; /* event_merge.h */

struct hp_event {
	uint8_t type;    /* enum hp_event_type */
	uint8_t kind;    /* allocation / free kind, end how */
	uint8_t flags;   /* REALLOC: HPT_REALLOC_FAILED */
	uint32_t stream; /* 0: recorder, else a target thread's stream */
	uint64_t tick;   /* raw trace clock */
	uint64_t ns;     /* nanoseconds since the process started recording */
	uint64_t addr;
	uint64_t addr2;
	uint64_t size;
	uint32_t stack;
	uint32_t site;
	int64_t value;
	struct hp_sample sample;
	const struct hp_scan_word *words; /* SCAN_WORDS: valid during the callback only */
	size_t nwords;
	bool last_chance; /* the callback may not answer HP_EVENT_NOT_YET: nothing else can come first */
	struct hp_merge *merge; /* the merge delivering it (hp_merge_ends_first), or NULL */
};

/* The block lifecycle: what an allocation event does to the blocks alive, the one rule the merge
 * (event_merge.c, epoch_plan.c), the profile (profile_heap.c), the live view (live_stats.c) and
 * hp_heap_replay follow. In this order:
 *  - a failed REALLOC changes nothing (the old block stays);
 *  - FREE, and REALLOC of a non-NULL pointer, remove the block at `gone` (an address not alive: a
 *    block from before recording, or a double free, removes nothing);
 *  - ALLOC, and REALLOC returning a block, add a block of `size` at `added`: at address 0 none (an
 *    anomaly: no allocator hands that out); at an address alive already, its block goes first (its
 *    free was lost: dropped, not leaked).
 * A REALLOC that moves is thus a free and an allocation. */
struct hp_heap_change {
	bool frees, adds;
	uint64_t gone, added, size;
};

/* The change an event of these fields makes (a delivered hp_event's or a queued hp_tick_event's), its
 * size as recorded; false when it makes none (not an allocation event, a failed realloc). */
static inline bool hp_change_of(unsigned type, unsigned flags, uint64_t addr, uint64_t addr2, uint64_t size,
				struct hp_heap_change *c)
{
	*c = (struct hp_heap_change){0};
	switch (type) {
	case HP_EV_ALLOC:
		*c = (struct hp_heap_change){.adds = true, .added = addr, .size = size};
		return true;
	case HP_EV_FREE:
		*c = (struct hp_heap_change){.frees = true, .gone = addr};
		return true;
	case HP_EV_REALLOC:
		if (flags & HPT_REALLOC_FAILED)
			return false;
		*c = (struct hp_heap_change){.frees = addr != 0, .gone = addr, .adds = addr2 != 0, .added = addr2,
					     .size = size};
		return true;
	default:
		return false;
	}
}

struct hp_stack {
	uint32_t id;
	uint32_t depth;
	uint64_t *ips; /* innermost first; return addresses */
};

struct hp_site_def {
	uint32_t id;
	uint32_t kind; /* enum hpt_site_kind */
	uint32_t line;
	char *name;
	char *function;
	char *file;
};

struct hp_segment {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t offset;
	uint32_t flags; /* PF_X 1, PF_W 2, PF_R 4 */
};

struct hp_module {
	uint64_t base;
	char *path;
	uint8_t build_id[64];
	size_t build_id_len;
	struct hp_segment *segs;
	size_t nseg;
	uint64_t load_ns;
	uint64_t unload_ns; /* UINT64_MAX while loaded */
};

struct hp_thread_info {
	uint32_t stream;
	uint32_t tid;
	char *name; /* may be NULL */
	uint64_t start_ns;
	uint64_t end_ns;
	bool ended;
};

#define HP_UNRECORDED_NAMED 16

struct hp_unrecorded_program {
	char *path; /* as the exec or spawn named it; "" for fexecve's descriptor */
	uint32_t why; /* enum hpt_unrecorded_why */
	uint64_t times;
};

struct hp_process_info {
	bool seen; /* a PROCESS record was read */
	uint32_t pid;
	uint32_t ppid;
	uint64_t start_real_ns;
	uint32_t flags; /* HPT_PROCESS_* */
	uint64_t fork_seq; /* forked: the parent's FORK record it started at (0: none recorded) */
	char *exe;
	int argc;
	char **argv;
	/* The program's calls reached a malloc other than the recorder's (an allocator linked into the
	 * program): its allocations were not recorded. malloc_owner names its module (decoded with
	 * strings; NULL otherwise). */
	bool own_malloc;
	char *malloc_owner;
	uint32_t stopped; /* STOPPED: why recording stopped while the process went on (enum hpt_stop_why) */
	/* UNRECORDED_PROGRAM: the programs it started that could not be recorded, each named once with
	 * how many times (the first HP_UNRECORDED_NAMED names; the others counted in unrecorded_more). */
	struct hp_unrecorded_program *unrecorded;
	size_t nunrecorded;
	uint64_t unrecorded_more;
	bool ended;
	uint32_t end_how; /* enum hpt_end_how */
	int64_t end_status;
	uint64_t end_ns;
	uint64_t last_ns; /* latest time seen in the trace */
	uint64_t event_cost_ns; /* CALIBRATION: recorder cost per timed event, 0 if not recorded */
	uint64_t alloc_event_cost_ns; /* per allocation event (they read no clock); 0: as a timed event */
	char *lsan_suppressions; /* SUPPRESSIONS: the program's __lsan_default_suppressions(), or NULL */
};

struct hp_stack_table;
struct hp_site_table;

/* Everything a trace defines, kept after the pass. Owned by the caller: hp_defs_init / hp_defs_release. */
struct hp_defs {
	struct hp_process_info process;
	struct hp_stack_table *stacks;
	struct hp_site_table *sites;
	struct hp_module *modules;
	size_t nmodules, modules_cap;
	struct hp_thread_info *threads;
	size_t nthreads, threads_cap;
	uint64_t features; /* header feature bits */
};

void hp_defs_init(struct hp_defs *defs);
void hp_defs_release(struct hp_defs *defs);
/* Frees the stacks' addresses, for a reader done with them (a profile, once its stacks are
 * symbolized); hp_defs_stack is NULL from then on. */
void hp_defs_drop_stacks(struct hp_defs *defs);
/* NULL when the id was never defined. */
const struct hp_stack *hp_defs_stack(const struct hp_defs *defs, uint32_t id);
const struct hp_site_def *hp_defs_site(const struct hp_defs *defs, uint32_t id);
const struct hp_thread_info *hp_defs_thread(const struct hp_defs *defs, uint32_t stream);

/* Chunk integrity (format version 2, chunk_order.h): duplicates left out, chunks read out of file
 * order, and when missing_off is not 0, a missing chunk that ended the read: its number, the chunks
 * after it left unread, the offset of the first of those. trace_warnings.h words them. */
struct hp_chunk_integrity {
	uint64_t duplicate_chunks, reordered_chunks;
	uint64_t missing_seq, unread_chunks, missing_off;
};

/* How a pass ended. A truncated trace is not an error: the events before the cut were delivered. */
struct hp_read_status {
	uint64_t chunks;
	uint64_t events;
	uint64_t bytes;     /* file size read */
	bool truncated;     /* the file ends inside a chunk: a process killed while writing */
	uint64_t cut_offset; /* byte offset of the incomplete chunk */
	char error[512];    /* one line, "FILE: byte N: why", set when hp_trace_read returns -1 */
	char warning[512];  /* one line, set for a truncated trace */
	struct hp_chunk_integrity integrity;
	uint16_t version; /* the header's */
};

/* Called for every event in causal order; a non-zero return stops the pass (hp_trace_read returns it),
 * but HP_EVENT_NOT_YET: an allocation event that cannot have happened yet (it hands out an address
 * still alive, or frees one not handed out), which the callback left unapplied. Events of other
 * streams with the same key come first, then the event again; with last_chance once nothing else can
 * (then the callback takes it as it is: a lost free, a block from before recording). */
#define HP_EVENT_NOT_YET 0x4e59
typedef int (*hp_event_fn)(void *ctx, const struct hp_event *ev, const struct hp_defs *defs);

/* Calls fn for every stack / site defined, in no particular order. */
void hp_defs_foreach_stack(const struct hp_defs *defs, void (*fn)(const struct hp_stack *s, void *arg), void *arg);
void hp_defs_foreach_site(const struct hp_defs *defs, void (*fn)(const struct hp_site_def *s, void *arg), void *arg);

/* Reads the trace at path once, calling fn for each event and filling defs (initialised by the
 * caller). Returns 0 on success or truncation, -1 on an error described in status->error (events
 * before the error were delivered), or fn's non-zero value. */
int hp_trace_read(const char *path, struct hp_defs *defs, hp_event_fn fn, void *ctx,
		  struct hp_read_status *status);

/* trace_process.c: the PROCESS record of the trace at path (the first record of every trace), read
 * from its first chunk alone: its numbers into *out, and with `strings` its exe, argv and
 * malloc_owner (else NULL; hp_process_info_release frees them). 0, or -1 when the trace cannot be read
 * or its first chunk has none. */
int hp_trace_process(const char *path, bool strings, struct hp_process_info *out);
/* Frees what a PROCESS record's strings took (defs.c). */
void hp_process_info_release(struct hp_process_info *pi);

/* The same over a trace in memory; `name` stands for the file in messages (tests, fuzzing). */
int hp_trace_read_mem(const void *buf, size_t size, const char *name, struct hp_defs *defs, hp_event_fn fn,
		      void *ctx, struct hp_read_status *status);

#endif
