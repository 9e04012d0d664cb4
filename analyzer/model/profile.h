/* profile.h: the model of one recorded process, computed from its trace, that every report reads.
 *
 * profile_build.c fills it in one streaming pass over the events (struct hp_event, trace.h) and then
 * symbolizes it; report_*.c, score.c and rules.c only read it. Memory is proportional to functions,
 * allocation sites, live blocks and the bounded timeline, never to the number of events.
 *
 * Times are nanoseconds. Strings point into the profile (or its symbolizer) and live until
 * hp_profile_free().
 */
#ifndef HP_PROFILE_H
#define HP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/symbolizer.h"
#include "read/trace.h"

struct hp_histogram; /* histogram.h: log-linear, <= 1% relative error */
struct hp_window;    /* window.h: --window FROM..TO */

/* A symbolized call stack (innermost first), inlined frames expanded. Its frames are the
 * symbolizer's, shared by every stack through the same address (hp_symbolize_shared): a recorded
 * `make` of 420 processes held 820k stacks of about 20 frames, 736 MB as copies. */
struct hp_stack_frames {
	uint32_t stack_id;
	size_t nframes;
	const struct hp_frame **frames;
	struct hp_frame *own; /* frames the symbolizer could not give: the bare addresses; NULL: none */
	/* The first frame that belongs to the program rather than the allocator or the recorder
	 * (skips malloc, calloc, operator new, strdup and friends); index into frames, or 0. */
	size_t user_frame;
	/* Another site's stack has its user frame at the same address (an allocation wrapper such as
	 * xmalloc): the site's location names its caller too (hp_fmt_site). */
	bool user_frame_shared;
};
/* That index for any symbolized stack (the live view symbolizes its own). */
size_t hp_first_user_frame(const struct hp_frame *const *frames, size_t nframes);

/* The index of the first frame of the program's own code in a stack of at least one frame. */
static inline size_t hp_user_frame_index(const struct hp_stack_frames *s)
{
	return s->user_frame < s->nframes ? s->user_frame : 0;
}

/* That frame (NULL when the stack has no frame). */
static inline const struct hp_frame *hp_user_frame(const struct hp_stack_frames *s)
{
	return s && s->nframes ? s->frames[hp_user_frame_index(s)] : NULL;
}

struct hp_thread_stats {
	uint32_t stream;
	uint32_t tid;
	const char *name;
	uint64_t calls;
	uint64_t total_ns;
	uint64_t self_ns;
};

/* Zones and instrumented functions share one stack per thread; a call's key is its zone site id, or
 * its function's address with this bit set (addresses never reach it). Every reader of zone events
 * (profile build, live view, exports) keys calls this way. */
#define HP_ZONE_FN_KEY (1ull << 63)

/* One row of the functions table: a zone site (HP_FUNC, HP_ZONE, hp_begin) or an instrumented function. */
struct hp_function {
	uint32_t site;    /* zone site id, or 0 for an -finstrument-functions function */
	uint64_t fn_addr; /* instrumented function entry, or 0 for a zone */
	const char *name;
	const char *file; /* NULL when unknown */
	unsigned line;
	uint64_t calls;
	uint64_t total_ns; /* inclusive: sum of enter..exit */
	uint64_t self_ns;  /* total minus time in zones nested inside it */
	uint64_t min_ns;
	uint64_t max_ns;
	double mean_ns;
	double stddev_ns;
	uint64_t p50_ns;
	uint64_t p95_ns;
	uint64_t p99_ns;
	double share;         /* total_ns / run time, counting each thread's time */
	uint64_t allocs;      /* allocations made while the zone was open (inclusive of nested zones) */
	uint64_t alloc_bytes;
	uint64_t recursive_calls; /* calls made while the same function was already open */
	uint64_t cpu_ns;      /* thread CPU time inside the zone, as total_ns; when hp_profile.cpu_time */
	uint64_t recorder_ns; /* the recorder's own time inside the zone, taken out of total_ns (as it) */
	struct hp_thread_stats *threads;
	size_t nthreads;
	struct hp_histogram *hist;
	double score; /* 0-100, filled by score.c */
};

