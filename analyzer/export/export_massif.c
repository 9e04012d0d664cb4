/* export_massif.c: heap snapshots in massif's out format, for ms_print and massif-visualizer.
 *
 * The heap events are kept as the pass that builds the profile sees them (a recorder on its
 * observer), then replayed once the profile says how long the run was and how high its heap went:
 * up to a hundred snapshots spread over the run, one in ten of them detailed
 * (an allocation tree: live bytes by allocation point, then by caller, down to main as massif
 * shows it), a detailed one at the moment the heap first reached its peak, and the end. Allocator
 * overhead and stacks are not measured: mem_heap_extra_B and mem_stacks_B are 0.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export/export.h"
#include "util/idmap.h"
#include "model/live_heap.h"
#include "report/report.h"

/* A snapshot is due once a fiftieth of the run's time or of its heap events has passed since the
 * previous one: evenly spread in time, yet a short burst of allocations still gets its share. Each
 * snapshot uses up a full step of one of the two, so there are at most a hundred. */
#define STEPS 50
#define DETAILED_EVERY 10
/* Children under this share of the snapshot fold into one "below massif's threshold" line, as in massif. */
#define THRESHOLD_PCT 1.0
/* Deeper call chains are cut: the tree is printed recursively. */
#define MAX_DEPTH 200

struct node {
	const struct hp_frame *frame; /* NULL for the root */
	uint64_t bytes;
	struct node *child; /* first child */
	struct node *next;  /* next sibling */
};

/* A heap event as the replay needs it. */
struct heap_event {
	uint64_t ns, addr, addr2, size;
	uint32_t stack, stream;
	uint8_t type, flags;
};

struct hp_massif_pass {
	struct heap_event *v;
	size_t n, cap;
};

struct massif {
	FILE *out;
	const struct hp_profile *p;
	struct hp_heap heap;
	struct hp_idmap site_of_stack; /* stack id + 1 → index + 1 in p->sites */
	uint64_t step_ns, step_events;
	uint64_t last_ns, events; /* of the latest snapshot; heap events since it */
	unsigned taken;
	bool peak_taken;
	bool oom;
};

static struct node *child_of(struct node *parent, const struct hp_frame *f)
{
	for (struct node *c = parent->child; c; c = c->next)
		if (c->frame->ip == f->ip && c->frame->function == f->function)
			return c;
	struct node *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->frame = f;
	c->next = parent->child;
	parent->child = c;
	return c;
}

static void free_tree(struct node *n)
{
	while (n) {
		struct node *next = n->next;
		free_tree(n->child);
		free(n);
		n = next;
	}
}

/* Adds bytes along the stack's frames, from the program's first own frame outwards. */
static int insert(struct massif *m, struct node *root, uint32_t stack, uint64_t bytes)
{
	static const struct hp_frame unknown = {0};
	uint32_t *slot = hp_idmap_slot(&m->site_of_stack, (uint64_t)stack + 1, false);
	const struct hp_stack_frames *st = slot ? m->p->sites[*slot - 1].frames : NULL;
	struct node *n = root;

	root->bytes += bytes;
	if (!st || st->nframes == 0) {
		if (!(n = child_of(root, &unknown)))
			return -1;
		n->bytes += bytes;
		return 0;
	}
	for (size_t i = st->user_frame; i < st->nframes && i - st->user_frame < MAX_DEPTH; i++) {
		if (!(n = child_of(n, &st->frames[i])))
			return -1;
		n->bytes += bytes;
		/* massif leaves out what runs below main (the C library's start-up) */
		if (st->frames[i].function && !strcmp(st->frames[i].function, "main"))
			break;
	}
	return 0;
}

static void describe(FILE *out, const struct hp_frame *f)
{
	fprintf(out, "0x%" PRIX64 ": ", f->ip);
	if (!f->function && f->module) /* module+offset, as every view names an unresolved frame */
		fprintf(out, "%s+0x%" PRIx64, hp_basename(f->module), f->module_offset);
	else if (!f->function)
		fputs("???", out);
	else
		fputs(f->function, out);
	if (f->function && f->file)
		fprintf(out, " (%s:%u)", hp_basename(f->file), f->line);
	else if (f->module)
		fprintf(out, " (in %s)", f->module);
	fputc('\n', out);
}

static int cmp_bytes(const void *x, const void *y)
{
	const struct node *a = *(const struct node *const *)x, *b = *(const struct node *const *)y;

	/* Ties by address: the children were added in the heap's slot order, which means nothing. */
	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return a->frame->ip < b->frame->ip ? -1 : a->frame->ip > b->frame->ip;
}

static int print_node(FILE *out, const struct node *n, unsigned depth, uint64_t threshold)
{
	size_t nkids = 0, shown = 0, below = 0;
	uint64_t below_bytes = 0;

	for (const struct node *c = n->child; c; c = c->next)
		nkids++;
	const struct node **kids = calloc(nkids + 1, sizeof(*kids));
	if (!kids)
		return -1;
	nkids = 0;
	for (const struct node *c = n->child; c; c = c->next)
		kids[nkids++] = c;
	qsort(kids, nkids, sizeof(*kids), cmp_bytes);
	for (size_t i = 0; i < nkids; i++) {
		if (kids[i]->bytes >= threshold && kids[i]->bytes > 0)
			shown++;
		else
			below++, below_bytes += kids[i]->bytes;
	}
	fprintf(out, "%*sn%zu: %" PRIu64 " ", (int)depth, "", shown + (below > 0), n->bytes);
	if (n->frame)
		describe(out, n->frame);
	else
		fputs("(heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n", out);
	int rc = 0;
	for (size_t i = 0; i < shown && !rc; i++)
		rc = print_node(out, kids[i], depth + 1, threshold);
	if (below)
		fprintf(out, "%*sn0: %" PRIu64 " in %zu place%s, %sbelow massif's threshold (%.2f%%)\n", (int)depth + 1,
			"", below_bytes, below, below == 1 ? "" : "s", shown ? "" : "all ", THRESHOLD_PCT);
	free(kids);
	return rc;
}

