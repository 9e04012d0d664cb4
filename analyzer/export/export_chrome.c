/* export_chrome.c: the trace as Chrome Trace Event JSON: zone slices per thread, marks, counter tracks. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export/export.h"
#include "util/idmap.h"
#include "util/json_out.h"
#include "model/live_heap.h"
#include "report/report.h"

/* The heap track gets at most one point per this many nanoseconds of the run (and its last value):
 * a storm of allocations would otherwise make a file larger than the trace. */
#define HEAP_POINT_NS 1000000

struct open_zone {
	uint64_t key;
	uint64_t start_ns;
};

/* The zones open on one thread's stream, innermost last. */
struct zone_stack {
	struct open_zone *v;
	size_t n, cap;
	uint64_t last_ns; /* the stream's latest event: where zones left open at the end close */
	uint32_t stream;
};

struct chrome {
	struct hp_jw w;
	const struct hp_profile *p;
	uint32_t pid;
	struct hp_idmap stack_of_stream; /* stream + 1 → index + 1 in stacks */
	struct zone_stack *stacks;
	size_t nstacks, stacks_cap;
	struct hp_idmap fn_of_addr;      /* function address → index + 1 in p->functions */
	struct hp_idmap counter_of_site; /* site + 1 → index + 1 in totals */
	/* Zones open per (stream, key): an end that matches no open zone is known at once, without a
	 * walk down the stack (hostile input could make every event such an end). */
	struct hp_idmap index_of_key;   /* zone key → a dense index + 1 */
	size_t nkeys;
	struct hp_idmap open_count;     /* (stack index << 32 | key index) + 1 → zones open */
	int64_t *totals;
	size_t ntotals;
	struct hp_heap heap;
	uint64_t next_heap_ns, heap_shown;
	bool heap_pending;
	uint64_t last_ns;
	bool oom;
};

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

static void slice(struct chrome *c, uint32_t stream, const struct open_zone *z, uint64_t end_ns)
{
	const char *file;
	unsigned line;
	const char *name = zone_name(c, z->key, &file, &line);

	begin(c, name, "X", tid_of(c, stream));
	hp_jw_str(&c->w, "cat", z->key & HP_ZONE_FN_KEY ? "function" : "zone");
	us(&c->w, "ts", z->start_ns);
	us(&c->w, "dur", end_ns > z->start_ns ? end_ns - z->start_ns : 0);
	if (file) {
		hp_jw_obj(&c->w, "args");
		hp_jw_str(&c->w, "file", file);
		hp_jw_u64(&c->w, "line", line);
		hp_jw_end_obj(&c->w);
	}
	end(c);
}

static struct zone_stack *stack_of(struct chrome *c, uint32_t stream)
{
	uint32_t *slot = hp_idmap_slot(&c->stack_of_stream, (uint64_t)stream + 1, true);

	if (!slot)
		return NULL;
	if (!*slot) {
		if (c->nstacks == c->stacks_cap) {
			/* Doubled: a trace may hold 100,000 streams. */
			size_t cap = c->stacks_cap ? 2 * c->stacks_cap : 16;
			struct zone_stack *n = realloc(c->stacks, cap * sizeof(*n));
			if (!n)
				return NULL;
			c->stacks = n;
			c->stacks_cap = cap;
		}
		struct zone_stack *n = c->stacks;
		n[c->nstacks] = (struct zone_stack){.stream = stream};
		*slot = (uint32_t)++c->nstacks;
	}
	return &c->stacks[*slot - 1];
}

/* The open-zone count of key on the stream of s; with insert, created at 0. NULL when memory runs out,
 * or, without insert, when no zone with key was ever opened there. */
static uint32_t *open_count(struct chrome *c, const struct zone_stack *s, uint64_t key, bool insert)
{
	uint32_t *ki = hp_idmap_slot(&c->index_of_key, key, insert);

	if (!ki)
		return NULL;
	if (!*ki) {
		if (c->nkeys == UINT32_MAX - 1)
			return NULL;
		*ki = (uint32_t)++c->nkeys;
	}
	return hp_idmap_slot(&c->open_count, ((uint64_t)(s - c->stacks) << 32 | (*ki - 1)) + 1, insert);
}

/* Closes the innermost open zone of s as a slice ending at ns. */
static void pop_zone(struct chrome *c, struct zone_stack *s, uint64_t ns)
{
	struct open_zone *z = &s->v[--s->n];
	uint32_t *n = open_count(c, s, z->key, false);

	if (n && *n)
		(*n)--;
	slice(c, s->stream, z, ns);
}

static int open_zone(struct chrome *c, struct zone_stack *s, uint64_t key, uint64_t ns)
{
	uint32_t *count = open_count(c, s, key, true);

	if (!count)
		return -1;
	(*count)++;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct open_zone *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct open_zone){key, ns};
	return 0;
}

/* Closes the innermost open zone with key (any when key is 0) and those opened inside it. An end
 * matching nothing open closes nothing: the report counts it as an anomaly. */
