/* live_view.c: lays out a frame of the live view: a summary, the hottest zones, the largest live sites. */
#include "live/live_view.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "read/trace_warnings.h"
#include "report/elide.h"
#include "report/report.h"

#define NUM_W 10                    /* a number column */
#define NUMS_W (4 * (NUM_W + 1) + 2) /* four of them, with the " |" between window and total */
#define MIN_NAME_W 16
#define LINE_MAX 1024

/* "µ" in UTF-8, of "µs": the one character beyond printable ASCII a line keeps. */
#define MICRO "\xc2\xb5"

/* Prints one line cut to cols (the frame's lines never wrap: a terminal would scroll). Names come
 * from the trace: a byte that is not printable ASCII becomes '?', so that no name can send the
 * terminal an escape sequence, and a byte is a column; "µ" alone is kept, as one column. */
__attribute__((format(printf, 3, 4))) static void line(FILE *out, unsigned cols, const char *fmt, ...)
{
	char buf[LINE_MAX];
	va_list ap;
	unsigned col = 0;
	char *p = buf;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (; *p && col < cols; p++, col++) {
		if (!strncmp(p, MICRO, 2))
			p++;
		else if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	}
	*p = 0;
	fprintf(out, "%s\n", buf);
}

/* The printf width that pads s to cols columns ("µ" is two bytes, one column). */
static int pad(const char *s, int cols)
{
	return cols + (int)(strlen(s) - hp_text_width(s));
}

/* A count in a column: exact up to ten digits, then "12.3G". */
static char *fmt_count(char *buf, uint64_t v)
{
	if (v < 10000000000ull)
		snprintf(buf, HP_FMT_MAX, "%" PRIu64, v);
	else
		hp_fmt_si(buf, (double)v);
	return buf;
}

/* "last 1.0 s", or "whole run" when the window starts where the trace does. */
static char *fmt_window(char *buf, uint64_t start_ns, uint64_t len_ns)
{
	if (start_ns == 0)
		snprintf(buf, HP_FMT_MAX, "whole run");
	else
		snprintf(buf, HP_FMT_MAX, "last %.1f s", (double)len_ns / 1e9);
	return buf;
}

/* name cut to width w, marked with ".." when cut. */
static const char *fit(char *buf, size_t len, const char *name, size_t w)
{
	size_t n = strlen(name);

	if (w >= len)
		w = len - 1;
	if (n <= w)
		return name;
	if (w < 3)
		w = 3;
	memcpy(buf, name, w - 2);
	memcpy(buf + w - 2, "..", 3);
	return buf;
}

static double per_second(uint64_t count, uint64_t ns)
{
	return ns ? (double)count * 1e9 / (double)ns : 0;
}

/* A rate in bytes as the formatter takes it: a trace may claim sizes whose rate no uint64_t holds. */
static uint64_t bytes_per_second(uint64_t bytes, uint64_t ns)
{
	double r = per_second(bytes, ns);

	return r < 18446744073709549568.0 ? (uint64_t)r : UINT64_MAX;
}

