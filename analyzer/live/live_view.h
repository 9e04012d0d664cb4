/* live_view.h: one frame of the live view, as lines of plain text sized to a terminal.
 *
 * The frame reads the running totals (live_stats.h) and the trace's definitions; rates are over the
 * window that hp_live_window picks. It names only the rows it shows (live_names.h). Escape sequences
 * are the caller's business: the frame is ASCII lines, each at most `cols` bytes.
 */
#ifndef HP_LIVE_VIEW_H
#define HP_LIVE_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "live/live_names.h"
#include "live/live_stats.h"
#include "read/trace.h"

struct hp_live_view {
	const struct hp_live *live;
	const struct hp_defs *defs;
	struct hp_live_names *names;
	uint64_t now_ns;        /* the trace time shown; call hp_live_credit(now_ns) first */
	uint64_t window_min_ns; /* rates: over the window since the latest mark at least this old */
	const char *state;      /* how the process is: "running", "exited with status 3", ... */
	bool ended;             /* the process is gone: this is its final state */
	const char *note;       /* the last line (keys, warnings), or NULL */
	uint64_t trace_bytes;   /* of the trace read so far */
	unsigned cols;          /* line width; below 60 the frame is cut, not folded */
	unsigned rows;          /* at most this many lines (0: no limit, tables get `top` rows) */
	unsigned top;           /* rows per table when rows is 0 */
};

/* Writes the frame to out. 0, or -1 on a write error or when memory runs out. */
int hp_live_render(FILE *out, const struct hp_live_view *v);

#endif