static void close_zones(struct chrome *c, struct zone_stack *s, uint64_t key, uint64_t ns)
{
	size_t at = s->n;

	if (key) {
		uint32_t *open = open_count(c, s, key, false);
		if (!open || !*open)
			return;
		while (at && s->v[at - 1].key != key)
			at--;
	}
	while (at && s->n >= at)
		pop_zone(c, s, ns);
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

static void heap_point(struct chrome *c, uint64_t ns)
{
	counter(c, "heap", "bytes", ns, (int64_t)c->heap.bytes);
	c->heap_shown = c->heap.bytes;
	c->heap_pending = false;
	c->next_heap_ns = ns + HEAP_POINT_NS;
}

/* The running total of an HP_COUNT counter after adding value; NULL when memory runs out. */
static int64_t *counter_total(struct chrome *c, uint32_t site, int64_t value)
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

static int on_event(void *ctx, const struct hp_event *ev, const struct hp_defs *defs)
{
	struct chrome *c = ctx;
	struct zone_stack *s = NULL;
	(void)defs;

	c->last_ns = ev->ns;
	/* The recorder's own stream (0) carries samples and scans, never a thread's zones. */
	if (ev->stream) {
		if (!(s = stack_of(c, ev->stream)))
			goto oom;
		s->last_ns = ev->ns;
	}
	switch (ev->type) {
	case HP_EV_ALLOC:
	case HP_EV_FREE:
	case HP_EV_REALLOC:
		if (hp_heap_replay(&c->heap, ev))
			goto oom;
		c->heap_pending = c->heap.bytes != c->heap_shown;
		if (c->heap_pending && ev->ns >= c->next_heap_ns)
			heap_point(c, ev->ns);
		break;
	case HP_EV_ZONE_BEGIN:
	case HP_EV_FUNC_ENTER:
		if (s && open_zone(c, s, ev->type == HP_EV_FUNC_ENTER ? ev->addr | HP_ZONE_FN_KEY : ev->site, ev->ns))
			goto oom;
		break;
	case HP_EV_ZONE_END:
	case HP_EV_FUNC_EXIT:
		if (s)
			close_zones(c, s, ev->type == HP_EV_FUNC_EXIT ? ev->addr | HP_ZONE_FN_KEY : ev->site, ev->ns);
		break;
	case HP_EV_THREAD_END: /* a thread's zones end with it, as in profile_build.c */
		while (s && s->n)
			pop_zone(c, s, ev->ns);
		break;
	case HP_EV_MARK: {
		const struct hp_site_def *site = hp_defs_site(&c->p->defs, ev->site);
		begin(c, site ? site->name : NULL, "i", tid_of(c, ev->stream));
		us(&c->w, "ts", ev->ns);
		hp_jw_str(&c->w, "s", "t");
		end(c);
		break;
	}
	case HP_EV_COUNTER: {
		const struct hp_site_def *site = hp_defs_site(&c->p->defs, ev->site);
		int64_t *total = counter_total(c, ev->site, ev->value);
		if (!total)
			goto oom;
		counter(c, site ? site->name : NULL, "value", ev->ns, *total);
		break;
	}
	case HP_EV_SAMPLE:
		counter(c, "RSS", "bytes", ev->ns, (int64_t)ev->sample.rss);
		break;
	default:
		break;
	}
	return ferror(c->w.f) ? 1 : 0;
oom:
	c->oom = true;
	return 1;
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

int hp_export_chrome(FILE *out, const struct hp_profile *p, char *err, size_t errlen)
{
	struct chrome c = {.w = {.f = out, .compact = true}, .p = p, .pid = p->defs.process.pid};
	struct hp_defs defs;
	struct hp_read_status st;
	int rc = -1;

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
	hp_defs_init(&defs);
	int r = hp_trace_read(p->path, &defs, on_event, &c, &st);
	hp_defs_release(&defs);
	if (c.oom)
		goto oom;
	if (r == -1) {
		snprintf(err, errlen, "%s", st.error);
		goto out;
	}
	/* Zones still open at the end close at their thread's last event, as in the report. */
	for (size_t i = 0; i < c.nstacks; i++)
		while (c.stacks[i].n)
			slice(&c, c.stacks[i].stream, &c.stacks[i].v[--c.stacks[i].n], c.stacks[i].last_ns);
	if (c.heap_pending)
		heap_point(&c, c.last_ns);
	hp_jw_end_arr(&c.w);
	hp_jw_end_obj(&c.w);
	fputc('\n', out);
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory while exporting", p->path);
out:
	for (size_t i = 0; i < c.nstacks; i++)
		free(c.stacks[i].v);
	free(c.stacks);
	free(c.totals);
	free(c.heap.slots);
	hp_idmap_free(&c.stack_of_stream);
	hp_idmap_free(&c.fn_of_addr);
	hp_idmap_free(&c.counter_of_site);
	hp_idmap_free(&c.index_of_key);
	hp_idmap_free(&c.open_count);
	return rc;
}