/* The zone call tree: one node per distinct path of nested zones (threads merged), for flame graphs.
 * Node 0 is the root (no function); a node's parent has a smaller index. Paths beyond
 * HP_ZONE_NODES_MAX nodes are folded into their deepest recorded ancestor (zone_nodes_dropped). */
#define HP_ZONE_NODES_MAX (1u << 20)
struct hp_zone_node {
	uint32_t parent;   /* index of the enclosing node */
	uint32_t function; /* index in hp_profile.functions */
	uint64_t calls;
	uint64_t total_ns; /* inclusive, as hp_function.total_ns but along this path only */
	uint64_t self_ns;
};

struct hp_counter {
	uint32_t site;
	const char *name;
	int64_t total;
	uint64_t updates;
	uint64_t first_ns;
	uint64_t last_ns;
	double per_second; /* total over the run time */
};

/* A counter's running total: HP_COUNT values come from the trace and may be anything, so the sum
 * stops at INT64_MIN / INT64_MAX instead of overflowing. */
static inline int64_t hp_counter_add(int64_t total, int64_t value)
{
	int64_t r;

	if (__builtin_add_overflow(total, value, &r))
		return value < 0 ? INT64_MIN : INT64_MAX;
	return r;
}

struct hp_mark {
	uint64_t ns;
	uint32_t stream;
	const char *name;
};

/* Allocation sites: one per distinct allocation stack. */
struct hp_alloc_site {
	uint32_t stack_id;
	struct hp_stack_frames *frames; /* NULL until symbolized */
	uint64_t allocs;
	uint64_t bytes;
	uint64_t frees;
	uint64_t temporary;   /* see docs/report-guide.md: freed before the thread's next allocation */
	uint64_t min_size;
	uint64_t max_size;
	uint64_t live_blocks; /* at the end of the trace */
	uint64_t live_bytes;
	uint64_t peak_bytes;  /* live bytes of this site at the moment of the global heap peak */
	uint64_t reallocs;    /* realloc calls made from this stack */
	uint64_t realloc_const_step; /* > 0: successive reallocs of one chain grew by this constant step */
	uint64_t failed;
	uint64_t leaked_blocks;
	uint64_t leaked_bytes;
	double growth_rate;   /* live bytes per second, least-squares over the process samples */
	double growth_r2;
	bool growing;         /* steady growth: a suspected leak even without exit (growth.h) */
};

/* What a group of sites cost: the sums of their figures (diff's sites of one place, report's
 * allocating functions and their substacks). */
struct hp_alloc_costs {
	uint64_t allocs, bytes, temporary, peak_bytes, live_bytes, leaked_bytes;
};

static inline void hp_alloc_costs_add(struct hp_alloc_costs *c, const struct hp_alloc_site *s)
{
	c->allocs += s->allocs;
	c->bytes += s->bytes;
	c->temporary += s->temporary;
	c->peak_bytes += s->peak_bytes;
	c->live_bytes += s->live_bytes;
	c->leaked_bytes += s->leaked_bytes;
}

enum hp_leak_kind {
	HP_LEAK_UNCLASSIFIED = 0, /* alive at exit, no reachability scan in the trace */
	HP_LEAK_DEFINITE,
	HP_LEAK_INDIRECT,
	HP_LEAK_POSSIBLE,
	HP_LEAK_REACHABLE,
	HP_LEAK_KINDS
};

/* memcheck's heuristics (leak_classify.h), by its names; all are on by default, as in memcheck. */
enum hp_leak_heuristic {
	HP_HEUR_STDSTRING = 0,
	HP_HEUR_LENGTH64,
	HP_HEUR_NEWARRAY,
	HP_HEUR_MULTIPLE_INHERITANCE,
	HP_HEURISTICS
};
#define HP_HEURISTICS_ALL ((1u << HP_HEURISTICS) - 1)

/* Blocks alive at the end of the trace, grouped by allocation stack and kind, largest first. */
struct hp_leak {
	uint32_t stack_id;
	enum hp_leak_kind kind;
	uint64_t bytes;
	uint64_t blocks;
	struct hp_stack_frames *frames;
	const char *suppressed_by; /* the matching suppression pattern, or NULL */
};

