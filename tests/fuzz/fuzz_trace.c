/* fuzz_trace.c: libFuzzer target for the whole trace reader (hp_trace_read_mem) over hostile bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "read/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every field, so that ASan sees any uninitialised or dangling part of an event or definition. */
static int touch(void *ctx, const struct hp_event *ev, const struct hp_defs *defs)
{
	uint64_t *sum = ctx;
	const struct hp_stack *st = hp_defs_stack(defs, ev->stack);
	const struct hp_site_def *site = hp_defs_site(defs, ev->site);
	const struct hp_thread_info *t = hp_defs_thread(defs, ev->stream);

	*sum += ev->type + ev->kind + ev->flags + ev->stream + ev->tick + ev->ns + ev->addr + ev->addr2 + ev->size +
		ev->stack + ev->site + (uint64_t)ev->value + ev->sample.rss + ev->sample.utime_ns +
		ev->sample.stime_ns + ev->sample.minflt + ev->sample.majflt + ev->sample.read_bytes +
		ev->sample.write_bytes + ev->nwords;
	for (size_t i = 0; i < ev->nwords; i++)
		*sum += ev->words[i].loc ^ ev->words[i].value;
	if (st)
		for (uint32_t i = 0; i < st->depth; i++)
			*sum += st->ips[i];
	if (site)
		*sum += strlen(site->name) + strlen(site->function) + strlen(site->file) + site->line + site->kind;
	if (t)
		*sum += t->tid + (t->name ? strlen(t->name) : 0);
	if (ev->type == HP_EV_MODULE_LOAD) {
		if (ev->value < 0 || (uint64_t)ev->value >= defs->nmodules)
			__builtin_trap(); /* a module event must name a defined module */
		const struct hp_module *m = &defs->modules[ev->value];
		*sum += strlen(m->path) + m->build_id_len + m->nseg;
		for (size_t i = 0; i < m->nseg; i++)
			*sum += m->segs[i].vaddr + m->segs[i].memsz + m->segs[i].offset + m->segs[i].flags;
	}
	return 0;
}

static void touch_stack(const struct hp_stack *s, void *arg)
{
	*(uint64_t *)arg += s->id + s->depth + (s->depth ? s->ips[s->depth - 1] : 0);
}

static void touch_site(const struct hp_site_def *s, void *arg)
{
	*(uint64_t *)arg += s->id + strlen(s->name) + strlen(s->file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_defs defs;
	struct hp_read_status st;
	uint64_t sum = 0;

	hp_defs_init(&defs);
	int rc = hp_trace_read_mem(data, size, "fuzz.hpt", &defs, touch, &sum, &st);
	/* The status keeps its promises: an error message on -1, a cut inside the data when truncated. */
	if ((rc == -1 && !st.error[0]) || (rc == 0 && st.error[0]) || !memchr(st.error, 0, sizeof(st.error)) ||
	    !memchr(st.warning, 0, sizeof(st.warning)) || (st.truncated && st.cut_offset >= size))
		__builtin_trap();
	hp_defs_foreach_stack(&defs, touch_stack, &sum);
	hp_defs_foreach_site(&defs, touch_site, &sum);
	const struct hp_process_info *p = &defs.process;
	for (int i = 0; i < p->argc; i++)
		sum += strlen(p->argv[i]);
	if (p->exe)
		sum += strlen(p->exe);
	for (size_t i = 0; i < defs.nthreads; i++)
		sum += defs.threads[i].stream + defs.threads[i].end_ns;
	hp_defs_release(&defs);
	__asm__ volatile("" : : "r"(sum));
	return 0;
}
