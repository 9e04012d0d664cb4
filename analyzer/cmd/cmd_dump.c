/* cmd_dump.c: `hookprof-analyze dump [--json] TRACE`: every event in causal order, then the definitions.
 *
 * For debugging traces and for the integration tests, which check recordings event by event.
 * docs/dump-format.md lists the keys.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/options.h"
#include "hpt_format.h"
#include "model/live_heap.h"
#include "util/grow.h"
#include "util/json_out.h"
#include "read/trace.h"
#include "read/trace_warnings.h"

static const char *const event_names[] = {
	[HP_EV_ALLOC] = "alloc",
	[HP_EV_FREE] = "free",
	[HP_EV_REALLOC] = "realloc",
	[HP_EV_ALLOC_FAIL] = "alloc_fail",
	[HP_EV_ZONE_BEGIN] = "zone_begin",
	[HP_EV_ZONE_END] = "zone_end",
	[HP_EV_COUNTER] = "counter",
	[HP_EV_MARK] = "mark",
	[HP_EV_FUNC_ENTER] = "func_enter",
	[HP_EV_FUNC_EXIT] = "func_exit",
	[HP_EV_WAIT] = "wait",
	[HP_EV_EVENT_COST] = "event_cost",
	[HP_EV_FORK] = "fork",
	[HP_EV_LOST] = "lost",
	[HP_EV_THREAD_START] = "thread_start",
	[HP_EV_THREAD_END] = "thread_end",
	[HP_EV_MODULE_LOAD] = "module_load",
	[HP_EV_MODULE_UNLOAD] = "module_unload",
	[HP_EV_SAMPLE] = "sample",
	[HP_EV_PROCESS_END] = "process_end",
	[HP_EV_SCAN_BEGIN] = "scan_begin",
	[HP_EV_SCAN_WORDS] = "scan_words",
	[HP_EV_SCAN_END] = "scan_end",
	[HP_EV_ZONE_CPU] = "zone_cpu",
	[HP_EV_SCAN_THREAD] = "scan_thread",
};

static const char *const alloc_kinds[] = {
	[HPT_KIND_MALLOC] = "malloc",
	[HPT_KIND_CALLOC] = "calloc",
	[HPT_KIND_REALLOC] = "realloc",
	[HPT_KIND_REALLOCARRAY] = "reallocarray",
	[HPT_KIND_POSIX_MEMALIGN] = "posix_memalign",
	[HPT_KIND_ALIGNED_ALLOC] = "aligned_alloc",
	[HPT_KIND_MEMALIGN] = "memalign",
	[HPT_KIND_VALLOC] = "valloc",
	[HPT_KIND_PVALLOC] = "pvalloc",
};

static const char *const free_kinds[] = {
	[HPT_FREE_FREE] = "free",
};

#define NAME_OF(table, i) ((i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : "unknown")

struct dump {
	FILE *out;
	bool json;
	bool out_of_memory;
	struct hp_heap heap; /* the blocks alive, for the causal order of a version 3 trace's epochs */
};

static void put_u(FILE *out, const char *key, uint64_t v)
{
	fprintf(out, ",\"%s\":%" PRIu64, key, v);
}

/* "kind" stays the number of the format spec (the integration tests compare it); "kind_name" says it. */
static void put_kind(FILE *out, const struct hp_event *ev)
{
	put_u(out, "kind", ev->kind);
	fprintf(out, ",\"kind_name\":\"%s\"",
		ev->type == HP_EV_FREE ? NAME_OF(free_kinds, ev->kind) : NAME_OF(alloc_kinds, ev->kind));
}

