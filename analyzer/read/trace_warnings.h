/* trace_warnings.h: what a trace lacks or got wrong, worded once for every command: the cut, chunk
 * integrity, a process whose end is not recorded, events lost, frees of blocks never seen allocated
 * (in a forked process: inherited from its parent), parts HOOKPROF_RECORD left out.
 *
 * Each warning is one line naming the trace, without the "hookprof: " prefix.
 */
#ifndef HP_TRACE_WARNINGS_H
#define HP_TRACE_WARNINGS_H

#include <stdbool.h>

#include "model/profile.h"
#include "model/run.h"
#include "read/trace.h"

/* Takes one warning line, which lives during the call only. Non-zero stops (and is returned). */
typedef int (*hp_warning_fn)(void *ctx, const char *line);

/* The warnings of a pass over the trace `name`: its status and its definitions, for commands that do
 * not build a profile (dump). 0 or fn's value. */
int hp_trace_warnings(const char *name, const struct hp_read_status *st, const struct hp_defs *defs,
		      hp_warning_fn fn, void *ctx);

/* Those of the pass, then what the profile adds. 0 or fn's value. */
int hp_profile_warnings(const struct hp_profile *p, hp_warning_fn fn, void *ctx);

/* Those of every process of a run, but that the forked processes' frees of blocks inherited from
 * their parent are said in one line for the run. 0 or fn's value. */
int hp_run_warnings(const struct hp_run *run, hp_warning_fn fn, void *ctx);

/* An hp_warning_fn printing the line on stderr, "hookprof: warning: LINE" (ctx unused). */
int hp_warning_to_stderr(void *ctx, const char *line);

/* Prints every warning of p on stderr, "hookprof: warning: LINE". */
void hp_profile_print_warnings(const struct hp_profile *p);

/* The trace is incomplete: the process's end is not in it (killed, cut, or chunks missing). */
bool hp_trace_incomplete(const struct hp_read_status *st, const struct hp_defs *defs);

/* Allocations were not recorded: heap figures, sites and leaks are unknown, not zero. HOOKPROF_RECORD
 * left them out, or the program's calls reached a malloc of its own (hp_process_info.malloc_owner). */
bool hp_allocs_not_recorded(const struct hp_defs *defs);
/* What a table says for them: "not recorded (HOOKPROF_RECORD)" or "not recorded (the program's own
 * malloc)"; a string that lives as long as the program. */
const char *hp_allocs_not_recorded_text(const struct hp_defs *defs);

#endif
