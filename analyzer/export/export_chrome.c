/* export_chrome.c: the trace as Chrome Trace Event JSON: zone slices per thread, marks, counter tracks.
 *
 * The events come from the pass that builds the profile (a recorder on its observer, which keeps
 * what will be written in trace order); names come from the profile, so they are written after. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export/export.h"
#include "util/grow.h"
#include "util/idmap.h"
#include "util/json_out.h"
#include "model/live_heap.h"
#include "report/report.h"

/* The heap track gets at most one point per this many nanoseconds of the run (and its last value):
 * a storm of allocations would otherwise make a file larger than the trace. */
#define HEAP_POINT_NS 1000000

/* What will be written, one line each, in the order the pass saw it. */
enum item_kind { ITEM_SLICE, ITEM_MARK, ITEM_COUNTER, ITEM_RSS, ITEM_HEAP };

struct item {
	uint8_t kind;    /* enum item_kind */
	uint32_t stream; /* SLICE, MARK */
	uint32_t site;   /* MARK, COUNTER */
	uint64_t ns;     /* SLICE: its start */
	uint64_t value;  /* SLICE: its zone key; COUNTER: the running total (int64_t); RSS, HEAP: bytes */
	uint64_t end_ns; /* SLICE; HEAP: allocations so far */
};

struct hp_chrome_pass {
	struct item *items;
	size_t nitems, cap;
	struct hp_idmap counter_of_site; /* site + 1 → index + 1 in tracks */
	struct counter_track *tracks;
	size_t ntracks, tracks_cap;
	uint64_t next_heap_ns, heap_shown;
	bool heap_pending;
	uint64_t last_ns, heap_bytes;
	uint64_t allocs, allocs_shown; /* blocks added so far (live_heap.h's rule), and at the last point */
};

struct chrome {
	struct hp_jw w;
	const struct hp_profile *p;
	uint32_t pid;
	struct hp_idmap fn_of_addr; /* function address → index + 1 in p->functions */
};

static int add(struct hp_chrome_pass *c, struct item it)
{
	struct item *n = hp_grow(c->items, &c->cap, c->nitems + 1, sizeof(*n));

	if (!n)
		return -1;
	c->items = n;
	c->items[c->nitems++] = it;
	return 0;
}

static int heap_point(struct hp_chrome_pass *c, uint64_t ns)
{
	c->heap_shown = c->heap_bytes;
	c->allocs_shown = c->allocs;
	c->heap_pending = false;
	c->next_heap_ns = ns + HEAP_POINT_NS;
	return add(c, (struct item){.kind = ITEM_HEAP, .ns = ns, .value = c->heap_bytes, .end_ns = c->allocs});
}

/* An HP_COUNT counter's track: its running total, shown at most once per HEAP_POINT_NS as the heap
 * is (a counter bumped in a loop would otherwise write a line per update), and its last value. */
struct counter_track {
	uint32_t site;
	int64_t total;
	uint64_t next_ns, last_ns;
	bool pending;
};

static struct counter_track *track_of(struct hp_chrome_pass *c, uint32_t site)
{
	uint32_t *slot = hp_idmap_slot(&c->counter_of_site, (uint64_t)site + 1, true);

	if (!slot)
		return NULL;
	if (!*slot) {
		struct counter_track *t = hp_grow(c->tracks, &c->tracks_cap, c->ntracks + 1, sizeof(*t));
		if (!t)
			return NULL;
		c->tracks = t;
		t[c->ntracks] = (struct counter_track){.site = site};
		*slot = (uint32_t)++c->ntracks;
	}
	return &c->tracks[*slot - 1];
}

static int counter_point(struct hp_chrome_pass *c, struct counter_track *t, uint64_t ns)
{
	t->pending = false;
	t->next_ns = ns + HEAP_POINT_NS;
	return add(c, (struct item){.kind = ITEM_COUNTER, .site = t->site, .ns = ns, .value = (uint64_t)t->total});
}

