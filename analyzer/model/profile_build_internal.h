/* profile_build_internal.h: the state of one profile build, shared by the files that compute it.
 *
 * The build is one streaming pass over a trace (profile_build.c dispatches each event) followed by
 * finish() (profile_finish.c). The roles, one file each:
 *   profile_heap.c      the block lifecycle: allocation sites, live blocks, temporaries, the peak
 *   profile_zones.c     zone and function calls: pairing of begin/end, total and self time, the tree
 *   profile_scan.c      exit and on-demand leak scans
 *   profile_timeline.c  samples (heap/RSS/CPU timeline, growth), counters, marks
 *   profile_finish.c    after the pass: symbolization, sorting, leaks and their suppressions
 * Everything here is private to those files; model/profile.h is the public face.
 */
#ifndef HP_PROFILE_BUILD_INTERNAL_H
#define HP_PROFILE_BUILD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "model/growth.h"
#include "model/histogram.h"
#include "model/live_heap.h"
#include "model/profile.h"
#include "model/recorder_cost.h"
#include "model/symbol_warmup.h"
#include "model/window.h"
#include "util/grow.h"
#include "util/idmap.h"

/* ---- per-thread zone stacks ------------------------------------------------------------------ */

/* The recorder's own time on a thread so far, which zone times leave out (pb_close_frame): events it
 * did not measure, charged at what CALIBRATION says each costs, and what it measured (the stream's
 * EVENT_COST rates for its allocation events, and WAIT records). */
struct frame {
	uint32_t fn; /* index in b->fns */
	uint64_t key;
	uint64_t start_ns;
	uint64_t child_ns;
	uint64_t allocs0, bytes0;
	struct hp_recorder_cost cost0; /* the thread's at the call's start */
	uint64_t cpu0; /* the thread's CPU time at the call's start (record --cpu-time) */
	uint32_t node; /* in b->nodes */
	bool outer; /* the outermost open call of its function on this thread */
};

struct thread_state {
	uint32_t stream;
	struct frame *stack;
	size_t depth, cap;
	uint64_t allocs, bytes;
	struct hp_recorder_cost cost;
	uint64_t last_alloc; /* for temporaries: the thread's latest allocation, 0 once another came (or
			      * when it was made outside the window) */
	uint64_t last_ns;
	/* record --cpu-time: the latest CPU time read on the thread; cpu_begin_due: the next reading is
	 * the start of the frame just opened (a reading without it precedes the end of a zone). */
	uint64_t cpu_now;
	bool cpu_begin_due;
};

struct fn_acc {
	uint64_t key; /* site id, or function address | HP_ZONE_FN_KEY */
	uint64_t calls, total, self, min, max, allocs, bytes, recursive, cpu;
	uint64_t recorder; /* the recorder's own time taken out of `total` */
	double sum, sumsq;
	struct hp_histogram *hist;
	struct hp_thread_stats *threads;
	size_t nthreads, threads_cap;
};



