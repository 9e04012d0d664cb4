/* symbol_warmup.h: the symbolizer a profile needs, made ready on a thread of its own while the trace is
 * still being read: the modules of the first stacks opened, their debug information loaded (libdw
 * inflates compressed debug sections on first use: a tenth of a second for libc's).
 *
 * Only the timing changes: the frames, and the warnings and their order, are those the symbolizer
 * gives without it (hp_symbolizer_preload).
 */
#ifndef HP_SYMBOL_WARMUP_H
#define HP_SYMBOL_WARMUP_H

#include <stddef.h>

#include "model/symbolizer.h"
#include "read/trace.h"

struct hp_warmup;

/* Starts symbolizing, on a thread of its own, the addresses of the stacks defs holds so far (the first
 * few), with the modules it knows so far. Both are copied; the strings and segments of the modules
 * are not, and must live until hp_warmup_finish (hp_defs_release frees them). NULL when there is
 * nothing to symbolize or the thread cannot start: the caller then does without. */
struct hp_warmup *hp_warmup_start(const struct hp_defs *defs);

/* Waits for the thread and returns its symbolizer, given the trace's final modules (which begin with
 * those hp_warmup_start saw); NULL when memory ran out. Frees w. */
struct hp_symbolizer *hp_warmup_finish(struct hp_warmup *w, const struct hp_module *modules, size_t nmodules);

/* Waits for the thread and frees everything: the pass failed. */
void hp_warmup_cancel(struct hp_warmup *w);

#endif
