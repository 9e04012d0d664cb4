/* fixture_profile.h: a hand-made profile of a healthy program, for the score, rules and report tests.
 *
 * fixture_clean() fills a struct fixture with a program that does nothing any rule or score component
 * objects to; each test then changes the few numbers its case is about.
 */
#ifndef FIXTURE_PROFILE_H
#define FIXTURE_PROFILE_H

#include <string.h>

#include "model/profile.h"

#define FX_MS 1000000ull
#define FX_MIB (1024ull * 1024)

struct fixture {
	struct hp_profile p;
	struct hp_function fn[2];
	struct hp_thread_stats fn_threads[2];
	struct hp_alloc_site sites[8];
	struct hp_stack_frames stacks[8];
	struct hp_frame frames[8][4];
	const struct hp_frame *frame_ptrs[8][4]; /* what stacks[i].frames points to */
	struct hp_leak leaks[4];
	struct hp_timeline_point tl[16];
	struct hp_counter counters[1];
	struct hp_mark marks[2];
};

/* Stack i: malloc (libc) <- read_record (reader.c:88+i) <- process_batch (parser.c:41) <- main. */
static inline void fixture_stack(struct fixture *f, int i)
{
	struct hp_frame *fr = f->frames[i];

	fr[0] = (struct hp_frame){.ip = 0x7f0000001000, .function = "malloc", .module = "/lib/x86_64-linux-gnu/libc.so.6"};
	fr[1] = (struct hp_frame){.ip = 0x401200 + (uint64_t)i * 16, .function = "read_record", .file = "/src/app/reader.c",
				  .line = 88 + (unsigned)i, .module = "/usr/bin/app"};
	fr[2] = (struct hp_frame){.ip = 0x401800, .function = "process_batch", .file = "/src/app/parser.c", .line = 41,
				  .module = "/usr/bin/app"};
	fr[3] = (struct hp_frame){.ip = 0x401000, .function = "main", .file = "/src/app/main.c", .line = 12,
				  .module = "/usr/bin/app"};
	for (int k = 0; k < 4; k++)
		f->frame_ptrs[i][k] = &fr[k];
	f->stacks[i] = (struct hp_stack_frames){.stack_id = 10 + (uint32_t)i, .nframes = 4, .frames = f->frame_ptrs[i],
						.user_frame = 1};
}

static inline void fixture_clean(struct fixture *f)
{
	struct hp_profile *p = &f->p;
	struct hp_summary *s = &p->summary;

	memset(f, 0, sizeof(*f));
	p->path = "app.hpt";
	s->program = "/usr/bin/app";
	s->pid = 4242;
	s->run_ns = 1000 * FX_MS;
	s->cpu_ns = 900 * FX_MS;
	s->threads = 1;
	s->events = 10000;
	s->allocations = 500;
	s->frees = 500;
	s->bytes_allocated = 500 * 1024;
	s->peak_heap_bytes = 2 * FX_MIB;
	s->peak_heap_ns = 500 * FX_MS;
	s->peak_rss = 8 * FX_MIB;
	s->temporary_allocations = 10;
	s->allocs_per_second_x1000 = 500000;
	s->ended = true;
	p->defs.process.ended = true; /* the summary's copy of it: warnings read the trace's */
	s->zone_calls = 1001;
	p->classified = true;

	f->fn[0] = (struct hp_function){.site = 1, .name = "main", .file = "/src/app/main.c", .line = 10, .calls = 1,
					.total_ns = 990 * FX_MS, .self_ns = 190 * FX_MS, .min_ns = 990 * FX_MS,
					.max_ns = 990 * FX_MS, .mean_ns = 990e6, .p50_ns = 990 * FX_MS,
					.p95_ns = 990 * FX_MS, .p99_ns = 990 * FX_MS, .share = 0.99, .allocs = 500,
					.alloc_bytes = 500 * 1024};
	f->fn[1] = (struct hp_function){.site = 2, .name = "process_batch", .file = "/src/app/parser.c", .line = 40,
					.calls = 1000, .total_ns = 800 * FX_MS, .self_ns = 800 * FX_MS,
					.min_ns = 600000, .max_ns = 1500000, .mean_ns = 800000, .stddev_ns = 90000,
					.p50_ns = 780000, .p95_ns = 1000000, .p99_ns = 1200000, .share = 0.8,
					.allocs = 500, .alloc_bytes = 500 * 1024};
	f->fn_threads[0] = (struct hp_thread_stats){.stream = 1, .tid = 4242, .name = "app", .calls = 1000,
						    .total_ns = 800 * FX_MS, .self_ns = 800 * FX_MS};
	f->fn[1].threads = f->fn_threads;
	f->fn[1].nthreads = 1;
	p->functions = f->fn;
	p->nfunctions = 2;

	fixture_stack(f, 0);
	f->sites[0] = (struct hp_alloc_site){.stack_id = 10, .frames = &f->stacks[0], .allocs = 500, .bytes = 500 * 1024,
					     .frees = 500, .temporary = 10, .min_size = 1024, .max_size = 1024,
					     .peak_bytes = 1 * FX_MIB};
	p->sites = f->sites;
	p->nsites = 1;

	/* A flat heap: 1.5 MiB most of the run, the 2 MiB peak in the middle. */
	for (int i = 0; i < 16; i++)
		f->tl[i] = (struct hp_timeline_point){.ns = (uint64_t)i * 62 * FX_MS, .heap_bytes = 3 * FX_MIB / 2,
						      .rss = 8 * FX_MIB, .cpu_ns = (uint64_t)i * 55 * FX_MS,
						      .allocs = (uint64_t)i * 31};
	f->tl[8].heap_bytes = 2 * FX_MIB;
	p->timeline = f->tl;
	p->ntimeline = 16;
	p->size_hist[10] = 500;

	f->counters[0] = (struct hp_counter){.site = 3, .name = "records", .total = 100000, .updates = 1000,
					     .first_ns = 10 * FX_MS, .last_ns = 990 * FX_MS, .per_second = 100000};
	p->counters = f->counters;
	p->ncounters = 1;
	f->marks[0] = (struct hp_mark){.ns = 5 * FX_MS, .stream = 1, .name = "start"};
	f->marks[1] = (struct hp_mark){.ns = 995 * FX_MS, .stream = 1, .name = "done"};
	p->marks = f->marks;
	p->nmarks = 2;
	p->leaks = f->leaks;
}

/* Adds a leak group on stack i (added with fixture_stack if need be). */
static inline struct hp_leak *fixture_leak(struct fixture *f, int i, enum hp_leak_kind kind, uint64_t bytes,
					   uint64_t blocks)
{
	struct hp_profile *p = &f->p;
	struct hp_leak *l = &f->leaks[p->nleaks++];

	if (!f->stacks[i].frames)
		fixture_stack(f, i);
	*l = (struct hp_leak){.stack_id = 10 + (uint32_t)i, .kind = kind, .bytes = bytes, .blocks = blocks,
			      .frames = &f->stacks[i]};
	p->summary.leaked_bytes += bytes;
	p->summary.leaked_blocks += blocks;
	p->summary.leak_bytes[kind] += bytes;
	p->summary.leak_blocks[kind] += blocks;
	return l;
}

#endif