static int on_event(void *ctx, const struct hp_event *ev, const struct hp_observed_heap *heap)
{
	struct hp_chrome_pass *c = ctx;
	uint64_t heap_bytes = heap->live_bytes;

	c->last_ns = ev->ns;
	c->heap_bytes = heap_bytes;
	switch (ev->type) {
	case HP_EV_ALLOC:
	case HP_EV_FREE:
	case HP_EV_REALLOC: {
		struct hp_heap_change ch;
		if (hp_heap_change_of(ev, &ch) && ch.adds && ch.added)
			c->allocs++;
		c->heap_pending = heap_bytes != c->heap_shown || c->allocs != c->allocs_shown;
		if (c->heap_pending && ev->ns >= c->next_heap_ns)
			return heap_point(c, ev->ns);
		return 0;
	}
	case HP_EV_MARK:
		return add(c, (struct item){.kind = ITEM_MARK, .stream = ev->stream, .site = ev->site, .ns = ev->ns});
	case HP_EV_COUNTER: {
		struct counter_track *t = track_of(c, ev->site);
		if (!t)
			return -1;
		t->total = hp_counter_add(t->total, ev->value);
		t->last_ns = ev->ns;
		t->pending = true;
		return ev->ns >= t->next_ns ? counter_point(c, t, ev->ns) : 0;
	}
	case HP_EV_SAMPLE:
		return add(c, (struct item){.kind = ITEM_RSS, .ns = ev->ns, .value = ev->sample.rss});
	default:
		return 0;
	}
}

static int on_call(void *ctx, uint32_t stream, uint64_t key, uint64_t start_ns, uint64_t end_ns)
{
	return add(ctx, (struct item){.kind = ITEM_SLICE, .stream = stream, .ns = start_ns, .value = key, .end_ns = end_ns});
}

struct hp_chrome_pass *hp_export_chrome_watch(struct hp_profile_observer *obs)
{
	struct hp_chrome_pass *c = calloc(1, sizeof(*c));

	if (c)
		*obs = (struct hp_profile_observer){on_event, on_call, c};
	return c;
}

void hp_export_chrome_pass_free(struct hp_chrome_pass *c)
{
	if (!c)
		return;
	free(c->items);
	free(c->tracks);
	hp_idmap_free(&c->counter_of_site);
	free(c);
}

/* Microseconds with the nanosecond digits: hp_jw_dbl's six significant digits would round them. */
static void us(struct hp_jw *w, const char *key, uint64_t ns)
{
	hp_jw_key(w, key);
	fprintf(w->f, "%" PRIu64 ".%03u", ns / 1000, (unsigned)(ns % 1000));
}

static uint32_t tid_of(const struct chrome *c, uint32_t stream)
{
	const struct hp_thread_info *t = hp_defs_thread(&c->p->defs, stream);
	return t && t->tid ? t->tid : stream;
}

/* Opens an event object with its common members; end() closes it. */
static void begin(struct chrome *c, const char *name, const char *ph, uint32_t tid)
{
	hp_jw_obj(&c->w, NULL);
	hp_jw_str(&c->w, "name", name ? name : "?");
	hp_jw_str(&c->w, "ph", ph);
	hp_jw_u64(&c->w, "pid", c->pid);
	hp_jw_u64(&c->w, "tid", tid);
}

/* One event per line, so that the file reads and greps line by line. */
static void end(struct chrome *c)
{
	hp_jw_end_obj(&c->w);
	fputc('\n', c->w.f);
}

static const char *zone_name(struct chrome *c, uint64_t key)
{
	if (key & HP_ZONE_FN_KEY) {
		uint32_t *slot = hp_idmap_slot(&c->fn_of_addr, key & ~HP_ZONE_FN_KEY, false);
		return slot && *slot ? c->p->functions[*slot - 1].name : NULL;
	}
	const struct hp_site_def *s = hp_defs_site(&c->p->defs, (uint32_t)key);
	return s ? s->name : NULL;
}

static void slice(struct chrome *c, const struct item *z)
{
	const char *name = zone_name(c, z->value);

	/* Nothing but what places the slice: a 0.9 s run may have 600,000 of them. Where each function
	 * is defined is said once, in otherData.functions; a category only marks instrumented ones. */
	begin(c, name, "X", tid_of(c, z->stream));
	if (z->value & HP_ZONE_FN_KEY)
		hp_jw_str(&c->w, "cat", "function");
	us(&c->w, "ts", z->ns);
	us(&c->w, "dur", z->end_ns > z->ns ? z->end_ns - z->ns : 0);
	end(c);
}

static void counter(struct chrome *c, const char *name, const char *arg, uint64_t ns, int64_t value)
{
	begin(c, name, "C", 0);
	us(&c->w, "ts", ns);
	hp_jw_obj(&c->w, "args");
	hp_jw_i64(&c->w, arg, value);
	hp_jw_end_obj(&c->w);
	end(c);
}

static void metadata(struct chrome *c)
{
	const struct hp_defs *d = &c->p->defs;

	begin(c, "process_name", "M", 0);
	hp_jw_obj(&c->w, "args");
	hp_jw_str(&c->w, "name", d->process.exe ? hp_basename(d->process.exe) : "process");
	hp_jw_end_obj(&c->w);
	end(c);
	for (size_t i = 0; i < d->nthreads; i++) {
		char name[64];
		const char *n = d->threads[i].name;
		if (!n || !*n) {
			snprintf(name, sizeof(name), "thread %" PRIu32, d->threads[i].tid);
			n = name;
		}
		begin(c, "thread_name", "M", d->threads[i].tid ? d->threads[i].tid : d->threads[i].stream);
		hp_jw_obj(&c->w, "args");
		hp_jw_str(&c->w, "name", n);
		hp_jw_end_obj(&c->w);
		end(c);
	}
}