static void put_hex_bytes(FILE *out, const uint8_t *p, size_t n)
{
	putc('"', out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", p[i]);
	putc('"', out);
}

static void put_segments(FILE *out, const struct hp_module *m)
{
	fputs(",\"segments\":[", out);
	for (size_t i = 0; i < m->nseg; i++)
		fprintf(out, "%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%u]", i ? "," : "", m->segs[i].vaddr,
			m->segs[i].memsz, m->segs[i].offset, m->segs[i].flags);
	putc(']', out);
}

/* One event as a line of text. */
static int put_text_event(FILE *out, const struct hp_event *ev, const struct hp_thread_info *t, const char *name)
{
	fprintf(out, "%14.6f ms  stream %-3u tid %-7u %-13s", ev->ns / 1e6, ev->stream, t ? t->tid : 0, name);
	switch (ev->type) {
	case HP_EV_ALLOC:
	case HP_EV_ALLOC_FAIL:
		fprintf(out, " %s addr 0x%" PRIx64 " size %" PRIu64 " stack %u\n", NAME_OF(alloc_kinds, ev->kind),
			ev->addr, ev->size, ev->stack);
		break;
	case HP_EV_FREE:
		fprintf(out, " %s addr 0x%" PRIx64 "\n", NAME_OF(free_kinds, ev->kind), ev->addr);
		break;
	case HP_EV_REALLOC:
		fprintf(out, " %s%s old 0x%" PRIx64 " new 0x%" PRIx64 " size %" PRIu64 " stack %u\n",
			NAME_OF(alloc_kinds, ev->kind), ev->flags & HPT_REALLOC_FAILED ? " failed" : "", ev->addr,
			ev->addr2, ev->size, ev->stack);
		break;
	case HP_EV_SAMPLE:
		fprintf(out, " rss %" PRIu64 " utime_ns %" PRIu64 " stime_ns %" PRIu64 " minflt %" PRIu64
			" majflt %" PRIu64 " read_bytes %" PRIu64 " write_bytes %" PRIu64 "\n",
			ev->sample.rss, ev->sample.utime_ns, ev->sample.stime_ns, ev->sample.minflt,
			ev->sample.majflt, ev->sample.read_bytes, ev->sample.write_bytes);
		break;
	default:
		fprintf(out, " kind %u site %u addr 0x%" PRIx64 " size %" PRIu64 " value %" PRId64 " words %zu\n",
			ev->kind, ev->site, ev->addr, ev->size, ev->value, ev->nwords);
		break;
	}
	return ferror(out) ? -2 : 0;
}

/* One event as a JSON object on its line (docs/dump-format.md). */
static int put_json_event(FILE *out, const struct hp_event *ev, const struct hp_thread_info *t, const char *name,
			  const struct hp_defs *defs)
{
	fprintf(out, "{\"type\":\"%s\"", name);
	put_u(out, "stream", ev->stream);
	if (t && ev->type != HP_EV_THREAD_START) /* THREAD_START carries its own tid below */
		put_u(out, "tid", t->tid);
	put_u(out, "tick", ev->tick);
	put_u(out, "ns", ev->ns);
	switch (ev->type) {
	case HP_EV_ALLOC:
		put_kind(out, ev);
		put_u(out, "addr", ev->addr);
		put_u(out, "size", ev->size);
		put_u(out, "stack", ev->stack);
		break;
	case HP_EV_FREE:
		put_kind(out, ev);
		put_u(out, "addr", ev->addr);
		break;
	case HP_EV_REALLOC:
		put_kind(out, ev);
		put_u(out, "flags", ev->flags);
		put_u(out, "old", ev->addr);
		put_u(out, "new", ev->addr2);
		put_u(out, "size", ev->size);
		put_u(out, "stack", ev->stack);
		break;
	case HP_EV_ALLOC_FAIL:
		put_kind(out, ev);
		put_u(out, "size", ev->size);
		put_u(out, "stack", ev->stack);
		break;
	case HP_EV_ZONE_BEGIN:
	case HP_EV_ZONE_END:
	case HP_EV_MARK:
		put_u(out, "site", ev->site);
		break;
	case HP_EV_COUNTER:
		put_u(out, "site", ev->site);
		fprintf(out, ",\"value\":%" PRId64, ev->value);
		break;
	case HP_EV_FUNC_ENTER:
	case HP_EV_FUNC_EXIT:
		put_u(out, "fn", ev->addr);
		break;
	case HP_EV_WAIT:
		put_u(out, "wait_ns", ev->size);
		break;
	case HP_EV_FORK:
		put_u(out, "fork", ev->addr);
		break;
	case HP_EV_EVENT_COST:
		put_u(out, "events", (uint64_t)ev->value);
		put_u(out, "cost_ns", ev->size);
		break;
	case HP_EV_ZONE_CPU:
		put_u(out, "cpu_ns", ev->size);
		break;
	case HP_EV_LOST:
		put_u(out, "count", ev->size);
		put_u(out, "reason", ev->site);
		break;
	case HP_EV_THREAD_START:
		put_u(out, "tid", (uint64_t)ev->value);
		break;
	case HP_EV_MODULE_LOAD: {
		const struct hp_module *m = &defs->modules[ev->value];
		put_u(out, "base", ev->addr);
		fputs(",\"path\":", out);
		hp_json_str(out, m->path, (size_t)-1);
		fputs(",\"build_id\":", out);
		put_hex_bytes(out, m->build_id, m->build_id_len);
		put_segments(out, m);
		break;
	}
	case HP_EV_MODULE_UNLOAD:
		put_u(out, "base", ev->addr);
		break;
	case HP_EV_SAMPLE:
		put_u(out, "rss", ev->sample.rss);
		put_u(out, "utime_ns", ev->sample.utime_ns);
		put_u(out, "stime_ns", ev->sample.stime_ns);
		put_u(out, "minflt", ev->sample.minflt);
		put_u(out, "majflt", ev->sample.majflt);
		put_u(out, "read_bytes", ev->sample.read_bytes);
		put_u(out, "write_bytes", ev->sample.write_bytes);
		break;
	case HP_EV_PROCESS_END:
		put_u(out, "how", ev->kind);
		fprintf(out, ",\"status\":%" PRId64, ev->value);
		break;
	case HP_EV_SCAN_BEGIN:
		put_u(out, "reason", ev->kind);
		put_u(out, "threads", ev->size);
		break;
	case HP_EV_SCAN_WORDS:
		put_u(out, "region", ev->kind);
		put_u(out, "scan_tid", (uint64_t)ev->value);
		put_u(out, "count", ev->nwords);
		fputs(",\"words\":[", out);
		for (size_t i = 0; i < ev->nwords; i++)
			fprintf(out, "%s[%" PRIu64 ",%" PRIu64 "]", i ? "," : "", ev->words[i].loc, ev->words[i].value);
		putc(']', out);
		break;
	case HP_EV_SCAN_THREAD:
		put_u(out, "scan_tid", (uint64_t)ev->value);
		put_u(out, "how", ev->kind);
		put_u(out, "unstopped", ev->flags);
		put_u(out, "lo", ev->addr);
		put_u(out, "hi", ev->addr2);
		break;
	case HP_EV_SCAN_END:
		put_u(out, "words", ev->size);
		put_u(out, "bytes", ev->addr);
		put_u(out, "unreadable", ev->addr2);
		break;
	default:
		break;
	}
	fputs("}\n", out);
	return ferror(out) ? -2 : 0;
}

static int on_event(void *ctx, const struct hp_event *ev, const struct hp_defs *defs)
{
	struct dump *d = ctx;
	FILE *out = d->out;
	const struct hp_thread_info *t = hp_defs_thread(defs, ev->stream);
	const char *name = NAME_OF(event_names, ev->type);

	/* Events print in the order the report's heap model takes them, waits included. */
	if (ev->type <= HP_EV_REALLOC) {
		if (hp_heap_not_yet(&d->heap, ev))
			return HP_EVENT_NOT_YET;
		if (hp_heap_replay(&d->heap, ev)) {
			d->out_of_memory = true;
			return 1;
		}
	}

	if (!d->json)
		return put_text_event(out, ev, t, name);
	return put_json_event(out, ev, t, name, defs);
}

/* Definitions sorted by id, so that two dumps of one trace are the same text. */
struct by_id {
	const void **items;
	size_t n, cap;
	bool nomem;
};

static void collect(const void *item, struct by_id *v)
{
	const void **n = hp_grow(v->items, &v->cap, v->n + 1, sizeof(*n));

	if (!n) {
		v->nomem = true;
		return;
	}
	v->items = n;
	v->items[v->n++] = item;
}

static void collect_stack(const struct hp_stack *s, void *arg)
{
	collect(s, arg);
}

static void collect_site(const struct hp_site_def *s, void *arg)
{
	collect(s, arg);
}

static int cmp_stack(const void *a, const void *b)
{
	uint32_t x = (*(const struct hp_stack *const *)a)->id, y = (*(const struct hp_stack *const *)b)->id;
	return (x > y) - (x < y);
}

static int cmp_site(const void *a, const void *b)
{
	uint32_t x = (*(const struct hp_site_def *const *)a)->id, y = (*(const struct hp_site_def *const *)b)->id;
	return (x > y) - (x < y);
}

static void dump_stack(const struct dump *d, const struct hp_stack *s)
{
	FILE *out = d->out;

	if (d->json)
		fprintf(out, "{\"type\":\"stack\",\"id\":%u,\"ips\":[", s->id);
	else
		fprintf(out, "stack %u:", s->id);
	for (uint32_t i = 0; i < s->depth; i++)
		fprintf(out, d->json ? "%s%" PRIu64 : "%s0x%" PRIx64, d->json && i ? "," : " ", s->ips[i]);
	fputs(d->json ? "]}\n" : "\n", out);
}

static void dump_site(const struct dump *d, const struct hp_site_def *s)
{
	FILE *out = d->out;

	if (!d->json) {
		fprintf(out, "site %u: kind %u name '%s' function '%s' file '%s' line %u\n", s->id, s->kind, s->name,
			s->function, s->file, s->line);
		return;
	}
	fprintf(out, "{\"type\":\"site\",\"id\":%u,\"kind\":%u,\"line\":%u,\"name\":", s->id, s->kind, s->line);
	hp_json_str(out, s->name, (size_t)-1);
	fputs(",\"function\":", out);
	hp_json_str(out, s->function, (size_t)-1);
	fputs(",\"file\":", out);
	hp_json_str(out, s->file, (size_t)-1);
	fputs("}\n", out);
}

static void dump_process_text(FILE *out, const struct hp_process_info *p)
{
	fprintf(out, "process: pid %u ppid %u flags %u exe '%s' argv", p->pid, p->ppid, p->flags, p->exe ? p->exe : "");
	for (int i = 0; i < p->argc; i++)
		fprintf(out, " '%s'", p->argv[i]);
	fprintf(out, " event_cost_ns %" PRIu64 " alloc_event_cost_ns %" PRIu64 " last_ns %" PRIu64, p->event_cost_ns,
		p->alloc_event_cost_ns, p->last_ns);
	if (p->malloc_owner)
		fprintf(out, " malloc_owner '%s'", p->malloc_owner);
	if (p->ended)
		fprintf(out, " ended how %u status %" PRId64 " at %" PRIu64 " ns", p->end_how, p->end_status, p->end_ns);
	if (p->stopped)
		fprintf(out, " stopped %u", p->stopped);
	for (size_t i = 0; i < p->nunrecorded; i++)
		fprintf(out, " unrecorded '%s' why %u times %" PRIu64, p->unrecorded[i].path, p->unrecorded[i].why,
			p->unrecorded[i].times);
	if (p->unrecorded_more)
		fprintf(out, " unrecorded_more %" PRIu64, p->unrecorded_more);
	putc('\n', out);
}

static void dump_process_json(FILE *out, const struct hp_process_info *p)
{
	fprintf(out, "{\"type\":\"process\",\"pid\":%u,\"ppid\":%u,\"start_real_ns\":%" PRIu64 ",\"flags\":%u,\"fork\":%" PRIu64
		",\"exe\":", p->pid, p->ppid, p->start_real_ns, p->flags, p->fork_seq);
	hp_json_str(out, p->exe, (size_t)-1);
	fputs(",\"argv\":[", out);
	for (int i = 0; i < p->argc; i++) {
		if (i)
			putc(',', out);
		hp_json_str(out, p->argv[i], (size_t)-1);
	}
	fprintf(out, "],\"event_cost_ns\":%" PRIu64 ",\"alloc_event_cost_ns\":%" PRIu64 ",\"last_ns\":%" PRIu64
		     ",\"stopped\":%u,\"malloc_owner\":",
		p->event_cost_ns, p->alloc_event_cost_ns, p->last_ns, p->stopped);
	hp_json_str(out, p->malloc_owner, (size_t)-1);
	fprintf(out, ",\"ended\":%s", p->ended ? "true" : "false");
	if (p->ended)
		fprintf(out, ",\"end_how\":%u,\"end_status\":%" PRId64 ",\"end_ns\":%" PRIu64, p->end_how, p->end_status,
			p->end_ns);
	fputs(",\"lsan_suppressions\":", out);
	hp_json_str(out, p->lsan_suppressions, (size_t)-1);
	fputs(",\"unrecorded\":[", out);
	for (size_t i = 0; i < p->nunrecorded; i++) {
		fputs(i ? ",{\"path\":" : "{\"path\":", out);
		hp_json_str(out, p->unrecorded[i].path, (size_t)-1);
		fprintf(out, ",\"why\":%u,\"times\":%" PRIu64 "}", p->unrecorded[i].why, p->unrecorded[i].times);
	}
	fprintf(out, "],\"unrecorded_more\":%" PRIu64 "}\n", p->unrecorded_more);
}

static void dump_thread(const struct dump *d, const struct hp_thread_info *t)
{
	FILE *out = d->out;

	if (!d->json) {
		fprintf(out, "thread: stream %u tid %u name '%s' start_ns %" PRIu64 " end_ns %" PRIu64 "%s\n", t->stream,
			t->tid, t->name ? t->name : "", t->start_ns, t->end_ns, t->ended ? " ended" : "");
		return;
	}
	fprintf(out, "{\"type\":\"thread\",\"stream\":%u,\"tid\":%u,\"name\":", t->stream, t->tid);
	hp_json_str(out, t->name, (size_t)-1);
	fprintf(out, ",\"start_ns\":%" PRIu64 ",\"end_ns\":%" PRIu64 ",\"ended\":%s}\n", t->start_ns, t->end_ns,
		t->ended ? "true" : "false");
}

static void dump_module(const struct dump *d, const struct hp_module *m)
{
	FILE *out = d->out;

	if (!d->json) {
		fprintf(out, "module: base 0x%" PRIx64 " path '%s' build_id ", m->base, m->path ? m->path : "");
		for (size_t i = 0; i < m->build_id_len; i++)
			fprintf(out, "%02x", m->build_id[i]);
		for (size_t i = 0; i < m->nseg; i++)
			fprintf(out, " seg[0x%" PRIx64 "+0x%" PRIx64 " off 0x%" PRIx64 " flags %u]", m->segs[i].vaddr,
				m->segs[i].memsz, m->segs[i].offset, m->segs[i].flags);
		fprintf(out, " load_ns %" PRIu64 "%s\n", m->load_ns, m->unload_ns == UINT64_MAX ? "" : " unloaded");
		return;
	}
	fprintf(out, "{\"type\":\"module\",\"base\":%" PRIu64 ",\"path\":", m->base);
	hp_json_str(out, m->path, (size_t)-1);
	fputs(",\"build_id\":", out);
	put_hex_bytes(out, m->build_id, m->build_id_len);
	put_segments(out, m);
	fprintf(out, ",\"load_ns\":%" PRIu64 ",\"unloaded\":%s", m->load_ns, m->unload_ns == UINT64_MAX ? "false" : "true");
	if (m->unload_ns != UINT64_MAX)
		fprintf(out, ",\"unload_ns\":%" PRIu64, m->unload_ns);
	fputs("}\n", out);
}

static void dump_status(const struct dump *d, const struct hp_read_status *st, int rc)
{
	FILE *out = d->out;

	if (!d->json) {
		fprintf(out, "status: chunks %" PRIu64 " events %" PRIu64 " bytes %" PRIu64 " truncated %s", st->chunks,
			st->events, st->bytes, st->truncated ? "yes" : "no");
		if (st->truncated)
			fprintf(out, " cut_offset %" PRIu64, st->cut_offset);
		fprintf(out, " warnings %d errors %d\n", st->warning[0] != 0, rc && st->error[0]);
		return;
	}
	fprintf(out, "{\"type\":\"status\",\"chunks\":%" PRIu64 ",\"events\":%" PRIu64 ",\"bytes\":%" PRIu64
		",\"truncated\":%s,\"cut_offset\":%" PRIu64 ",\"warning\":",
		st->chunks, st->events, st->bytes, st->truncated ? "true" : "false", st->cut_offset);
	hp_json_str(out, st->warning[0] ? st->warning : NULL, (size_t)-1);
	fputs(",\"error\":", out);
	hp_json_str(out, rc && st->error[0] ? st->error : NULL, (size_t)-1);
	fputs("}\n", out);
}

/* After the events: process, threads, stacks, sites, modules, then the status line. */
static int dump_definitions(struct dump *d, const struct hp_defs *defs, const struct hp_read_status *st, int rc)
{
	struct by_id stacks = {0}, sites = {0};

	if (defs->process.seen) {
		if (d->json)
			dump_process_json(d->out, &defs->process);
		else
			dump_process_text(d->out, &defs->process);
	}
	for (size_t i = 0; i < defs->nthreads; i++)
		dump_thread(d, &defs->threads[i]);
	hp_defs_foreach_stack(defs, collect_stack, &stacks);
	hp_defs_foreach_site(defs, collect_site, &sites);
	if (stacks.nomem || sites.nomem) {
		free(stacks.items);
		free(sites.items);
		return -1;
	}
	if (stacks.n)
		qsort(stacks.items, stacks.n, sizeof(*stacks.items), cmp_stack);
	if (sites.n)
		qsort(sites.items, sites.n, sizeof(*sites.items), cmp_site);
	for (size_t i = 0; i < stacks.n; i++)
		dump_stack(d, stacks.items[i]);
	for (size_t i = 0; i < sites.n; i++)
		dump_site(d, sites.items[i]);
	for (size_t i = 0; i < defs->nmodules; i++)
		dump_module(d, &defs->modules[i]);
	dump_status(d, st, rc);
	free(stacks.items);
	free(sites.items);
	return 0;
}

static void help(void)
{
	puts("usage: hookprof-analyze dump [--json] TRACE\n"
	     "Prints every event of TRACE in causal order, then its definitions and a status line.\n"
	     "--json: one JSON object per line (keys: docs/dump-format.md).");
}

int cmd_dump(int argc, const char **argv)
{
	struct dump d = {.out = stdout};
	const char **operands;
	size_t noperands;
	const struct hp_option opts[] = {
		HP_OPT_FLAG(JSON, &d.json),
		HP_OPT_END,
	};
	int parsed = hp_options_front("dump", opts, help, argc, argv, true, true, &operands, &noperands);
	if (parsed >= 0)
		return parsed;
	const char *path = operands[0];
	free((void *)operands);
	struct hp_defs defs;
	struct hp_read_status st;
	hp_defs_init(&defs);
	int rc = hp_trace_read(path, &defs, on_event, &d, &st);
	hp_heap_free(&d.heap);
	if (d.out_of_memory || (rc != -2 && dump_definitions(&d, &defs, &st, rc))) {
		hp_defs_release(&defs);
		fputs("hookprof: dump: out of memory\n", stderr);
		return 1;
	}
	if (!rc)
		hp_trace_warnings(path, &st, &defs, hp_warning_to_stderr, NULL);
	hp_defs_release(&defs);
	if (rc == -2 || fflush(stdout)) {
		fputs("hookprof: dump: cannot write the output\n", stderr);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "hookprof: %s\n", st.error);
		return 1;
	}
	return 0;
}
