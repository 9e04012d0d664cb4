/* export_chrome.c: the trace as Chrome Trace Event JSON: zone slices per thread, marks, counter tracks.
 *
 * The events come from the pass that builds the profile (a recorder on its observer, which keeps
 * what will be written in trace order); names come from the profile, so they are written after. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export/export.h"
#include "util/idmap.h"
#include "util/json_out.h"
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
	uint64_t end_ns; /* SLICE */
};

struct hp_chrome_pass {
	struct item *items;
	size_t nitems, cap;
	struct hp_idmap counter_of_site; /* site + 1 → index + 1 in totals */
	int64_t *totals;
	size_t ntotals;
	uint64_t next_heap_ns, heap_shown;
	bool heap_pending;
	uint64_t last_ns, heap_bytes;
};

struct chrome {
	struct hp_jw w;
	const struct hp_profile *p;
	uint32_t pid;
	struct hp_idmap fn_of_addr; /* function address → index + 1 in p->functions */
};

static int add(struct hp_chrome_pass *c, struct item it)
{
	if (c->nitems == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 1024;
		struct item *n = realloc(c->items, cap * sizeof(*n));
		if (!n)
			return -1;
		c->items = n;
		c->cap = cap;
	}
	c->items[c->nitems++] = it;
	return 0;
}

static int heap_point(struct hp_chrome_pass *c, uint64_t ns)
{
	c->heap_shown = c->heap_bytes;
	c->heap_pending = false;
	c->next_heap_ns = ns + HEAP_POINT_NS;
	return add(c, (struct item){.kind = ITEM_HEAP, .ns = ns, .value = c->heap_bytes});
}

/* The running total of an HP_COUNT counter after adding value; NULL when memory runs out. */
static int64_t *counter_total(struct hp_chrome_pass *c, uint32_t site, int64_t value)
{
	uint32_t *slot = hp_idmap_slot(&c->counter_of_site, (uint64_t)site + 1, true);

	if (!slot)
		return NULL;
	if (!*slot) {
		int64_t *t = realloc(c->totals, (c->ntotals + 1) * sizeof(*t));
		if (!t)
			return NULL;
		c->totals = t;
		t[c->ntotals] = 0;
		*slot = (uint32_t)++c->ntotals;
	}
	c->totals[*slot - 1] = hp_counter_add(c->totals[*slot - 1], value);
	return &c->totals[*slot - 1];
}

static int on_event(void *ctx, const struct hp_event *ev, uint64_t heap_bytes)
{
	struct hp_chrome_pass *c = ctx;

	c->last_ns = ev->ns;
	c->heap_bytes = heap_bytes;
	switch (ev->type) {
	case HP_EV_ALLOC:
	case HP_EV_FREE:
	case HP_EV_REALLOC:
		c->heap_pending = heap_bytes != c->heap_shown;
		if (c->heap_pending && ev->ns >= c->next_heap_ns)
			return heap_point(c, ev->ns);
		return 0;
	case HP_EV_MARK:
		return add(c, (struct item){.kind = ITEM_MARK, .stream = ev->stream, .site = ev->site, .ns = ev->ns});
	case HP_EV_COUNTER: {
		int64_t *total = counter_total(c, ev->site, ev->value);
		if (!total)
			return -1;
		return add(c, (struct item){.kind = ITEM_COUNTER, .site = ev->site, .ns = ev->ns, .value = (uint64_t)*total});
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
	free(c->totals);
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

static const char *zone_name(struct chrome *c, uint64_t key, const char **file, unsigned *line)
{
	*file = NULL;
	*line = 0;
	if (key & HP_ZONE_FN_KEY) {
		uint32_t *slot = hp_idmap_slot(&c->fn_of_addr, key & ~HP_ZONE_FN_KEY, false);
		const struct hp_function *f = slot && *slot ? &c->p->functions[*slot - 1] : NULL;
		if (!f)
			return NULL;
		*file = f->file;
		*line = f->line;
		return f->name;
	}
	const struct hp_site_def *s = hp_defs_site(&c->p->defs, (uint32_t)key);
	if (!s)
		return NULL;
	*file = s->file;
	*line = s->line;
	return s->name;
}

static void slice(struct chrome *c, const struct item *z)
{
	const char *file;
	unsigned line;
	const char *name = zone_name(c, z->value, &file, &line);

	begin(c, name, "X", tid_of(c, z->stream));
	hp_jw_str(&c->w, "cat", z->value & HP_ZONE_FN_KEY ? "function" : "zone");
	us(&c->w, "ts", z->ns);
	us(&c->w, "dur", z->end_ns > z->ns ? z->end_ns - z->ns : 0);
	if (file) {
		hp_jw_obj(&c->w, "args");
		hp_jw_str(&c->w, "file", file);
		hp_jw_u64(&c->w, "line", line);
		hp_jw_end_obj(&c->w);
	}
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
		counter(c, "heap", "bytes", it->ns, (int64_t)it->value);
		break;
	}
}

int hp_export_chrome(FILE *out, const struct hp_profile *p, struct hp_chrome_pass *pass, char *err, size_t errlen)
{
	struct chrome c = {.w = {.f = out, .compact = true}, .p = p, .pid = p->defs.process.pid};
	int rc = -1;

	/* The last heap value, if no point showed it yet. */
	if (pass->heap_pending && heap_point(pass, pass->last_ns))
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
	hp_jw_end_obj(&c.w);
	hp_jw_arr(&c.w, "traceEvents");
	fputc('\n', out);
	metadata(&c);
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