/* A reachability scan: at exit, or a snapshot of a running program (kill -USR2). */
/* How the scan read one thread (SCAN_THREAD). */
struct hp_scan_thread {
	uint32_t tid;
	uint8_t how;       /* enum hpt_thread_scan */
	uint8_t unstopped; /* enum hpt_thread_unstopped */
	uint64_t lo, hi;   /* the stack range read (0, 0: none found) */
};

struct hp_scan_summary {
	uint64_t ns;
	unsigned reason; /* enum hpt_scan_reason */
	uint64_t threads_stopped;
	uint64_t bytes[HP_LEAK_KINDS];
	uint64_t blocks[HP_LEAK_KINDS];
	/* The part of `reachable` reached only through a heuristic, per heuristic. */
	uint64_t heuristic_bytes[HP_HEURISTICS];
	uint64_t heuristic_blocks[HP_HEURISTICS];
	uint64_t words;
	uint64_t unreadable;
	struct hp_scan_thread *threads; /* every thread of the process at the scan but the recorder's */
	size_t nthreads;
};

/* One point of the timeline; downsampled to at most HP_TIMELINE_MAX points. */
#define HP_TIMELINE_MAX 2048
struct hp_timeline_point {
	uint64_t ns;
	uint64_t heap_bytes;
	uint64_t rss;
	uint64_t cpu_ns; /* user + sys since start */
	uint64_t allocs; /* allocations since start */
};

/* Allocation sizes: bucket i counts sizes in [2^i, 2^(i+1)), bucket 0 also counts size 0. */
#define HP_SIZE_BUCKETS 48

struct hp_summary {
	const char *program;
	uint32_t pid;
	uint64_t run_ns;      /* the window's length when there is one */
	const char *window;   /* --window FROM..TO the profile was restricted to, NULL: the whole run */
	uint64_t window_from_ns; /* where the window starts, in process time */
	uint64_t threads;
	uint64_t events;
	uint64_t allocations; /* successful ones, realloc(NULL, n) included */
	uint64_t frees;       /* realloc(p, 0) included */
	uint64_t reallocs;
	uint64_t failed_allocations;
	uint64_t bytes_allocated;
	uint64_t peak_heap_bytes;
	uint64_t peak_heap_ns;
	uint64_t peak_rss;
	uint64_t temporary_allocations;
	uint64_t leaked_bytes; /* all blocks alive at the end */
	uint64_t leaked_blocks;
	uint64_t leak_bytes[HP_LEAK_KINDS];
	uint64_t leak_blocks[HP_LEAK_KINDS];
	uint64_t suppressed_bytes; /* leaks matched by a suppression (not in leak_bytes / leak_blocks) */
	uint64_t suppressed_blocks;
	uint64_t unmatched_frees;  /* frees of blocks allocated before recording started */
	uint64_t inherited_blocks; /* a forked process: its parent's blocks alive at the fork */
	uint64_t inherited_bytes;
	uint64_t anomalies;        /* allocations at a live address, zone ends matching nothing */
	uint64_t events_lost;
	uint64_t wait_ns; /* time target threads waited for the recorder */
	uint64_t zone_calls;
	uint64_t allocs_per_second_x1000; /* allocations per second, times 1000 */
	uint64_t cpu_ns;
	bool truncated;   /* the trace ended inside a chunk */
	bool ended;       /* the process's end was recorded */
	uint32_t end_how; /* enum hpt_end_how */
	int64_t end_status;
};

/* A block a forked process had from its parent (its stack id is the parent's, which the child's
 * trace defines too: the recorder's stack table goes on in the child). */
struct hp_inherited_block {
	uint64_t addr, size;
	uint32_t stack;
};

/* The blocks a process had alive at one of its FORK records (trace-format.md, "Forked processes"):
 * what its child forked there starts with. */
struct hp_fork_heap {
	uint64_t seq; /* the FORK record's number */
	struct hp_inherited_block *blocks;
	size_t n;
};

