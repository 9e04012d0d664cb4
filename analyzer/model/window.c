/* window.c: parsing `--window FROM..TO` and resolving its bounds against a trace's marks and times. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/window.h"

/* "1.5s", "200ms", "30us", "12ns": 0 with *ns set, -1 when s is not a time. */
static int parse_time(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; double scale; } units[] = {
		{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9},
	};
	char *end;

	if (!(*s >= '0' && *s <= '9') && *s != '.')
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			double t = v * units[i].scale;
			if (t >= 1.8e19)
				return -1;
			*ns = (uint64_t)llround(t);
			return 0;
		}
	return -1;
}

static int parse_bound(struct hp_window_bound *b, const char *s, char *err, size_t errlen)
{
	if (!*s) {
		b->kind = HP_BOUND_OPEN;
		return 0;
	}
	if (parse_time(s, &b->ns) == 0) {
		b->kind = HP_BOUND_TIME;
		return 0;
	}
	/* A leading digit means a time (mark names that start with one cannot be told from a typo). */
	if ((*s >= '0' && *s <= '9') || *s == '.') {
		snprintf(err, errlen, "--window: '%s' is not a time (units: ns, us, ms, s)", s);
		return -1;
	}
	b->kind = HP_BOUND_MARK;
	b->mark = s;
	return 0;
}

int hp_window_parse(struct hp_window *w, const char *spec, char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	const char *dots = strstr(spec, "..");
	if (!dots) {
		snprintf(err, errlen, "--window takes FROM..TO (each a mark name, a time like 1.5s, or empty), not '%s'",
			 spec);
		return -1;
	}
	w->spec = strdup(spec);
	w->buf = strdup(spec);
	if (!w->spec || !w->buf) {
		hp_window_release(w);
		snprintf(err, errlen, "--window: %s", strerror(ENOMEM));
		return -1;
	}
	char *to = w->buf + (dots - spec);
	*to = 0;
	to += 2;
	if (parse_bound(&w->from, w->buf, err, errlen) || parse_bound(&w->to, to, err, errlen)) {
		hp_window_release(w);
		return -1;
	}
	if (w->from.kind == HP_BOUND_TIME && w->to.kind == HP_BOUND_TIME && w->to.ns <= w->from.ns) {
		snprintf(err, errlen, "--window %s: it ends before it starts", spec);
		hp_window_release(w);
		return -1;
	}
	return 0;
}

void hp_window_release(struct hp_window *w)
{
	free(w->spec);
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

void hp_window_begin(struct hp_window_state *s, const struct hp_window *w)
{
	*s = (struct hp_window_state){.w = w, .from_ns = 0, .to_ns = UINT64_MAX, .from_known = true};
	if (!w)
		return;
	if (w->from.kind == HP_BOUND_TIME)
		s->from_ns = w->from.ns;
	s->from_known = w->from.kind != HP_BOUND_MARK;
	if (w->to.kind == HP_BOUND_TIME)
		s->to_ns = w->to.ns;
	s->to_known = w->to.kind != HP_BOUND_MARK;
}

void hp_window_mark(struct hp_window_state *s, const char *name, uint64_t ns)
{
	if (!s->w || !name)
		return;
	if (!s->from_known) {
		if (!strcmp(name, s->w->from.mark)) {
			s->from_ns = ns;
			s->from_known = true;
		}
		return;
	}
	if (!s->to_known && ns >= s->from_ns && !strcmp(name, s->w->to.mark)) {
		s->to_ns = ns;
		s->to_known = true;
	}
}

uint64_t hp_window_clip(const struct hp_window_state *s, uint64_t start, uint64_t end, bool *overlaps)
{
	if (!s->from_known) {
		*overlaps = false;
		return 0;
	}
	if (end <= start) {
		*overlaps = hp_window_has(s, start);
		return 0;
	}
	uint64_t lo = start > s->from_ns ? start : s->from_ns, hi = end < s->to_ns ? end : s->to_ns;
	*overlaps = lo < hi;
	return lo < hi ? hi - lo : 0;
}

int hp_window_finish(const struct hp_window_state *s, uint64_t end_ns, uint64_t *from, uint64_t *len, char *err,
		     size_t errlen)
{
	const struct hp_window *w = s->w;

	*from = 0;
	*len = end_ns;
	if (!w)
		return 0;
	if (!s->from_known) {
		snprintf(err, errlen, "--window %s: no mark '%s' in the trace", w->spec, w->from.mark);
		return -1;
	}
	if (!s->to_known) {
		snprintf(err, errlen, "--window %s: no mark '%s' after the window's start in the trace", w->spec, w->to.mark);
		return -1;
	}
	if (s->from_ns >= end_ns) {
		snprintf(err, errlen, "--window %s: it starts at %.3f s, after the end of the run (%.3f s)", w->spec,
			 (double)s->from_ns / 1e9, (double)end_ns / 1e9);
		return -1;
	}
	uint64_t to = s->to_ns < end_ns ? s->to_ns : end_ns;
	*from = s->from_ns;
	*len = to - s->from_ns;
	return 0;
}
