/* export_massif.c: heap snapshots in massif's out format, for ms_print and massif-visualizer.
 *
 * Taken during the pass that builds the profile (an observer), as massif takes them: a snapshot is due
 * once a step of time or of heap events has passed since the previous one; when there are twice
 * STEPS of them, every other one goes and the steps double, so that 50 to 100 remain spread over the
 * run whatever its length, and nothing is kept per event. A snapshot shows the heap after the event
 * at its time; one that can be detailed copies the live bytes of each site (each call stack) the
 * profile's model keeps (an allocation tree: live bytes by allocation point, then by caller, down to
 * main as massif shows it). The peak comes from the profile's bytes per site at the moment of the
 * peak, the end from the live bytes left. Allocator
 * overhead and stacks are not measured: mem_heap_extra_B and mem_stacks_B are 0.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export/export.h"
#include "util/grow.h"
#include "util/idmap.h"
#include "model/live_heap.h"
#include "report/report.h"

/* Between STEPS and twice STEPS snapshots spread over the run; one in DETAILED_EVERY detailed (a power
 * of two: a detailed snapshot's index stays a multiple of it, or of its half, when every other one
 * goes). */
#define STEPS 50
#define DETAILED_EVERY 8
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

/* What the tree is printed from: the profile's sites (their frames), found by stack id. */
struct massif {
	FILE *out;
	const struct hp_profile *p;
	struct hp_idmap site_of_stack; /* stack id + 1 → index + 1 in p->sites */
	unsigned taken;
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
	const uint32_t *slot = hp_idmap_find(&m->site_of_stack, (uint64_t)stack + 1);
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
		if (!(n = child_of(n, st->frames[i])))
			return -1;
		n->bytes += bytes;
		/* massif leaves out what runs below main (the C library's start-up) */
		if (st->frames[i]->function && !strcmp(st->frames[i]->function, "main"))
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

	/* Ties by address, then name (inlined frames share an address): the order the children were
	 * added in means nothing. */
	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	if (a->frame->ip != b->frame->ip)
		return a->frame->ip < b->frame->ip ? -1 : 1;
	return strcmp(a->frame->function ? a->frame->function : "", b->frame->function ? b->frame->function : "");
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

/* The pass: the snapshots, each with the heap's live bytes by site then (the model's, read through
 * the observer: the blocks are the profile's, not kept twice), and each site's stack. */
struct snap {
	uint64_t ns, heap_bytes;
	uint64_t *by_site; /* live bytes by site index then; only where the snapshot can be detailed */
	size_t nsites;
};

struct hp_massif_pass {
	uint32_t *stacks; /* site index → stack id, for every site seen */
	size_t nsites, stacks_cap;
	struct snap snaps[2 * STEPS];
	size_t nsnaps;
	uint64_t step_ns, step_events, events; /* heap events since the latest snapshot */
	bool oom;
};

/* Every other snapshot goes (the first stays) and the steps double. */
static void thin(struct hp_massif_pass *mp)
{
	size_t k = 0;

	for (size_t i = 0; i < mp->nsnaps; i++) {
		if (i % 2) {
			free(mp->snaps[i].by_site);
			continue;
		}
		struct snap s = mp->snaps[i];
		if (k % DETAILED_EVERY) { /* no longer where a detailed one stands */
			free(s.by_site);
			s.by_site = NULL;
		}
		mp->snaps[k++] = s;
	}
	mp->nsnaps = k;
	mp->step_ns *= 2;
	mp->step_events *= 2;
}

static void take(struct hp_massif_pass *mp, uint64_t ns, const struct hp_observed_heap *heap)
{
	if (mp->nsnaps == 2 * STEPS)
		thin(mp);
	struct snap *s = &mp->snaps[mp->nsnaps++];
	*s = (struct snap){.ns = ns, .heap_bytes = heap->live_bytes, .nsites = heap->nsites};
	if ((mp->nsnaps - 1) % DETAILED_EVERY == 0 && heap->nsites) {
		if (!(s->by_site = malloc(heap->nsites * sizeof(*s->by_site))))
			mp->oom = true;
		else
			for (size_t i = 0; i < heap->nsites; i++)
				s->by_site[i] = heap->sites[i].live_bytes;
	}
	mp->events = 0;
}

/* Each heap event: the stacks of sites new since the last, then the snapshot due, the event in it. */
static int on_event(void *ctx, const struct hp_event *ev, const struct hp_observed_heap *heap)
{
	struct hp_massif_pass *mp = ctx;
	struct hp_heap_change c;

	if (!hp_heap_change_of(ev, &c))
		return 0;
	if (heap->nsites > mp->nsites) {
		uint32_t *st = hp_grow(mp->stacks, &mp->stacks_cap, heap->nsites, sizeof(*st));
		if (!st) {
			mp->oom = true;
			return -1;
		}
		mp->stacks = st;
		for (; mp->nsites < heap->nsites; mp->nsites++)
			st[mp->nsites] = heap->sites[mp->nsites].stack_id;
	}
	if (!mp->nsnaps) /* the heap before the first event, empty, as massif's first snapshot */
		mp->snaps[mp->nsnaps++] = (struct snap){.ns = ev->ns};
	else if (ev->ns >= mp->snaps[mp->nsnaps - 1].ns + mp->step_ns || mp->events >= mp->step_events)
		take(mp, ev->ns, heap);
	mp->events++;
	return mp->oom ? -1 : 0;
}

struct hp_massif_pass *hp_export_massif_watch(struct hp_profile_observer *obs)
{
	struct hp_massif_pass *mp = calloc(1, sizeof(*mp));