struct hp_profile {
	const char *path; /* the trace file */
	struct hp_defs defs;
	struct hp_read_status status;
	struct hp_symbolizer *sym;
	struct hp_summary summary;
	struct hp_function *functions; /* sorted by total_ns, descending */
	size_t nfunctions;
	struct hp_zone_node *zone_tree; /* nzone_nodes >= 1 when there are functions */
	size_t nzone_nodes;
	uint64_t zone_nodes_dropped;
	struct hp_counter *counters;
	size_t ncounters;
	struct hp_mark *marks; /* at most HP_MARKS_MAX, first ones kept */
	size_t nmarks;
	uint64_t marks_dropped;
	struct hp_alloc_site *sites; /* sorted by bytes, descending */
	size_t nsites;
	struct hp_leak *leaks; /* sorted by bytes, descending */
	size_t nleaks;
	struct hp_timeline_point *timeline;
	size_t ntimeline;
	uint64_t size_hist[HP_SIZE_BUCKETS];
	struct hp_scan_summary *scans;
	size_t nscans;
	struct hp_fork_heap *forks; /* at each FORK record, in order; hp_profile_drop_forks */
	size_t nforks;
	bool classified; /* leaks carry memcheck's kinds (the trace has an exit scan) */
	bool cpu_time;   /* zones carry their thread CPU time (record --cpu-time): hp_function.cpu_ns */
	double score; /* 0-100, score.c */
	const char *score_category;
	void *priv; /* profile_build.c: what keeps the symbolized stacks and names alive */
};
#define HP_MARKS_MAX 10000

/* How to load: suppressions (LSan format) and which built-in sets to leave out. */
/* Sees the pass that builds a profile, for a view that needs every event (the chrome and massif
 * exports): the trace is read once. Either callback may be NULL; a non-zero return stops the build
 * (it then fails as out of memory). */
/* The heap as the model holds it after an event: what an observer that follows the heap reads
 * instead of keeping blocks of its own. */
struct hp_observed_heap {
	uint64_t live_bytes;
	const struct hp_alloc_site *sites; /* by site index, stable through the pass: live_bytes, stack_id */
	size_t nsites;
};

struct hp_profile_observer {
	/* Every event, in trace order, after the model applied it. */
	int (*event)(void *ctx, const struct hp_event *ev, const struct hp_observed_heap *heap);
	/* A zone or function call closed (key as in HP_ZONE_FN_KEY) on stream, from start_ns to end_ns
	 * as recorded: at its end, at its thread's end, or after the pass at the thread's last event. */
	int (*call)(void *ctx, uint32_t stream, uint64_t key, uint64_t start_ns, uint64_t end_ns);
	void *ctx;
};

struct hp_profile_options {
	const char *const *suppression_files;
	size_t nsuppression_files;
	const char *no_builtin_suppressions; /* comma list, "all", or NULL */
	const struct hp_window *window;      /* window.h: count only that stretch; NULL: the whole run */
	int heuristics;                      /* mask of enum hp_leak_heuristic; -1: all (memcheck's default) */
	const struct hp_profile_observer *observer; /* NULL: none */
	const struct hp_fork_heap *inherited;       /* a forked process's heap at its start; NULL: none */
	bool keep_forks;                            /* keep the heap at each FORK record (p->forks) */
};

/* Reads the trace at path and computes its profile, symbolized. Returns NULL on error, with a one-line
 * message in err ("FILE: byte N: why"); a truncated trace gives a profile plus status.warning.
 * opts may be NULL (built-in suppressions only). */
struct hp_profile *hp_profile_load(const char *path, const struct hp_profile_options *opts, char *err,
				   size_t errlen);
/* The same from a trace in memory (buf[0..size), not kept); name stands for the file in messages
 * and in p->path. */
struct hp_profile *hp_profile_load_mem(const void *buf, size_t size, const char *name,
				       const struct hp_profile_options *opts, char *err, size_t errlen);
void hp_profile_free(struct hp_profile *profile);
/* Frees the heaps kept at the profile's FORK records, once its children have theirs. */
void hp_profile_drop_forks(struct hp_profile *profile);

#endif