/* Each zone and function once: its kind and where it is defined (the slices carry only its name). */
static void functions(struct chrome *c)
{
	hp_jw_arr(&c->w, "functions");
	for (size_t i = 0; i < c->p->nfunctions; i++) {
		const struct hp_function *fn = &c->p->functions[i];
		hp_jw_obj(&c->w, NULL);
		hp_jw_str(&c->w, "name", fn->name);
		hp_jw_str(&c->w, "kind", fn->fn_addr ? "function" : "zone");
		if (fn->file) {
			hp_jw_str(&c->w, "file", fn->file);
			hp_jw_u64(&c->w, "line", fn->line);
		}
		hp_jw_end_obj(&c->w);
	}
	hp_jw_end_arr(&c->w);
}

/* The heap's peak, as the report gives it: an instant on the process. */
static void peak(struct chrome *c)
{
	const struct hp_summary *s = &c->p->summary;

	if (!s->peak_heap_bytes)
		return;
	begin(c, "heap peak", "i", 0);
	us(&c->w, "ts", s->peak_heap_ns);
	hp_jw_str(&c->w, "s", "p");
	hp_jw_obj(&c->w, "args");
	hp_jw_u64(&c->w, "bytes", s->peak_heap_bytes);
	hp_jw_end_obj(&c->w);
	end(c);
}

static void write_item(struct chrome *c, const struct item *it)
{
	const struct hp_site_def *site = it->kind == ITEM_MARK || it->kind == ITEM_COUNTER ? hp_defs_site(&c->p->defs, it->site)
											   : NULL;

	switch ((enum item_kind)it->kind) {
	case ITEM_SLICE:
		slice(c, it);
		break;
	case ITEM_MARK:
		begin(c, site ? site->name : NULL, "i", tid_of(c, it->stream));
		us(&c->w, "ts", it->ns);
		hp_jw_str(&c->w, "s", "t");
		end(c);
		break;
	case ITEM_COUNTER:
		counter(c, site ? site->name : NULL, "value", it->ns, (int64_t)it->value);
		break;
	case ITEM_RSS:
		counter(c, "RSS", "bytes", it->ns, (int64_t)it->value);
		break;
	case ITEM_HEAP:
		/* The allocation count along the heap: a trace without zones still shows its activity. */
		counter(c, "heap", "bytes", it->ns, (int64_t)it->value);
		counter(c, "allocations", "count", it->ns, (int64_t)it->end_ns);
		break;
	}
}

int hp_export_chrome(FILE *out, const struct hp_profile *p, struct hp_chrome_pass *pass, char *err, size_t errlen)
{
	struct chrome c = {.w = {.f = out, .compact = true}, .p = p, .pid = p->defs.process.pid};
	int rc = -1;

	/* The last values, if no point showed them yet. */
	if (pass->heap_pending && heap_point(pass, pass->last_ns))
		goto oom;
	for (size_t i = 0; i < pass->ntracks; i++)
		if (pass->tracks[i].pending && counter_point(pass, &pass->tracks[i], pass->tracks[i].last_ns))
			goto oom;
	for (size_t i = 0; i < p->nfunctions; i++) {
		if (!p->functions[i].fn_addr)
			continue;
		uint32_t *slot = hp_idmap_slot(&c.fn_of_addr, p->functions[i].fn_addr, true);
		if (!slot)
			goto oom;
		*slot = (uint32_t)i + 1;
	}
	hp_jw_obj(&c.w, NULL);
	hp_jw_str(&c.w, "displayTimeUnit", "ms");
	hp_jw_obj(&c.w, "otherData");
	hp_jw_str(&c.w, "producer", "hookprof");
	hp_jw_str(&c.w, "trace", p->path);
	functions(&c);
	hp_jw_end_obj(&c.w);
	hp_jw_arr(&c.w, "traceEvents");
	fputc('\n', out);
	metadata(&c);
	peak(&c);
	for (size_t i = 0; i < pass->nitems && !ferror(out); i++)
		write_item(&c, &pass->items[i]);
	hp_jw_end_arr(&c.w);
	hp_jw_end_obj(&c.w);
	fputc('\n', out);
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory while exporting", p->path);
out:
	hp_idmap_free(&c.fn_of_addr);
	return rc;
}
