/* trace_warnings.c: the warning lines of a trace and of its profile. */
#include "read/trace_warnings.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hpt_format.h"
#include "model/run.h"
#include "report/report.h"

__attribute__((format(printf, 3, 4))) static int say(hp_warning_fn fn, void *ctx, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return fn(ctx, line);
}

bool hp_trace_incomplete(const struct hp_read_status *st, const struct hp_defs *defs)
{
	return !defs->process.ended || st->integrity.missing_off;
}

bool hp_allocs_not_recorded(const struct hp_defs *defs)
{
	return (defs->features & HPT_FEAT_NO_ALLOC) || defs->process.own_malloc;
}

const char *hp_allocs_not_recorded_text(const struct hp_defs *defs)
{
	return defs->features & HPT_FEAT_NO_ALLOC ? "not recorded (HOOKPROF_RECORD)"
						  : "not recorded (the program's own malloc)";
}

int hp_trace_warnings(const char *name, const struct hp_read_status *st, const struct hp_defs *defs,
		      hp_warning_fn fn, void *ctx)
{
	int rc = 0;

	if (!rc && st->warning[0])
		rc = fn(ctx, st->warning);
	if (!rc && st->integrity.duplicate_chunks)
		rc = say(fn, ctx, "%s: %" PRIu64 " duplicated chunks left out (the file was copied or written wrong)",
			 name, st->integrity.duplicate_chunks);
	if (!rc && st->integrity.reordered_chunks)
		rc = say(fn, ctx, "%s: %" PRIu64 " chunks out of order in the file, read in the order they were written",
			 name, st->integrity.reordered_chunks);
	if (!rc && st->integrity.missing_off)
		rc = say(fn, ctx,
			 "%s: byte %" PRIu64 ": chunk %" PRIu64 " is missing: the %" PRIu64 " chunks after it cannot be "
			 "decoded and are not read; what follows covers the %" PRIu64 " chunks before it",
			 name, st->integrity.missing_off, st->integrity.missing_seq, st->integrity.unread_chunks,
			 st->chunks);
	if (!rc && defs->process.stopped && !defs->process.ended && !st->truncated && !st->integrity.missing_off)
	{
		char at[HP_FMT_MAX];
		rc = say(fn, ctx,
			 "%s: recording stopped %s into the run, when the program restricted its system calls with "
			 "seccomp, which would have killed it for the recorder's own: what the process did after is "
			 "not recorded, and leaks are not known",
			 name, hp_fmt_ns(at, defs->process.last_ns));
	} else if (!rc && !defs->process.ended && !st->truncated && !st->integrity.missing_off)
	{
		char at[HP_FMT_MAX];
		rc = say(fn, ctx,
			 "%s: the trace does not record the end of the process (killed?), %s into the run: leaks are "
			 "only what a reachability scan found, if one was made",
			 name, hp_fmt_ns(at, defs->process.last_ns));
	}
	return rc;
}

/* The parts HOOKPROF_RECORD left out, as "allocations, process samples". */
static void not_recorded(uint64_t features, char *buf, size_t len)
{
	static const struct {
		uint64_t bit;
		const char *what;
	} parts[] = {
		{HPT_FEAT_NO_ALLOC, "allocations (heap, sites, leaks)"},
		{HPT_FEAT_NO_ZONES, "zones"},
		{HPT_FEAT_NO_FUNCS, "instrumented functions"},
		{HPT_FEAT_NO_SAMPLES, "process samples (RSS, CPU, timeline)"},
	};
	size_t at = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if ((features & parts[i].bit) && at < len)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "", parts[i].what);
}

/* A forked process starts with its parent's heap: what it frees of it, its trace never saw allocated. */
#define INHERITED "inherited when it was forked (allocated by its parent before the fork)"

static bool inherits(const struct hp_profile *p)
{
	return (p->defs.process.flags & HPT_PROCESS_FORKED) && p->summary.unmatched_frees;
}

static int unmatched_frees_warning(const struct hp_profile *p, hp_warning_fn fn, void *ctx)
{
	uint64_t n = p->summary.unmatched_frees;

	if (inherits(p))
		return say(fn, ctx,
			   "%s: %" PRIu64 " frees of blocks this process " INHERITED ": left out of its counts, their "
			   "sizes unknown",
			   p->path, n);
	return say(fn, ctx,
		   "%s: %" PRIu64 " frees of blocks the trace never saw allocated (allocated before recording "
		   "started, or not by the malloc family): left out of every count, their sizes unknown",
		   p->path, n);
}