static void snapshot(struct massif *m, uint64_t ns, const char *tree)
{
	FILE *out = m->out;

	fprintf(out, "#-----------\nsnapshot=%u\n#-----------\ntime=%" PRIu64 "\nmem_heap_B=%" PRIu64
		     "\nmem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=%s\n",
		m->taken++, ns / 1000000, m->heap.bytes, tree);
	m->last_ns = ns;
	m->events = 0;
	if (!strcmp(tree, "empty"))
		return;
	struct node root = {0};
	int rc = 0;
	for (size_t i = 0; i < m->heap.cap && !rc; i++)
		if (m->heap.slots[i].addr)
			rc = insert(m, &root, m->heap.slots[i].stack, m->heap.slots[i].size);
	uint64_t threshold = (uint64_t)((double)root.bytes * THRESHOLD_PCT / 100.0);
	if (!rc)
		rc = print_node(out, &root, 0, threshold);
	free_tree(root.child);
	if (rc)
		m->oom = true;
}

/* Applies one heap event, with the snapshots due before and after it. */
static int replay(struct massif *m, const struct heap_event *he)
{
	struct hp_event ev = {.type = he->type, .flags = he->flags, .ns = he->ns, .addr = he->addr,
			      .addr2 = he->addr2, .size = he->size, .stack = he->stack, .stream = he->stream};

	if (!m->taken || ev.ns >= m->last_ns + m->step_ns || m->events >= m->step_events)
		snapshot(m, ev.ns, m->taken % DETAILED_EVERY == DETAILED_EVERY - 1 ? "detailed" : "empty");
	m->events++;
	if (hp_heap_replay(&m->heap, &ev)) {
		m->oom = true;
		return 1;
	}
	if (!m->peak_taken && m->heap.bytes == m->p->summary.peak_heap_bytes && m->heap.bytes) {
		snapshot(m, ev.ns, "peak");
		m->peak_taken = true;
	}
	return m->oom || ferror(m->out);
}

static int on_event(void *ctx, const struct hp_event *ev, uint64_t heap_bytes)
{
	struct hp_massif_pass *mp = ctx;
	(void)heap_bytes;

	if (ev->type != HP_EV_ALLOC && ev->type != HP_EV_FREE && ev->type != HP_EV_REALLOC)
		return 0;
	if (mp->n == mp->cap) {
		size_t cap = mp->cap ? 2 * mp->cap : 1024;
		struct heap_event *n = realloc(mp->v, cap * sizeof(*n));
		if (!n)
			return -1;
		mp->v = n;
		mp->cap = cap;
	}
	mp->v[mp->n++] = (struct heap_event){ev->ns, ev->addr, ev->addr2, ev->size, ev->stack, ev->stream,
					     (uint8_t)ev->type, (uint8_t)ev->flags};
	return 0;
}

struct hp_massif_pass *hp_export_massif_watch(struct hp_profile_observer *obs)
{
	struct hp_massif_pass *mp = calloc(1, sizeof(*mp));

	if (mp)
		*obs = (struct hp_profile_observer){on_event, NULL, mp};
	return mp;
}

void hp_export_massif_pass_free(struct hp_massif_pass *mp)
{
	if (mp)
		free(mp->v);
	free(mp);
}

int hp_export_massif(FILE *out, const struct hp_profile *p, struct hp_massif_pass *pass, char *err, size_t errlen)
{
	struct massif m = {.out = out, .p = p};
	const struct hp_process_info *pi = &p->defs.process;
	int rc = -1;

	for (size_t i = 0; i < p->nsites; i++) {
		uint32_t *slot = hp_idmap_slot(&m.site_of_stack, (uint64_t)p->sites[i].stack_id + 1, true);
		if (!slot)
			goto oom;
		*slot = (uint32_t)i + 1;
	}
	const struct hp_summary *sum = &p->summary;
	m.step_ns = sum->run_ns / STEPS ? sum->run_ns / STEPS : 1;
	m.step_events = (sum->allocations + sum->frees + sum->reallocs) / STEPS;
	m.step_events = m.step_events ? m.step_events : 1;
	fputs("desc: (hookprof export --format massif)\ncmd:", out);
	for (int i = 0; i < pi->argc; i++) {
		fputc(' ', out);
		for (const char *c = pi->argv[i]; *c; c++) /* one line, whatever the arguments hold */
			fputc(*c == '\n' || *c == '\r' ? ' ' : *c, out);
	}
	if (!pi->argc)
		fprintf(out, " %s", pi->exe ? pi->exe : "(unknown)");
	fputs("\ntime_unit: ms\n", out);
	for (size_t i = 0; i < pass->n && !replay(&m, &pass->v[i]); i++)
		;
	if (m.oom)
		goto oom;
	snapshot(&m, p->summary.run_ns, "detailed"); /* the end: what was never freed */
	if (m.oom)
		goto oom;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory while exporting", p->path);
out:
	free(m.heap.slots);
	hp_idmap_free(&m.site_of_stack);
	return rc;
}