static void summary(FILE *out, const struct hp_live_view *v, const struct hp_live_counts *from, const char *win,
		    uint64_t win_ns)
{
	const struct hp_live *l = v->live;
	const struct hp_process_info *pi = &v->defs->process;
	const char *prog = pi->exe && pi->exe[0] ? hp_basename(pi->exe) : pi->argc > 0 ? pi->argv[0] : NULL;
	char a[HP_FMT_MAX], b[HP_FMT_MAX], c[HP_FMT_MAX], d[HP_FMT_MAX], e[HP_FMT_MAX], title[LINE_MAX], cut[LINE_MAX];

	if (prog)
		snprintf(title, sizeof(title), "hookprof top: %s (pid %" PRIu32 "), %s", prog, pi->pid, v->state);
	else
		snprintf(title, sizeof(title), "hookprof top: %s", v->state);
	/* The elapsed time at the right edge, the title cut before it rather than it cut off. */
	snprintf(b, sizeof(b), "elapsed %s", hp_fmt_ns(a, v->now_ns));
	size_t room = v->cols > strlen(b) + 1 ? v->cols - strlen(b) - 1 : 0;
	const char *head = fit(cut, sizeof(cut), title, room);
	line(out, v->cols, "%-*s %s", (int)room, head, b);

	if (hp_allocs_not_recorded(v->defs)) /* unknown, not zero */
		line(out, v->cols, "heap      allocations %s%s%s", hp_allocs_not_recorded_text(v->defs),
		     pi->malloc_owner ? ": " : "", pi->malloc_owner ? pi->malloc_owner : "");
	else
		line(out, v->cols, "heap      %s now, %s peak, %s live blocks", hp_fmt_bytes(a, l->heap_bytes),
		     hp_fmt_bytes(b, l->heap_peak), fmt_count(c, l->heap.used));
	hp_fmt_si(a, per_second(l->total.allocs - from->allocs, win_ns));
	hp_fmt_bytes(b, bytes_per_second(l->total.bytes - from->bytes, win_ns));
	line(out, v->cols, "rate      %s allocs/s, %s/s (%s)", a, b, win);
	line(out, v->cols, "allocs    %s (%s), %s frees; %s events recorded, %s lost", fmt_count(a, l->total.allocs),
	     hp_fmt_bytes(b, l->total.bytes), fmt_count(c, l->total.frees), fmt_count(d, l->events),
	     fmt_count(e, l->lost));
	if (l->have_sample) {
		uint64_t cpu_win = l->total.cpu_at_ns > from->cpu_at_ns ? l->total.cpu_at_ns - from->cpu_at_ns : 0;
		double cpu = cpu_win ? (double)(l->total.cpu_ns - from->cpu_ns) / (double)cpu_win : 0;
		double avg = l->total.cpu_at_ns ? (double)l->total.cpu_ns / (double)l->total.cpu_at_ns : 0;
		line(out, v->cols, "process   RSS %s, peak %s; CPU %s (%s), %s on average", hp_fmt_bytes(a, l->rss),
		     hp_fmt_bytes(b, l->rss_peak), hp_fmt_pct(c, cpu), win, hp_fmt_pct(d, avg));
	} else {
		line(out, v->cols, "process   no process samples recorded");
	}

	/* Threads: how many, and the names of those running. */
	size_t running = 0, ended = 0, used = 0;
	title[0] = 0;
	for (size_t i = 0; i < v->defs->nthreads; i++) {
		const struct hp_thread_info *t = &v->defs->threads[i];
		if (t->stream == 0)
			continue;
		if (t->ended) {
			ended++;
			continue;
		}
		running++;
		if (used < sizeof(title) - 64) {
			int n = t->name ? snprintf(title + used, sizeof(title) - used, "%s%s", used ? ", " : "", t->name)
					: snprintf(title + used, sizeof(title) - used, "%stid %" PRIu32, used ? ", " : "", t->tid);
			used += n > 0 ? (size_t)n : 0;
		}
	}
	hp_fmt_bytes(a, v->trace_bytes);
	/* Once the process is gone, its threads that had not ended were alive at its end, not running. */
	line(out, v->cols, "threads   %zu %s%s%s%s, %zu ended; trace %s read", running, v->ended ? "at the end" : "running",
	     used ? " (" : "", title, used ? ")" : "", ended, a);
}

/* ---- zones ----------------------------------------------------------------------------------- */

struct zone_row {
	const struct hp_live_zone *z;
	uint64_t win_calls, win_ns;
};

static int cmp_zone(const void *x, const void *y)
{
	const struct zone_row *a = x, *b = y;

	if (a->win_ns != b->win_ns)
		return a->win_ns < b->win_ns ? 1 : -1;
	if (a->z->ns != b->z->ns)
		return a->z->ns < b->z->ns ? 1 : -1;
	if (a->z->calls != b->z->calls)
		return a->z->calls < b->z->calls ? 1 : -1;
	return a->z->key < b->z->key ? -1 : a->z->key > b->z->key;
}

static void zones(FILE *out, const struct hp_live_view *v, const struct zone_row *rows, size_t n, size_t name_w)
{
	char name[LINE_MAX], a[HP_FMT_MAX], b[HP_FMT_MAX], c[HP_FMT_MAX], d[HP_FMT_MAX];

	line(out, v->cols, "%-*s %*s %*s | %*s %*s", (int)name_w, "ZONE (last window | in all)", NUM_W, "CALLS",
	     NUM_W, "TIME", NUM_W, "CALLS", NUM_W, "TIME");
	if (!n) {
		line(out, v->cols, "  no zones recorded (HP_ZONE, HP_FUNC, or -finstrument-functions)");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct hp_live_zone *z = rows[i].z;
		const char *label = hp_live_zone_name(v->names, v->defs, z->key);
		hp_fmt_ns(b, rows[i].win_ns);
		hp_fmt_ns(d, z->ns);
		line(out, v->cols, "%-*s %*s %*s | %*s %*s", (int)name_w, fit(name, sizeof(name), label, name_w), NUM_W,
		     fmt_count(a, rows[i].win_calls), pad(b, NUM_W), b, NUM_W, fmt_count(c, z->calls), pad(d, NUM_W), d);
	}
}

/* ---- sites ----------------------------------------------------------------------------------- */

static int cmp_site(const void *x, const void *y)
{
	const struct hp_live_site *a = *(const struct hp_live_site *const *)x, *b = *(const struct hp_live_site *const *)y;

	if (a->live_bytes != b->live_bytes)
		return a->live_bytes < b->live_bytes ? 1 : -1;
	if (a->allocs != b->allocs)
		return a->allocs < b->allocs ? 1 : -1;
	return a->stack < b->stack ? -1 : a->stack > b->stack;
}

struct site_name {
	char name[512];
	char caller[512];
};

