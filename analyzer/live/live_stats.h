/* live_stats.h: running totals of a trace as it is read, for the live view: heap, rates, zones, sites.
 *
 * Fed one event at a time (hp_live_event is an hp_event_fn). Memory grows with live blocks, allocation
 * stacks, zones and threads, never with the number of events. Rates are taken over windows of trace
 * time: hp_live_mark closes one, and a frame reads the counts since one of the last two marks.
 *
 * Definitions follow the report's (profile_build.c): an allocation is a block created (a realloc that
 * moves counts one allocation and one free), a free one of a known block; zone time is inclusive and
 * counts the outermost call of a recursive zone only, but it is not corrected for the recorder's own
 * cost, and a zone still open counts the time spent in it so far.
 */
#ifndef HP_LIVE_STATS_H
#define HP_LIVE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/idmap.h"
#include "model/live_heap.h"
#include "model/profile.h"
#include "read/trace.h"

/* The key of an -finstrument-functions function: its entry address with this bit set. */
#define HP_LIVE_FN HP_ZONE_FN_KEY /* the live view keys calls as the profile does */

/* What rates are computed from, as of a mark. */
struct hp_live_counts {
	uint64_t ns; /* trace time */
	uint64_t allocs, bytes, frees;
	uint64_t cpu_ns, cpu_at_ns; /* user + system time of the latest process sample, and its time */
};

struct hp_live_zone {
	uint64_t key;   /* zone site id, or function address | HP_LIVE_FN */
	uint64_t calls; /* calls entered */
	uint64_t ns;    /* time inside, all threads */
	uint64_t open;  /* calls open now */
	uint64_t calls_at[2], ns_at[2]; /* at the last two marks, [0] the latest */
};

/* An allocation site: one distinct allocation stack (stack 0: none recorded). */
struct hp_live_site {
	uint32_t stack;
	uint64_t allocs, bytes;
	uint64_t live_blocks, live_bytes;
};

struct hp_live_thread;

struct hp_live {
	struct hp_heap heap; /* block.site: index in sites */
	struct hp_live_site *sites;
	size_t nsites, site_cap;
	struct hp_idmap site_of_stack; /* stack + 1 -> index + 1 */
	struct hp_live_zone *zones;
	size_t nzones, zone_cap;
	struct hp_idmap zone_of_key; /* key -> index + 1 */
	const struct hp_process_info *process; /* the defs' being read: the recorder's calibration */
	uint64_t cpu_first; /* CPU time of the first process sample: the trace's start */
	bool cpu_first_seen;
	struct hp_live_thread *threads;
	size_t nthreads, thread_cap;
	struct hp_idmap thread_of_stream; /* stream + 1 -> index + 1 */
	struct hp_idmap open_calls;       /* (thread << 32 | zone) + 1 -> calls open */
	struct hp_live_counts total;
	struct hp_live_counts mark[2]; /* [0] the latest mark; hp_live_init makes one at time 0 */
	unsigned nmarks;
	uint64_t heap_bytes, heap_peak;
	uint64_t rss, rss_peak;
	uint64_t events;    /* events of the program's threads (the recorder's own not counted) */
	uint64_t lost;      /* events the recorder could not record */
	uint64_t anomalies; /* allocations at a live address, zone ends matching no open zone */
	bool have_sample;
	bool oom; /* an update failed for lack of memory: the totals are no longer exact */
};

void hp_live_init(struct hp_live *l);
void hp_live_release(struct hp_live *l);

/* The reader's callback (ctx: the struct hp_live). 0, or -1 when memory runs out (l->oom). */
int hp_live_event(void *ctx, const struct hp_event *ev, const struct hp_defs *defs);

/* Counts the time open zones have spent inside up to now_ns (a zone otherwise counts it at its end):
 * call it before reading zone times. */
void hp_live_credit(struct hp_live *l, uint64_t now_ns);

/* Closes the current window at now_ns (after hp_live_credit(now_ns)). */
void hp_live_mark(struct hp_live *l, uint64_t now_ns);

/* The mark (0 or 1) a window ending at now_ns starts from: the latest, unless it is less than min_ns
 * old and an older one exists. */
unsigned hp_live_window(const struct hp_live *l, uint64_t now_ns, uint64_t min_ns);

#endif
