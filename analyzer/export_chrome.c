/* export_chrome.c: the trace as Chrome Trace Event JSON: zone slices per thread, marks, counter tracks. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "idmap.h"
#include "json_out.h"
#include "live_heap.h"
#include "report.h"

/* The heap track gets at most one point per this many nanoseconds of the run (and its last value):
 * a storm of allocations would otherwise make a file larger than the trace. */
#define HEAP_POINT_NS 1000000

#define FN_TAG (1ull << 63)

struct open_zone {
	uint64_t key; /* site, or function address | FN_TAG */
	uint64_t start_ns;
};

struct zone_stack {
	struct open_zone *v;
	size_t n, cap;
	uint64_t last_ns;
	uint32_t stream;
};

struct chrome {
	FILE *out;
	const struct hp_profile *p;
	uint32_t pid;
	struct hp_idmap stack_of_stream; /* stream + 1 → index + 1 in stacks */
	struct zone_stack *stacks;
	size_t nstacks;
	struct hp_idmap fn_of_addr;     /* function address → index + 1 in p->functions */
	struct hp_idmap counter_of_site; /* site + 1 → index + 1 in totals */
	int64_t *totals;
	size_t ntotals;
	struct hp_heap heap;
	uint64_t next_heap_ns, heap_shown;
	bool heap_pending;
	uint64_t last_ns;
	bool oom;
};

static void ts(FILE *out, const char *key, uint64_t ns)
{
	fprintf(out, ",\"%s\":%" PRIu64 ".%03" PRIu64, key, ns / 1000, ns % 1000);
}

static uint32_t tid_of(const struct chrome *c, uint32_t stream)
{
	const struct hp_thread_info *t = hp_defs_thread(&c->p->defs, stream);
	return t && t->tid ? t->tid : stream;
}

/* Starts an event object: `{"name":NAME,"ph":PH,"pid":P,"tid":T` (the caller closes it). */
static void begin(struct chrome *c, const char *name, char ph, uint32_t tid)
{
	fputs(",\n{\"name\":", c->out);
	hp_json_str(c->out, name ? name : "?", (size_t)-1);
	fprintf(c->out, ",\"ph\":\"%c\",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32, ph, c->pid, tid);
}

static const char *zone_name(struct chrome *c, uint64_t key, const char **file, unsigned *line)
{
	*file = NULL;
	*line = 0;
	if (key & FN_TAG) {
		uint32_t *slot = hp_idmap_slot(&c->fn_of_addr, key & ~FN_TAG, false);
		const struct hp_function *f = slot ? &c->p->functions[*slot - 1] : NULL;
		if (f) {
			*file = f->file;
			*line = f->line;
		}
		return f ? f->name : NULL;
	}
	const struct hp_site_def *s = hp_defs_site(&c->p->defs, (uint32_t)key);
	if (s) {
		*file = s->file;
		*line = s->line;
	}
	return s ? s->name : NULL;
}

static void slice(struct chrome *c, uint32_t stream, const struct open_zone *z, uint64_t end_ns)
{
	const char *file;
	unsigned line;
	const char *name = zone_name(c, z->key, &file, &line);

	begin(c, name, 'X', tid_of(c, stream));
	fprintf(c->out, ",\"cat\":\"%s\"", z->key & FN_TAG ? "function" : "zone");
	ts(c->out, "ts", z->start_ns);
	ts(c->out, "dur", end_ns > z->start_ns ? end_ns - z->start_ns : 0);
	if (file) {
		fputs(",\"args\":{\"file\":", c->out);
		hp_json_str(c->out, file, (size_t)-1);
		fprintf(c->out, ",\"line\":%u}", line);
	}
	fputc('}', c->out);
}

static struct zone_stack *stack_of(struct chrome *c, uint32_t stream)
{
	uint32_t *slot = hp_idmap_slot(&c->stack_of_stream, (uint64_t)stream + 1, true);

	if (!slot)
		return NULL;
	if (!*slot) {
		struct zone_stack *n = realloc(c->stacks, (c->nstacks + 1) * sizeof(*n));
		if (!n)
			return NULL;
		c->stacks = n;
		n[c->nstacks] = (struct zone_stack){.stream = stream};
		*slot = (uint32_t)++c->nstacks;
	}
	return &c->stacks[*slot - 1];
}

/* Closes the innermost open zone with key (any when key is 0) and those opened inside it. */
static void close_zones(struct chrome *c, struct zone_stack *s, uint64_t key, uint64_t ns)
{
	size_t at = s->n;

	if (key)
		while (at && s->v[at - 1].key != key)
			at--;
	if (!at)
		return; /* ends nothing open: the profile counts it as an anomaly */
	while (s->n >= at)
		slice(c, s->stream, &s->v[--s->n], ns);
}

static void counter(struct chrome *c, const char *name, const char *arg, uint64_t ns, int64_t value)
{
	begin(c, name, 'C', 0);
	ts(c->out, "ts", ns);
	fputs(",\"args\":{", c->out);
	hp_json_str(c->out, arg, (size_t)-1);
	fprintf(c->out, ":%" PRId64 "}}", value);
}

static void heap_point(struct chrome *c, uint64_t ns)
{
	counter(c, "heap", "bytes", ns, (int64_t)c->heap.bytes);
	c->heap_shown = c->heap.bytes;
	c->heap_pending = false;
	c->next_heap_ns = ns + HEAP_POINT_NS;
}

static int on_event(void *ctx, const struct hp_event *ev, const struct hp_defs *defs)
{
	struct chrome *c = ctx;
	struct zone_stack *s;
	(void)defs;

	c->last_ns = ev->ns;
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
		if (!(s = stack_of(c, ev->stream)))
			goto oom;
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 16;
			struct open_zone *v = realloc(s->v, cap * sizeof(*v));
			if (!v)
				goto oom;
			s->v = v;
			s->cap = cap;
		}
		s->v[s->n++] = (struct open_zone){ev->type == HP_EV_FUNC_ENTER ? ev->addr | FN_TAG : ev->site, ev->ns};
		s->last_ns = ev->ns;
		break;
	case HP_EV_ZONE_END:
	case HP_EV_FUNC_EXIT:
		if (!(s = stack_of(c, ev->stream)))
			goto oom;
		close_zones(c, s, ev->type == HP_EV_FUNC_EXIT ? ev->addr | FN_TAG : ev->site, ev->ns);
		s->last_ns = ev->ns;
		break;
	case HP_EV_MARK: {
		const struct hp_site_def *site = hp_defs_site(&c->p->defs, ev->site);
		begin(c, site ? site->name : NULL, 'i', tid_of(c, ev->stream));
		ts(c->out, "ts", ev->ns);
		fputs(",\"s\":\"t\"}", c->out);
		break;
	}
	case HP_EV_COUNTER: {
		uint32_t *slot = hp_idmap_slot(&c->counter_of_site, (uint64_t)ev->site + 1, true);
		if (!slot)
			goto oom;
		if (!*slot) {
			int64_t *t = realloc(c->totals, (c->ntotals + 1) * sizeof(*t));
			if (!t)
				goto oom;
			c->totals = t;
			t[c->ntotals] = 0;
			*slot = (uint32_t)++c->ntotals;
		}
		c->totals[*slot - 1] += ev->value;
		const struct hp_site_def *site = hp_defs_site(&c->p->defs, ev->site);
		counter(c, site ? site->name : NULL, "value", ev->ns, c->totals[*slot - 1]);
		break;
	}
	case HP_EV_SAMPLE:
		counter(c, "RSS", "bytes", ev->ns, (int64_t)ev->sample.rss);
		break;
	default:
		break;
	}
	if (!ferror(c->out))
		return 0;
	return 1;
