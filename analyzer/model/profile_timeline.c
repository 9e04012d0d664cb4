/* profile_timeline.c: what a profile build keeps over time: the sampled heap, RSS and CPU timeline,
 * per-site growth, counters and marks. */
#include <stdlib.h>
#include <string.h>

#include "hpt_format.h"
#include "model/profile_build_internal.h"

static void sample_growth(struct builder *b, uint64_t ns)
{
	double t = (double)ns / 1e9;

	for (size_t i = 0; i < b->nsites; i++)
		hp_growth_add(&b->growth[i], t, (double)b->sites[i].live_bytes);
}

static void add_timeline(struct builder *b, const struct hp_event *ev)
{
	struct hp_profile *p = b->p;
	struct hp_timeline_point pt = {ev->ns, b->live_bytes, ev->sample.rss,
				       hp_sample_cpu_ns(&ev->sample), p->summary.allocations};

	if (ev->sample.rss > p->summary.peak_rss)
		p->summary.peak_rss = ev->sample.rss;
	/* From the window's start (its last sample before), or from the trace's (the sample the writer
	 * takes as it starts): the run time starts there too, and what the process took before (the
	 * loader, its first constructors, the recorder's start) is not the run's. */
	uint64_t before = b->cpu_before ? b->cpu_before : b->cpu_first;
	p->summary.cpu_ns = pt.cpu_ns > before ? pt.cpu_ns - before : 0;
	if (!p->timeline && !(p->timeline = malloc(HP_TIMELINE_MAX * sizeof(*p->timeline)))) {
		b->oom = true;
		return;
	}
	if (p->ntimeline == HP_TIMELINE_MAX) {
		/* Halve: each pair becomes one point keeping the larger heap and RSS, so peaks survive. */
		for (size_t i = 0; i < HP_TIMELINE_MAX / 2; i++) {
			struct hp_timeline_point a = p->timeline[2 * i], c = p->timeline[2 * i + 1];
			c.heap_bytes = a.heap_bytes > c.heap_bytes ? a.heap_bytes : c.heap_bytes;
			c.rss = a.rss > c.rss ? a.rss : c.rss;
			p->timeline[i] = c;
		}
		p->ntimeline = HP_TIMELINE_MAX / 2;
	}
	p->timeline[p->ntimeline++] = pt;
}

void pb_finish_names(struct builder *b)
{
	struct hp_profile *p = b->p;
	struct hp_summary *sum = &p->summary;

	/* Counters and marks: names from their sites. */
	for (size_t i = 0; i < p->ncounters; i++) {
		struct hp_counter *c = &p->counters[i];
		const struct hp_site_def *site = hp_defs_site(&p->defs, c->site);
		c->name = site ? site->name : "(undefined counter)";
		c->per_second = sum->run_ns ? (double)c->total * 1e9 / (double)sum->run_ns : 0;
	}
	for (size_t i = 0; i < p->nmarks; i++) {
		const struct hp_site_def *site = hp_defs_site(&p->defs, (uint32_t)(uintptr_t)p->marks[i].name);
		p->marks[i].name = site ? site->name : "(undefined mark)";
	}
}

int pb_sample(struct builder *b, const struct hp_event *ev)
{
	if (!b->cpu_first_seen) {
		b->cpu_first = hp_sample_cpu_ns(&ev->sample);
		b->cpu_first_seen = true;
	}
	if (!b->in) {
		if (!b->opened)
			b->cpu_before = hp_sample_cpu_ns(&ev->sample);
		return 0;
	}
	add_timeline(b, ev);
	/* Ten growth points a second at the default interval; a site costs O(1) each. */
	if (b->samples++ % 10 == 0)
		sample_growth(b, ev->ns);
	return b->oom ? -1 : 0;
}

int pb_counter(struct builder *b, const struct hp_event *ev)
{
	struct hp_profile *p = b->p;
	uint32_t *slot = hp_idmap_slot(&b->counter_of_site, (uint64_t)ev->site + 1, true);

	if (!slot)
		return -1;
	if (!*slot) {
		struct hp_counter *c = hp_grow(p->counters, &b->counters_cap, p->ncounters + 1, sizeof(*c));
		if (!c)
			return -1;
		p->counters = c;
		memset(&c[p->ncounters], 0, sizeof(*c));
		c[p->ncounters].site = ev->site;
		c[p->ncounters].first_ns = ev->ns;
		*slot = (uint32_t)++p->ncounters;
	}
	struct hp_counter *c = &p->counters[*slot - 1];
	c->total = hp_counter_add(c->total, ev->value);
	c->updates++;
	c->last_ns = ev->ns;
	return 0;
}

int pb_mark(struct builder *b, const struct hp_event *ev)
{
	struct hp_profile *p = b->p;

	if (p->nmarks >= HP_MARKS_MAX) {
		p->marks_dropped++;
		return 0;
	}
	if (!p->marks && !(p->marks = malloc(HP_MARKS_MAX * sizeof(*p->marks))))
		return -1;
	p->marks[p->nmarks++] = (struct hp_mark){ev->ns, ev->stream, NULL};
	/* The name is resolved after the pass (the site may be defined later). */
	p->marks[p->nmarks - 1].name = (const char *)(uintptr_t)ev->site;
	return 0;
}