/* The programs the process started that LD_PRELOAD could not reach: "/usr/bin/busybox (3 times), kubectl". */
static int unrecorded_warning(const struct hp_profile *p, hp_warning_fn fn, void *ctx)
{
	const struct hp_process_info *pi = &p->defs.process;
	char names[1024];
	size_t at = 0;

	names[0] = '\0';
	for (size_t i = 0; i < pi->nunrecorded && at < sizeof(names); i++) {
		const struct hp_unrecorded_program *u = &pi->unrecorded[i];
		at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s", i ? ", " : "",
				       u->path[0] ? u->path : "a program given by its descriptor");
		if (u->times > 1 && at < sizeof(names))
			at += (size_t)snprintf(names + at, sizeof(names) - at, " (%" PRIu64 " times)", u->times);
	}
	if (pi->unrecorded_more && at < sizeof(names))
		snprintf(names + at, sizeof(names) - at, " and %" PRIu64 " more", pi->unrecorded_more);
	return say(fn, ctx, "%s: started statically linked programs, which LD_PRELOAD cannot reach, so they are not "
		   "recorded: %s", p->path, names);
}

static int profile_warnings(const struct hp_profile *p, bool inherited_too, hp_warning_fn fn, void *ctx)
{
	const struct hp_summary *s = &p->summary;
	char parts[256];
	int rc = hp_trace_warnings(p->path, &p->status, &p->defs, fn, ctx);

	not_recorded(p->defs.features, parts, sizeof(parts));
	if (!rc && parts[0])
		rc = say(fn, ctx, "%s: not recorded (HOOKPROF_RECORD): %s; the report does not judge them", p->path,
			 parts);
	if (!rc && p->defs.process.own_malloc)
		rc = say(fn, ctx,
			 "%s: allocations not recorded: the program's calls to malloc and free reach those of %s, found "
			 "before hookprof's (an allocator linked into the program, as Chromium's PartitionAlloc is, or "
			 "preloaded before hookprof); the report does not judge the heap",
			 p->path, p->defs.process.malloc_owner);
	if (!rc && p->defs.process.nunrecorded)
		rc = unrecorded_warning(p, fn, ctx);
	if (!rc && s->events_lost)
		rc = say(fn, ctx, "%s: the recorder lost %" PRIu64 " events: counts and leaks are incomplete", p->path,
			 s->events_lost);
	if (!rc && s->unmatched_frees && (inherited_too || !inherits(p)))
		rc = unmatched_frees_warning(p, fn, ctx);
	if (!rc && p->marks_dropped)
		rc = say(fn, ctx, "%s: %" PRIu64 " marks after the first %d are not kept", p->path, p->marks_dropped,
			 HP_MARKS_MAX);
	if (!rc && !p->defs.process.ended && !p->defs.process.stopped && !p->nscans && !hp_allocs_not_recorded(&p->defs))
		rc = say(fn, ctx, "%s: no reachability scan was made, so leaks are not known", p->path);
	for (size_t i = 0; !rc && i < p->nscans; i++) {
		const struct hp_scan_summary *sc = &p->scans[i];
		size_t unstopped = 0;
		for (size_t k = 0; k < sc->nthreads; k++)
			unstopped += sc->threads[k].how >= HPT_THREAD_WHOLE_STACK;
		if (unstopped) {
			char t[512], at[HP_FMT_MAX];
			rc = say(fn, ctx, "%s: the scan at %s could not stop every thread, and read what it could not "
				 "stop conservatively (blocks it points to count as reachable): %s",
				 p->path, hp_fmt_ns(at, sc->ns), hp_scan_threads_text(sc, t, sizeof(t)));
		}
	}
	return rc;
}

int hp_profile_warnings(const struct hp_profile *p, hp_warning_fn fn, void *ctx)
{
	return profile_warnings(p, true, fn, ctx);
}

int hp_run_warnings(const struct hp_run *run, hp_warning_fn fn, void *ctx)
{
	const struct hp_profile *first = NULL;
	size_t forked = 0;
	uint64_t frees = 0;
	int rc = 0;

	for (size_t i = 0; !rc && i <= run->nchildren; i++) {
		const struct hp_profile *p = hp_run_process(run, i);
		rc = profile_warnings(p, false, fn, ctx);
		if (inherits(p)) {
			first = first ? first : p;
			forked++;
			frees += p->summary.unmatched_frees;
		}
	}
	if (rc || !first)
		return rc;
	if (forked == 1)
		return unmatched_frees_warning(first, fn, ctx);
	/* A recorded build or shell forks often, and each copy frees some of what it inherited. */
	return say(fn, ctx,
		   "%s and %zu more forked processes of this run: %" PRIu64 " frees in all of blocks each "
		   INHERITED ": left out of their counts, their sizes unknown",
		   first->path, forked - 1, frees);
}

int hp_warning_to_stderr(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "hookprof: warning: %s\n", line);
	return 0;
}

void hp_profile_print_warnings(const struct hp_profile *p)
{
	hp_profile_warnings(p, hp_warning_to_stderr, NULL);
}
