/* report.c: prepares a report (score, rules, warnings) and formats values the same way in every format. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpt_format.h"
#include "report/elide.h"
#include "report/report.h"
#include "report/rules.h"
#include "read/trace_warnings.h"
#include "util/grow.h"

int hp_report_warn(struct hp_report *r, const char *fmt, ...)
{
	va_list ap;
	char *line;

	char **nw = hp_grow(r->warnings, &r->warnings_cap, r->nwarnings + 1, sizeof(*nw));
	if (!nw)
		return -1;
	r->warnings = nw;
	va_start(ap, fmt);
	int rc = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -1;
	r->warnings[r->nwarnings++] = line;
	return 0;
}

void hp_report_release(struct hp_report *r)
{
	for (size_t i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	free(r->recs);
	memset(r, 0, sizeof(*r));
}

static int add_warning(void *ctx, const char *line)
{
	return hp_report_warn(ctx, "%s", line);
}

int hp_report_init(struct hp_report *r, struct hp_profile *p, const struct hp_config *cfg)
{
	int rc = 0;

	memset(r, 0, sizeof(*r));
	r->profile = p;
	r->cfg = cfg;
	hp_score_profile(p, cfg, &r->score);
	if (hp_rules_run(p, cfg, &r->recs, &r->nrecs) < 0)
		goto fail;

	/* Every warning names the trace: they are also printed on stderr, where several traces mix. */
	rc = hp_profile_warnings(p, add_warning, r);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	hp_report_release(r);
	return -1;
}

/* ---- values ---- */

/* v in the largest of the units 1, 1e3, 1e6, 1e9 it reaches (below 1000: the first), with that unit's
 * number of decimals and name. */
static char *fmt_scaled(char *buf, double v, const int decimals[4], const char *const unit[4])
{
	static const double scale[] = {1, 1e3, 1e6, 1e9};
	int u = 0;

	while (u < 3 && !(v < scale[u + 1]))
		u++;
	snprintf(buf, HP_FMT_MAX, "%.*f%s", decimals[u], v / scale[u], unit[u]);
	return buf;
}

char *hp_fmt_ns(char *buf, uint64_t ns)
{
	static const int decimals[] = {0, 2, 2, 3};
	static const char *const unit[] = {" ns", " \xc2\xb5s", " ms", " s"}; /* µs */

	return fmt_scaled(buf, (double)ns, decimals, unit);
}

char *hp_fmt_bytes(char *buf, uint64_t bytes)
{
	static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, HP_FMT_MAX, "%" PRIu64 " B", bytes);
		return buf;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, HP_FMT_MAX, "%.1f %s", v, unit[u]);
	return buf;
}

char *hp_fmt_si(char *buf, double v)
{
	static const int decimals[] = {0, 1, 2, 2};
	static const char *const unit[] = {"", "k", "M", "G"};

	return fmt_scaled(buf, v, decimals, unit);
}

char *hp_fmt_pct(char *buf, double share)
{
	snprintf(buf, HP_FMT_MAX, "%.1f%%", share * 100);
	return buf;
}

char *hp_fmt_component(char *buf, const struct hp_score_component *c)
{
	char t[HP_FMT_MAX];

	if (!c->applies) {
		snprintf(buf, HP_FMT_MAX, "n/a");
		return buf;
	}
	switch (c->unit) {
	case HP_UNIT_PER_SECOND:
		snprintf(buf, HP_FMT_MAX, "%s/s", hp_fmt_si(t, c->value));
		break;
	case HP_UNIT_SHARE:
		hp_fmt_pct(buf, c->value);
		break;
	case HP_UNIT_RATIO:
		snprintf(buf, HP_FMT_MAX, "%.1fx", c->value);
		break;
	}
	return buf;
}

