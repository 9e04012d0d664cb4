/* window.h: a measurement window, `--window FROM..TO`: each side a mark name, a time since the process started, or empty.
 *
 * The window restricts what profile_build.c counts (docs/report-guide.md, "Windows"): events inside
 * it are counted, zone calls count the part of their time inside it. A side given as a mark is the
 * first HP_MARK of that name (for TO: the first one after the window opened, so `tick..tick` is the
 * stretch between the first two). A time is a number with a unit: ns, us, ms or s ("1.5s", "200ms");
 * a side that starts with a digit is a time, never a mark name.
 */
#ifndef HP_WINDOW_H
#define HP_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hp_bound_kind { HP_BOUND_OPEN, HP_BOUND_TIME, HP_BOUND_MARK };

struct hp_window_bound {
	enum hp_bound_kind kind;
	uint64_t ns;      /* HP_BOUND_TIME */
	const char *mark; /* HP_BOUND_MARK: points into the window's spec copy */
};

struct hp_window {
	char *spec; /* "FROM..TO" as given */
	char *buf;  /* the spec split in two: the marks point into it */
	struct hp_window_bound from, to;
};

/* Parses spec. 0, or -1 with one line in err (no ".." in it, a time before its unit is malformed,
 * TO before FROM). Release with hp_window_release. */
int hp_window_parse(struct hp_window *w, const char *spec, char *err, size_t errlen);
void hp_window_release(struct hp_window *w);

/* One trace's window while it is read: its bounds in process time, resolved as the marks go by.
 * Without a window (w NULL) every event is inside. */
struct hp_window_state {
	const struct hp_window *w;
	uint64_t from_ns, to_ns; /* to_ns UINT64_MAX while open-ended or unresolved */
	bool from_known, to_known;
};

void hp_window_begin(struct hp_window_state *s, const struct hp_window *w);
/* A mark named name at ns: resolves a bound waiting for it. */
void hp_window_mark(struct hp_window_state *s, const char *name, uint64_t ns);

/* Whether an event at ns is inside. */
static inline bool hp_window_has(const struct hp_window_state *s, uint64_t ns)
{
	return s->from_known && ns >= s->from_ns && ns < s->to_ns;
}

/* The time of [start, end] inside the window; *overlaps: whether it has any (a call of zero length
 * overlaps when its instant is inside). */
uint64_t hp_window_clip(const struct hp_window_state *s, uint64_t start, uint64_t end, bool *overlaps);

/* After the pass, with end_ns the run's end: 0, or -1 with one line in err when a mark was never
 * seen or the window starts after the end. *from and *len: the window in process time. */
int hp_window_finish(const struct hp_window_state *s, uint64_t end_ns, uint64_t *from, uint64_t *len, char *err,
		     size_t errlen);

#endif