static int sites(FILE *out, const struct hp_live_view *v, const struct hp_live_site *const *rows, size_t n,
		 size_t name_w)
{
	char cut[LINE_MAX], full[1100], a[HP_FMT_MAX], b[HP_FMT_MAX], c[HP_FMT_MAX], d[HP_FMT_MAX];
	struct site_name *names = n ? calloc(n, sizeof(*names)) : NULL;

	line(out, v->cols, "%-*s %*s %*s | %*s %*s", (int)name_w, "ALLOCATION SITE (live | in all)", NUM_W, "BYTES",
	     NUM_W, "BLOCKS", NUM_W, "ALLOCS", NUM_W, "BYTES");
	if (!n) {
		line(out, v->cols, "  no live blocks");
		return 0;
	}
	if (!names)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *caller;
		const char *s = hp_live_site_name(v->names, v->defs, rows[i]->stack, &caller);
		snprintf(names[i].name, sizeof(names[i].name), "%s", s);
		snprintf(names[i].caller, sizeof(names[i].caller), "%s", caller);
	}
	for (size_t i = 0; i < n; i++) {
		/* Two rows at the same place (an allocation wrapper): say who called it. */
		bool shared = false;
		for (size_t k = 0; k < n && !shared; k++)
			shared = k != i && !strcmp(names[k].name, names[i].name);
		if (shared && names[i].caller[0])
			snprintf(full, sizeof(full), "%s from %s", names[i].name, names[i].caller);
		else
			snprintf(full, sizeof(full), "%s", names[i].name);
		const struct hp_live_site *s = rows[i];
		line(out, v->cols, "%-*s %*s %*s | %*s %*s", (int)name_w, fit(cut, sizeof(cut), full, name_w), NUM_W,
		     hp_fmt_bytes(a, s->live_bytes), NUM_W, fmt_count(b, s->live_blocks), NUM_W, fmt_count(c, s->allocs),
		     NUM_W, hp_fmt_bytes(d, s->bytes));
	}
	free(names);
	return 0;
}

/* ---- the frame ------------------------------------------------------------------------------- */

/* How many rows each table gets: all they have when rows allow, else shared, zones first. */
static void budget(const struct hp_live_view *v, size_t nz, size_t ns, size_t fixed, size_t *z, size_t *s)
{
	if (!v->rows) {
		*z = nz < v->top ? nz : v->top;
		*s = ns < v->top ? ns : v->top;
		return;
	}
	size_t avail = v->rows > fixed ? v->rows - fixed : 0;
	size_t half = avail / 2, rest_z = avail > ns ? avail - ns : 0;
	size_t want_z = half > rest_z ? half : rest_z;

	*z = nz < want_z ? nz : want_z;
	*s = ns < avail - *z ? ns : avail - *z;
}

int hp_live_render(FILE *out, const struct hp_live_view *v)
{
	const struct hp_live *l = v->live;
	unsigned w = hp_live_window(l, v->now_ns, v->window_min_ns);
	const struct hp_live_counts *from = &l->mark[w];
	uint64_t win_ns = v->now_ns > from->ns ? v->now_ns - from->ns : 0;
	struct zone_row *zr = l->nzones ? calloc(l->nzones, sizeof(*zr)) : NULL;
	const struct hp_live_site **sr = l->nsites ? calloc(l->nsites, sizeof(*sr)) : NULL;
	size_t nz = 0, ns = 0, show_z, show_s;
	char win[HP_FMT_MAX];
	int rc = -1;

	if ((l->nzones && !zr) || (l->nsites && !sr))
		goto out;
	for (size_t i = 0; i < l->nzones; i++) {
		const struct hp_live_zone *z = &l->zones[i];
		zr[nz++] = (struct zone_row){z, z->calls - z->calls_at[w], z->ns - z->ns_at[w]};
	}
	if (nz)
		qsort(zr, nz, sizeof(*zr), cmp_zone);
	for (size_t i = 0; i < l->nsites; i++)
		if (l->sites[i].live_bytes)
			sr[ns++] = &l->sites[i];
	if (ns)
		qsort(sr, ns, sizeof(*sr), cmp_site);

	/* Six summary lines, a header and at least one line per table, the note. */
	size_t fixed = 6 + 2 + 2 + (nz ? 0 : 1) + (ns ? 0 : 1) + (v->note ? 1 : 0);
	budget(v, nz, ns, fixed, &show_z, &show_s);
	size_t name_w = v->cols > NUMS_W + MIN_NAME_W ? v->cols - NUMS_W : MIN_NAME_W;

	summary(out, v, from, fmt_window(win, from->ns, win_ns), win_ns);
	line(out, v->cols, "%s", "");
	zones(out, v, zr, show_z, name_w);
	line(out, v->cols, "%s", "");
	if (sites(out, v, sr, show_s, name_w))
		goto out;
	if (v->note)
		line(out, v->cols, "%s", v->note);
	rc = ferror(out) ? -1 : 0;
out:
	free(zr);
	free(sr);
	return rc;
}