	if (mp) {
		mp->step_ns = mp->step_events = 1;
		*obs = (struct hp_profile_observer){on_event, NULL, mp};
	}
	return mp;
}

void hp_export_massif_pass_free(struct hp_massif_pass *mp)
{
	if (!mp)
		return;
	for (size_t i = 0; i < mp->nsnaps; i++)
		free(mp->snaps[i].by_site);
	free(mp->stacks);
	free(mp);
}

static void snapshot_head(struct massif *m, uint64_t ns, uint64_t heap_bytes, const char *tree)
{
	fprintf(m->out, "#-----------\nsnapshot=%u\n#-----------\ntime=%" PRIu64 "\nmem_heap_B=%" PRIu64
			"\nmem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=%s\n",
		m->taken++, ns / 1000000, heap_bytes, tree);
}

/* A detailed snapshot's tree from live bytes by stack (stacks[i] holds bytes[i]; n of them). */
static int print_tree(struct massif *m, const uint32_t *stacks, const uint64_t *bytes, size_t n)
{
	struct node root = {0};
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		if (bytes[i])
			rc = insert(m, &root, stacks[i], bytes[i]);
	uint64_t threshold = (uint64_t)((double)root.bytes * THRESHOLD_PCT / 100.0);
	if (!rc)
		rc = print_node(m->out, &root, 0, threshold);
	free_tree(root.child);
	return rc;
}

/* A snapshot from the profile's sites: their bytes at the heap's peak, or left at the end. */
static int print_from_sites(struct massif *m, bool at_peak)
{
	const struct hp_profile *p = m->p;
	uint32_t *stacks = malloc((p->nsites + 1) * sizeof(*stacks));
	uint64_t *bytes = malloc((p->nsites + 1) * sizeof(*bytes));
	uint64_t total = 0;
	int rc = -1;

	if (stacks && bytes) {
		for (size_t i = 0; i < p->nsites; i++) {
			stacks[i] = p->sites[i].stack_id;
			bytes[i] = at_peak ? p->sites[i].peak_bytes : p->sites[i].live_bytes;
			total += bytes[i];
		}
		if (at_peak)
			snapshot_head(m, p->summary.peak_heap_ns, p->summary.peak_heap_bytes, "peak");
		else
			snapshot_head(m, p->summary.run_ns, total, "detailed");
		rc = print_tree(m, stacks, bytes, p->nsites);
	}
	free(stacks);
	free(bytes);
	return rc;
}

int hp_export_massif(FILE *out, const struct hp_profile *p, struct hp_massif_pass *pass, char *err, size_t errlen)
{
	struct massif m = {.out = out, .p = p};
	const struct hp_process_info *pi = &p->defs.process;
	const struct hp_summary *sum = &p->summary;
	bool peak = sum->peak_heap_bytes > 0;
	int rc = -1;

	if (pass->oom)
		goto oom;
	for (size_t i = 0; i < p->nsites; i++) {
		uint32_t *slot = hp_idmap_slot(&m.site_of_stack, (uint64_t)p->sites[i].stack_id + 1, true);
		if (!slot)
			goto oom;
		*slot = (uint32_t)i + 1;
	}
	fputs("desc: (hookprof export --format massif)\ncmd:", out);
	for (int i = 0; i < pi->argc; i++) {
		fputc(' ', out);
		for (const char *c = pi->argv[i]; *c; c++) /* one line, whatever the arguments hold */
			fputc(*c == '\n' || *c == '\r' ? ' ' : *c, out);
	}
	if (!pi->argc)
		fprintf(out, " %s", pi->exe ? pi->exe : "(unknown)");
	fputs("\ntime_unit: ms\n", out);
	/* The snapshots in time order, the peak among them (after those of its moment), then the end:
	 * what was never freed. */
	for (size_t i = 0; i < pass->nsnaps; i++) {
		const struct snap *s = &pass->snaps[i];
		if (peak && s->ns > sum->peak_heap_ns) {
			if (print_from_sites(&m, true))
				goto oom;
			peak = false;
		}
		snapshot_head(&m, s->ns, s->heap_bytes, s->by_site ? "detailed" : "empty");
		if (s->by_site && print_tree(&m, pass->stacks, s->by_site, s->nsites))
			goto oom;
	}
	if (peak && print_from_sites(&m, true))
		goto oom;
	if (print_from_sites(&m, false))
		goto oom;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory while exporting", p->path);
out:
	hp_idmap_free(&m.site_of_stack);
	return rc;
}