const char *hp_basename(const char *path)
{
	if (!path)
		return NULL;
	const char *s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

char *hp_fmt_frame(char *buf, size_t len, const struct hp_frame *f)
{
	const char *mod = hp_basename(f->module);

	if (f->function && f->file && f->line)
		hp_fmt_fit(buf, len, "%s (%s:%u)", f->function, hp_basename(f->file), f->line);
	else if (f->function && f->file)
		hp_fmt_fit(buf, len, "%s (%s)", f->function, hp_basename(f->file));
	else if (f->function && mod)
		hp_fmt_fit(buf, len, "%s (in %s)", f->function, mod);
	else if (f->function)
		hp_fmt_fit(buf, len, "%s", f->function);
	else if (mod) /* the same in every run, unlike ip under ASLR; as in folded and pprof */
		hp_fmt_fit(buf, len, "%s+0x%" PRIx64, mod, f->module_offset);
	else
		hp_fmt_fit(buf, len, "0x%" PRIx64, f->ip);
	return buf;
}

/* The caller that says which site this is when others start at the same frame: the first named frame
 * below the program's first that is another function. Frames of the same function (a helper inlined
 * into it, a recursion) say nothing more: python3's sites read "PyUnicode_New (unicodeobject.c:1425)
 * from PyUnicode_New (unicodeobject.c:1366)". With no such frame, the one below the program's first. */
static const struct hp_frame *caller_frame(const struct hp_stack_frames *s)
{
	size_t user = hp_user_frame_index(s), at = user + 1;
	const char *self = s->frames[user]->function;

	for (size_t k = at; k < s->nframes; k++) {
		const char *fn = s->frames[k]->function;
		if (fn && (!self || strcmp(fn, self) != 0))
			return s->frames[k];
	}
	return at < s->nframes ? s->frames[at] : NULL;
}

void hp_site_place(const struct hp_stack_frames *s, uint32_t stack_id, uint64_t place[2])
{
	const struct hp_frame *f = hp_user_frame(s), *c = f ? caller_frame(s) : NULL;

	place[0] = f ? f->ip : 0;
	place[1] = f ? (c ? c->ip : 0) : stack_id; /* no frame known: the stack is the place */
}

char *hp_fmt_site(char *buf, size_t len, const struct hp_stack_frames *s, uint32_t stack_id)
{
	const struct hp_frame *f = hp_user_frame(s);
	char caller[2048];

	if (!f) {
		hp_fmt_fit(buf, len, "stack #%" PRIu32, stack_id);
		return buf;
	}
	hp_fmt_frame(buf, len, f);
	const struct hp_frame *d = s->user_frame_shared ? caller_frame(s) : NULL;
	if (d) {
		size_t used = strlen(buf);
		hp_fmt_fit(buf + used, len - used, " from %s", hp_fmt_frame(caller, sizeof(caller), d));
	}
	return buf;
}

char *hp_fmt_function(char *buf, size_t len, const struct hp_function *f)
{
	const char *name = f->name ? f->name : "?";

	if (f->file && f->line)
		hp_fmt_fit(buf, len, "%s (%s:%u)", name, hp_basename(f->file), f->line);
	else if (f->file)
		hp_fmt_fit(buf, len, "%s (%s)", name, hp_basename(f->file));
	else
		hp_fmt_fit(buf, len, "%s", name);
	return buf;
}

const char *hp_leak_kind_name(enum hp_leak_kind k)
{
	switch (k) {
	case HP_LEAK_DEFINITE:
		return "definite";
	case HP_LEAK_INDIRECT:
		return "indirect";
	case HP_LEAK_POSSIBLE:
		return "possible";
	case HP_LEAK_REACHABLE:
		return "reachable";
	default:
		return "unclassified";
	}
}

const char *hp_leak_kind_phrase(enum hp_leak_kind k)
{
	switch (k) {
	case HP_LEAK_DEFINITE:
		return "definitely lost";
	case HP_LEAK_INDIRECT:
		return "indirectly lost";
	case HP_LEAK_POSSIBLE:
		return "possibly lost";
	case HP_LEAK_REACHABLE:
		return "still reachable";
	default:
		return "still allocated at exit (not classified)";
	}
}

const char *hp_severity_name(enum hp_severity s)
{
	return s == HP_SEV_CRITICAL ? "critical" : s == HP_SEV_WARNING ? "warning" : "info";
}

const char *hp_end_how_name(uint32_t how)
{
	switch (how) {
	case HPT_END_EXIT:
		return "exit";
	case HPT_END_SIGNAL:
		return "signal";
	case HPT_END_EXEC:
		return "exec";
	case HPT_END__EXIT:
		return "_exit";
	default:
		return "unknown";
	}
}

const char *hp_thread_scan_name(unsigned how)
{
	static const char *const names[] = {"stopped", "exiting", "whole_stack", "not_found"};
	return how < 4 ? names[how] : "unknown";
}

const char *hp_thread_unstopped_name(unsigned why)
{
	static const char *const names[] = {NULL, "blocks_signal", "no_answer", "no_signal"};
	return why < 4 ? names[why] : "unknown";
}

char *hp_scan_threads_text(const struct hp_scan_summary *sc, char *buf, size_t len)
{
	static const char *const what[] = {
		"stopped (registers, stack from the stack pointer)",
		"ended the process (registers, stack from the frame that called exit)",
		"not stopped: whole stack read",
		"not stopped, stack not found (all mapped memory read whole)",
	};
	static const char *const why[] = {"", "blocks the stop signal", "did not answer", "no stop signal"};
	size_t count[4] = {0}, at = 0;

	for (size_t i = 0; i < sc->nthreads; i++)
		count[sc->threads[i].how < 4 ? sc->threads[i].how : 3]++;
	at += (size_t)snprintf(buf, len, "%zu thread%s", sc->nthreads, sc->nthreads == 1 ? "" : "s");
	const char *sep = ": ";
	for (int h = 0; h < 4 && at < len; h++) {
		if (!count[h])
			continue;
		at += (size_t)snprintf(buf + at, len - at, "%s%zu %s", sep, count[h], what[h]);
		sep = ", ";
		if (h < HPT_THREAD_WHOLE_STACK)
			continue;
		unsigned shown = 0;
		for (size_t i = 0; i < sc->nthreads && at < len; i++) {
			const struct hp_scan_thread *t = &sc->threads[i];
			if (t->how != h || shown++ >= 8)
				continue;
			at += (size_t)snprintf(buf + at, len - at, "%s%" PRIu32 "%s%s", shown == 1 ? " (tid " : ", ", t->tid,
					       t->unstopped < 4 && t->unstopped ? " " : "",
					       t->unstopped < 4 ? why[t->unstopped] : "");
		}
		if (shown && at < len)
			at += (size_t)snprintf(buf + at, len - at, "%s)", shown > 8 ? ", ..." : "");
	}
	return buf;
}

/* ---- tables ---- */

uint64_t hp_site_order_value(const struct hp_alloc_costs *c, uint64_t reallocs, enum hp_site_order key)
{
	switch (key) {
	case HP_BY_COUNT:
		return c->allocs;
	case HP_BY_BYTES:
		return c->bytes;
	case HP_BY_PEAK:
		return c->peak_bytes;
	case HP_BY_TEMPORARY:
		return c->temporary;
	case HP_BY_REALLOCS:
		return reallocs;
	}
	return 0;
}

static uint64_t site_key(const struct hp_alloc_site *s, enum hp_site_order key)
{
	struct hp_alloc_costs c = {0};

	hp_alloc_costs_add(&c, s);
	return hp_site_order_value(&c, s->reallocs, key);
}

static int cmp_site_idx(const void *a, const void *b, void *ctx)
{
	const struct hp_profile *p = ((const void **)ctx)[0];
	enum hp_site_order key = *(const enum hp_site_order *)((const void **)ctx)[1];
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	uint64_t x = site_key(&p->sites[i], key), y = site_key(&p->sites[j], key);

	if (x != y)
		return x > y ? -1 : 1;
	if (p->sites[i].bytes != p->sites[j].bytes)
		return p->sites[i].bytes > p->sites[j].bytes ? -1 : 1;
	return i < j ? -1 : i > j;
}

size_t hp_report_sites_by(const struct hp_profile *p, enum hp_site_order key, size_t *idx)
{
	const void *ctx[2] = {p, &key};
	size_t nonzero = 0;

	for (size_t i = 0; i < p->nsites; i++) {
		idx[i] = i;
		nonzero += site_key(&p->sites[i], key) > 0;
	}
	if (p->nsites > 1)
		qsort_r(idx, p->nsites, sizeof(*idx), cmp_site_idx, (void *)ctx);
	return nonzero;
}

int hp_report_sites_shown(const struct hp_profile *p, size_t top, bool *keep)
{
	size_t *idx = malloc((p->nsites ? p->nsites : 1) * sizeof(*idx));

	if (!idx)
		return -1;
	memset(keep, top == 0, p->nsites * sizeof(*keep));
	for (int k = HP_BY_COUNT; k <= HP_BY_REALLOCS; k++) {
		size_t nz = hp_report_sites_by(p, (enum hp_site_order)k, idx);
		for (size_t i = 0; i < hp_report_rows(nz, top); i++)
			keep[idx[i]] = true;
	}
	free(idx);
	return 0;
}

size_t hp_report_rows(size_t n, size_t top)
{
	return top && top < n ? top : n;
}