oom:
	c->oom = true;
	return 1;
}

static void metadata(struct chrome *c)
{
	const struct hp_defs *d = &c->p->defs;
	const char *exe = d->process.exe ? hp_basename(d->process.exe) : "process";

	fprintf(c->out, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%" PRIu32 ",\"tid\":0,\"args\":{\"name\":",
		c->pid);
	hp_json_str(c->out, exe, (size_t)-1);
	fputs("}}", c->out);
	for (size_t i = 0; i < d->nthreads; i++) {
		char name[64];
		const char *n = d->threads[i].name;
		if (!n || !*n) {
			snprintf(name, sizeof(name), "thread %" PRIu32, d->threads[i].tid);
			n = name;
		}
		begin(c, "thread_name", 'M', d->threads[i].tid ? d->threads[i].tid : d->threads[i].stream);
		fputs(",\"args\":{\"name\":", c->out);
		hp_json_str(c->out, n, (size_t)-1);
		fputs("}}", c->out);
	}
}

int hp_export_chrome(FILE *out, const struct hp_profile *p, char *err, size_t errlen)
{
	struct chrome c = {.out = out, .p = p, .pid = p->defs.process.pid};
	struct hp_defs defs;
	struct hp_read_status st;
	int rc = -1;

	for (size_t i = 0; i < p->nfunctions; i++) {
		uint32_t *slot = p->functions[i].fn_addr ? hp_idmap_slot(&c.fn_of_addr, p->functions[i].fn_addr, true) : NULL;
		if (p->functions[i].fn_addr && !slot)
			goto oom;
		if (slot)
			*slot = (uint32_t)i + 1;
	}
	fputs("{\"displayTimeUnit\":\"ms\",\"otherData\":{\"producer\":\"hookprof\",\"trace\":", out);
	hp_json_str(out, p->path, (size_t)-1);
	fputs("},\"traceEvents\":[\n", out);
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
	fputs("\n]}\n", out);
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
	return rc;
}