struct builder {
	struct hp_profile *p;
	struct hp_heap heap;
	struct hp_idmap site_of_stack;   /* stack id + 1 → site index */
	struct hp_alloc_site *sites;
	struct hp_growth *growth;
	uint64_t *site_epoch;             /* the peak snapshot each site's peak_bytes reflects (touch_site) */
	size_t nsites, site_cap;
	struct thread_state *threads;
	size_t nthreads, threads_cap;
	struct hp_idmap thread_of_stream; /* stream + 1 → thread index */
	struct thread_state *last_thread; /* of the latest event; NULL before any */
	uint32_t last_site;               /* site index + 1 of the latest allocation, 0 before any */
	size_t forks_cap;                 /* p->forks' */
	size_t fork_blocks;               /* the blocks p->forks holds in all */
	bool keep_forks;                  /* hp_profile_options' */
	struct fn_acc *fns;
	size_t nfns, fn_cap;
	struct hp_idmap fn_of_key;
	struct hp_idmap open_calls; /* (thread index << 40 | fn index) + 1 → open calls */
	struct hp_idmap fn_thread_of; /* (fn index << 32 | stream) + 1 → index + 1 in the fn's threads */
	struct hp_zone_node *nodes; /* function: an index in fns until finish() maps it */
	size_t nnodes, node_cap;
	struct hp_idmap node_of_path; /* (parent node << 32 | fn index) + 1 → node index + 1 */
	struct hp_idmap counter_of_site;
	size_t counters_cap;
	uint64_t live_bytes;
	uint64_t snapshot_peak; /* the peak when per-site peak bytes were last copied */
	uint64_t peak_epoch;    /* snapshots taken so far */
	struct hp_region_word *words;
	size_t nwords, words_cap;
	bool in_scan;
	unsigned scan_reason;
	uint64_t scan_threads;
	struct hp_scan_thread *scan_thr; /* SCAN_THREAD records of the scan being read */
	size_t nscan_thr, scan_thr_cap;
	size_t scans_cap; /* of p->scans */
	unsigned heuristics; /* enum hp_leak_heuristic mask */
	uint64_t samples;
	struct hp_window_state win;
	bool in;                  /* the current event is inside the window */
	bool opened;              /* the window has opened (its first event was seen) */
	uint64_t cpu_before;      /* process CPU time at the last sample before the window */
	uint64_t cpu_first;       /* and at the trace's first sample, taken as its writer started */
	bool cpu_first_seen;
	struct hp_warmup *warmup; /* the symbolizer, made ready while the trace is read */
	bool warmup_tried;
	const struct hp_profile_observer *obs; /* NULL: none */
	bool oom;
};

/* The profile keeps the symbolized stacks alive; they are freed with it. */
struct hp_profile_private {
	char *path;
	struct hp_stack_frames **stacks;
	size_t nstacks, stacks_cap;
	char **strings;
	size_t nstrings, strings_cap;
};

/* profile_heap.c: what an allocation event does to the heap, the sites and the thread. */
/* ALLOC, FREE, REALLOC: the block lifecycle of live_heap.h, with what the profile counts. */
void pb_heap_event(struct builder *b, struct thread_state *t, const struct hp_event *ev);
void pb_alloc_failed(struct builder *b, const struct hp_event *ev);
/* A forked process's heap at its start: its parent's blocks, alive but not allocated here. -1 when
 * memory runs out. */
int pb_inherit(struct builder *b, const struct hp_fork_heap *h);
/* A FORK record: the blocks alive now, kept for the child forked here (p->forks). -1: no memory. */
int pb_fork(struct builder *b, uint64_t seq);
/* The heap as the window opens is where its peak starts from. */
void pb_window_opened(struct builder *b, uint64_t ns);
/* After the pass: per-site peak bytes of the sites untouched since the last peak snapshot. */
void pb_finish_peaks(struct builder *b);

/* profile_zones.c: calls opened and closed on a thread's stack; keys as in HP_ZONE_FN_KEY. */
void pb_open_frame(struct builder *b, struct thread_state *t, uint64_t key, uint64_t ns);
void pb_close_frame(struct builder *b, struct thread_state *t, uint64_t ns);
void pb_end_frame(struct builder *b, struct thread_state *t, uint64_t key, uint64_t ns);
/* After the pass: p->functions (named, sorted) and p->zone_tree from the calls counted. 0, or -1. */
int pb_finish_zones(struct builder *b, struct hp_profile_private *priv);

/* profile_scan.c: a SCAN_* event of stream 0. 0, or -1 when memory runs out. */
int pb_scan_event(struct builder *b, const struct hp_event *ev);

/* profile_timeline.c: samples, counters, marks. 0, or -1 when memory runs out. */
int pb_sample(struct builder *b, const struct hp_event *ev);
int pb_counter(struct builder *b, const struct hp_event *ev);
int pb_mark(struct builder *b, const struct hp_event *ev);
/* After the pass: counter and mark names from their sites. */
void pb_finish_names(struct builder *b);

/* profile_finish.c: keeps str (owned from now on) for the profile's lifetime; false when memory runs
 * out (str freed). */
bool pb_keep_string(struct hp_profile_private *priv, char *str);
int pb_finish(struct builder *b, const struct hp_profile_options *opts, char *err, size_t errlen);

#endif
