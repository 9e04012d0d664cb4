/* cmd_dump.c: `hookprof-analyze dump [--json] TRACE`: every event in causal order, then the definitions.
 *
 * For debugging traces and for the integration tests, which check recordings event by event.
 * docs/dump-format.md lists the keys.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "hpt_format.h"
#include "json_out.h"
#include "trace.h"

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
};

struct dump {
	FILE *out;
	bool json;
};

static void put_u(FILE *out, const char *key, uint64_t v)
{
	fprintf(out, ",\"%s\":%" PRIu64, key, v);
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

static int on_event(void *ctx, const struct hp_event *ev, const struct hp_defs *defs)
{
	struct dump *d = ctx;
	FILE *out = d->out;
	const struct hp_thread_info *t = hp_defs_thread(defs, ev->stream);
	const char *name = ev->type < sizeof(event_names) / sizeof(event_names[0]) ? event_names[ev->type] : "unknown";

	if (!d->json) {
		fprintf(out, "%12.6f ms  stream %-3u %-13s", ev->ns / 1e6, ev->stream, name);
		switch (ev->type) {
		case HP_EV_ALLOC:
			fprintf(out, " kind %u addr 0x%" PRIx64 " size %" PRIu64 " stack %u\n", ev->kind, ev->addr, ev->size, ev->stack);
			return 0;
		case HP_EV_FREE:
			fprintf(out, " kind %u addr 0x%" PRIx64 "\n", ev->kind, ev->addr);
			return 0;
		case HP_EV_REALLOC:
			fprintf(out, " kind %u flags %u old 0x%" PRIx64 " new 0x%" PRIx64 " size %" PRIu64 " stack %u\n",
				ev->kind, ev->flags, ev->addr, ev->addr2, ev->size, ev->stack);
			return 0;
		default:
			fprintf(out, " site %u addr 0x%" PRIx64 " size %" PRIu64 " value %" PRId64 "\n", ev->site,
				ev->addr, ev->size, ev->value);
			return 0;
		}
	}
	fprintf(out, "{\"type\":\"%s\"", name);
	put_u(out, "stream", ev->stream);
	if (t)
		put_u(out, "tid", t->tid);
	put_u(out, "tick", ev->tick);
	put_u(out, "ns", ev->ns);
	switch (ev->type) {
	case HP_EV_ALLOC:
		put_u(out, "kind", ev->kind);
		put_u(out, "addr", ev->addr);
		put_u(out, "size", ev->size);
		put_u(out, "stack", ev->stack);
		break;
	case HP_EV_FREE:
		put_u(out, "kind", ev->kind);
		put_u(out, "addr", ev->addr);
		break;
	case HP_EV_REALLOC:
		put_u(out, "kind", ev->kind);
		put_u(out, "flags", ev->flags);
		put_u(out, "old", ev->addr);
		put_u(out, "new", ev->addr2);
		put_u(out, "size", ev->size);
		put_u(out, "stack", ev->stack);
		break;
	case HP_EV_ALLOC_FAIL:
		put_u(out, "kind", ev->kind);
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

static void dump_stack(const struct hp_stack *s, void *arg)
{
	FILE *out = ((struct dump *)arg)->out;

	fprintf(out, "{\"type\":\"stack\",\"id\":%u,\"ips\":[", s->id);
	for (uint32_t i = 0; i < s->depth; i++)
		fprintf(out, "%s%" PRIu64, i ? "," : "", s->ips[i]);
	fputs("]}\n", out);
}

static void dump_site(const struct hp_site_def *s, void *arg)
{
	FILE *out = ((struct dump *)arg)->out;

	fprintf(out, "{\"type\":\"site\",\"id\":%u,\"kind\":%u,\"line\":%u,\"name\":", s->id, s->kind, s->line);
	hp_json_str(out, s->name, (size_t)-1);
	fputs(",\"function\":", out);
	hp_json_str(out, s->function, (size_t)-1);
	fputs(",\"file\":", out);
	hp_json_str(out, s->file, (size_t)-1);
	fputs("}\n", out);
}

static void dump_definitions(struct dump *d, const struct hp_defs *defs, const struct hp_read_status *st, int rc)
{
	FILE *out = d->out;
	const struct hp_process_info *p = &defs->process;

	if (p->seen) {
		fprintf(out, "{\"type\":\"process\",\"pid\":%u,\"ppid\":%u,\"start_real_ns\":%" PRIu64 ",\"flags\":%u,\"exe\":",
			p->pid, p->ppid, p->start_real_ns, p->flags);
		hp_json_str(out, p->exe, (size_t)-1);
		fputs(",\"argv\":[", out);
		for (int i = 0; i < p->argc; i++) {
			if (i)
				putc(',', out);
			hp_json_str(out, p->argv[i], (size_t)-1);
		}
		fprintf(out, "],\"event_cost_ns\":%" PRIu64 ",\"lsan_suppressions\":", p->event_cost_ns);
		hp_json_str(out, p->lsan_suppressions, (size_t)-1);
		fputs("}\n", out);
	}
	for (size_t i = 0; i < defs->nthreads; i++) {
		const struct hp_thread_info *t = &defs->threads[i];
		fprintf(out, "{\"type\":\"thread\",\"stream\":%u,\"tid\":%u,\"name\":", t->stream, t->tid);
		hp_json_str(out, t->name, (size_t)-1);
		fprintf(out, ",\"start_ns\":%" PRIu64 ",\"end_ns\":%" PRIu64 ",\"ended\":%s}\n", t->start_ns, t->end_ns,
			t->ended ? "true" : "false");
	}
	hp_defs_foreach_stack(defs, dump_stack, d);
	hp_defs_foreach_site(defs, dump_site, d);
	for (size_t i = 0; i < defs->nmodules; i++) {
		const struct hp_module *m = &defs->modules[i];
		fprintf(out, "{\"type\":\"module\",\"base\":%" PRIu64 ",\"path\":", m->base);
		hp_json_str(out, m->path, (size_t)-1);
		fputs(",\"build_id\":", out);
		put_hex_bytes(out, m->build_id, m->build_id_len);
		put_segments(out, m);
		fprintf(out, ",\"load_ns\":%" PRIu64 ",\"unloaded\":%s}\n", m->load_ns,
			m->unload_ns == UINT64_MAX ? "false" : "true");
	}
	fprintf(out, "{\"type\":\"status\",\"chunks\":%" PRIu64 ",\"events\":%" PRIu64 ",\"bytes\":%" PRIu64
		",\"truncated\":%s,\"cut_offset\":%" PRIu64 ",\"warning\":",
		st->chunks, st->events, st->bytes, st->truncated ? "true" : "false", st->cut_offset);
	hp_json_str(out, st->warning[0] ? st->warning : NULL, (size_t)-1);
	fputs(",\"error\":", out);
	hp_json_str(out, rc ? st->error : NULL, (size_t)-1);
	fputs("}\n", out);
}

int cmd_dump(int argc, const char **argv)
{
	struct dump d = {stdout, false};
	const char *path = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			d.json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			puts("usage: hookprof-analyze dump [--json] TRACE\n"
			     "Prints every event of TRACE in causal order, then its definitions and a status line.\n"
			     "--json: one JSON object per line (keys: docs/dump-format.md).");
			return 0;
		} else if (argv[i][0] == '-' || path) {
			fprintf(stderr, "hookprof: dump: unexpected argument '%s' (usage: hookprof-analyze dump [--json] TRACE)\n", argv[i]);
			return 2;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		fputs("hookprof: dump: no trace given (usage: hookprof-analyze dump [--json] TRACE)\n", stderr);
		return 2;
	}
	struct hp_defs defs;
	struct hp_read_status st;
	hp_defs_init(&defs);
	int rc = hp_trace_read(path, &defs, on_event, &d, &st);
	if (d.json)
		dump_definitions(&d, &defs, &st, rc);
	hp_defs_release(&defs);
	if (rc == -2 || fflush(stdout)) {
		fputs("hookprof: dump: cannot write the output\n", stderr);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "hookprof: %s\n", st.error);
		return 1;
	}
	if (st.warning[0])
		fprintf(stderr, "hookprof: warning: %s\n", st.warning);
	return 0;
}
