/* report_html.c: `report --html FILE`: one self-contained page, the JSON report inside and drawn by its script. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "export/export.h"
#include "report/html_page.h"
#include "report/report.h"
#include "report/score.h"
#include "util/grow.h"
#include "util/idmap.h"
#include "util/json_out.h"

/* The page's sources, analyzer/report/html/, compiled in by scripts/embed-files ($(BUILD)/gen/html_assets.c).
 * Each array ends with a NUL that its _len leaves out. */
extern const unsigned char hp_html_report_html[], hp_html_report_js[];
extern const size_t hp_html_report_html_len, hp_html_report_js_len;

/* What the page embeds, so that its size follows what it shows and not the number of sites: the sites
 * (and leaks) a text report with the same --top shows, with their whole stacks, and a flame graph tree
 * of at most PAGE_FLAME_NODES frames aggregated from every site. */
#define PAGE_FLAME_NODES 2500

/* The flame graph's costs, those of the folded export (its time is the zone tree, already in the JSON). */
enum { C_ALLOCS, C_BYTES, C_TEMPORARY, C_PEAK, C_LEAKED, NCOSTS };
static const char *const cost_names[NCOSTS] = {"allocs", "bytes", "temporary", "peak", "leaked"};

struct fnode {
	uint32_t parent, name;
	uint64_t cost[NCOSTS];
};

/* A call tree of allocation stacks, outermost frame at the root; frames of one name merged along a path.
 * Names and (parent, name) pairs are found by open addressing (slot = index + 1, 0 empty). */
struct ftree {
	struct fnode *node;
	size_t n, cap;
	char **name;
	size_t nnames, names_cap;
	uint32_t *name_slot, *node_slot;
	size_t slots; /* of each table, a power of two at least twice the entries */
	/* A frame's name, by the frame's address (+ 1): stacks share their frames (hp_symbolize_shared),
	 * so each frame is formatted and hashed once, not once a stack through it. */
	struct hp_idmap name_of_frame;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static uint64_t hash_pair(uint32_t parent, uint32_t name)
{
	return (((uint64_t)parent << 32 | name) * 0x9E3779B97F4A7C15ULL) >> 17;
}

/* Rebuilds both tables with twice the slots. */
static int grow_slots(struct ftree *t)
{
	size_t slots = t->slots ? 2 * t->slots : 1024;
	uint32_t *ns = calloc(slots, sizeof(*ns)), *ks = calloc(slots, sizeof(*ks));

	if (!ns || !ks) {
		free(ns);
		free(ks);
		return -1;
	}
	for (size_t i = 0; i < t->nnames; i++) {
		size_t s = hash_str(t->name[i]) & (slots - 1);
		while (ns[s])
			s = (s + 1) & (slots - 1);
		ns[s] = (uint32_t)i + 1;
	}
	for (size_t i = 1; i < t->n; i++) {
		size_t s = hash_pair(t->node[i].parent, t->node[i].name) & (slots - 1);
		while (ks[s])
			s = (s + 1) & (slots - 1);
		ks[s] = (uint32_t)i + 1;
	}
	free(t->name_slot);
	free(t->node_slot);
	t->name_slot = ns;
	t->node_slot = ks;
	t->slots = slots;
	return 0;
}

/* The index of name, added when new; -1 when memory runs out. */
static int64_t intern(struct ftree *t, const char *name)
{
	if (2 * (t->nnames + 1) > t->slots && grow_slots(t))
		return -1;
	size_t s = hash_str(name) & (t->slots - 1);
	for (; t->name_slot[s]; s = (s + 1) & (t->slots - 1))
		if (!strcmp(t->name[t->name_slot[s] - 1], name))
			return t->name_slot[s] - 1;
	char **v = hp_grow(t->name, &t->names_cap, t->nnames + 1, sizeof(*v));
	if (!v)
		return -1;
	t->name = v;
	if (!(t->name[t->nnames] = strdup(name)))
		return -1;
	t->name_slot[s] = (uint32_t)++t->nnames;
	return (int64_t)t->nnames - 1;
}

/* The child of parent named name, added when new; -1 when memory runs out. */
static int64_t child(struct ftree *t, uint32_t parent, uint32_t name)
{
	if (2 * (t->n + 1) > t->slots && grow_slots(t))
		return -1;
	size_t s = hash_pair(parent, name) & (t->slots - 1);
	for (; t->node_slot[s]; s = (s + 1) & (t->slots - 1)) {
		const struct fnode *c = &t->node[t->node_slot[s] - 1];
		if (c->parent == parent && c->name == name)
			return t->node_slot[s] - 1;
	}
	struct fnode *v = hp_grow(t->node, &t->cap, t->n + 1, sizeof(*v));
	if (!v)
		return -1;
	t->node = v;
	t->node[t->n] = (struct fnode){.parent = parent, .name = name};
	t->node_slot[s] = (uint32_t)++t->n;
	return (int64_t)t->n - 1;
}

/* Adds costs along a stack from its outermost frame in to the program's first own frame (the path of
 * the folded export), to the root too. */
static int add_stack(struct ftree *t, const struct hp_stack_frames *st, uint32_t stack_id, const uint64_t *cost)
{
	char name[512];
	uint32_t at = 0;

	for (int c = 0; c < NCOSTS; c++)
		t->node[0].cost[c] += cost[c];
	size_t i = st ? st->nframes : 0, end = st ? st->user_frame : 0;
	if (i == 0) {
		snprintf(name, sizeof(name), "stack #%u", (unsigned)stack_id);
		i = end + 1; /* one pass with this name */
	}
	for (; i-- > end;) {
		int64_t k;
		if (st && st->nframes) {
			uint32_t *known = hp_idmap_slot(&t->name_of_frame, (uint64_t)(uintptr_t)st->frames[i], true);
			if (!known)
				return -1;
			if (!*known && (k = intern(t, hp_export_frame_name(name, sizeof(name), st->frames[i]))) >= 0)
				*known = (uint32_t)k + 1;
			k = (int64_t)*known - 1;
		} else {
			k = intern(t, name);
		}
		int64_t c = k < 0 ? -1 : child(t, at, (uint32_t)k);
		if (c < 0)
			return -1;
		at = (uint32_t)c;
		for (int j = 0; j < NCOSTS; j++)
			t->node[at].cost[j] += cost[j];
	}
	return 0;
}

static void ftree_free(struct ftree *t)
{
	hp_idmap_free(&t->name_of_frame);
	for (size_t i = 0; i < t->nnames; i++)
		free(t->name[i]);
	free(t->name);
	free(t->node);
	free(t->name_slot);
	free(t->node_slot);
}

/* A node's weight: its largest share of a cost's whole. A child weighs no more than its parent, so the
 * heaviest nodes (ties to the older, the parent) make a tree. */
static double weight(const struct ftree *t, size_t i)
{
	double w = 0;
	for (int c = 0; c < NCOSTS; c++)
		if (t->node[0].cost[c] && (double)t->node[i].cost[c] / (double)t->node[0].cost[c] > w)
			w = (double)t->node[i].cost[c] / (double)t->node[0].cost[c];
	return w;
}

static const struct ftree *sort_tree;

static int cmp_weight(const void *x, const void *y)
{
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
	double a = weight(sort_tree, i), b = weight(sort_tree, j);
	if (a != b)
		return a > b ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* Writes "flame": the PAGE_FLAME_NODES heaviest nodes as [parent, name, costs..., costs of the children
 * left out...], parents first, and the names they use. */
static int write_flame(struct hp_jw *w, const struct ftree *t)
{
	uint32_t *order = malloc(t->n * sizeof(*order)), *newid = malloc(t->n * sizeof(*newid));
	uint64_t(*left)[NCOSTS] = calloc(t->n, sizeof(*left));
	size_t keep = t->n < PAGE_FLAME_NODES ? t->n : PAGE_FLAME_NODES;

	if (!order || !newid || !left) {
		free(order);
		free(newid);
		free(left);
		return -1;
	}
	for (size_t i = 0; i < t->n; i++) {
		order[i] = (uint32_t)i;
		newid[i] = UINT32_MAX;
	}
	sort_tree = t;
	qsort(order, t->n, sizeof(*order), cmp_weight);
	for (size_t i = 0; i < keep; i++)
		newid[order[i]] = 0;
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (newid[i] == 0)
			newid[i] = (uint32_t)k++;
		else
			for (int c = 0; c < NCOSTS; c++)
				left[t->node[i].parent][c] += t->node[i].cost[c];
	}
	hp_jw_obj(w, "flame");
	hp_jw_arr(w, "costs");
	for (int c = 0; c < NCOSTS; c++)
		hp_jw_str(w, NULL, cost_names[c]);
	hp_jw_end_arr(w);
	hp_jw_u64(w, "nodes_total", t->n);
	hp_jw_arr(w, "names");
	for (size_t i = 0; i < t->nnames; i++)
		hp_jw_str(w, NULL, t->name[i]);
	hp_jw_end_arr(w);
	hp_jw_arr(w, "nodes");
	for (size_t i = 0; i < t->n; i++) {
		if (newid[i] == UINT32_MAX)
			continue;
		hp_jw_arr(w, NULL);
		hp_jw_i64(w, NULL, i ? (int64_t)newid[t->node[i].parent] : -1);
		hp_jw_u64(w, NULL, t->node[i].name);
		for (int c = 0; c < NCOSTS; c++)
			hp_jw_u64(w, NULL, t->node[i].cost[c]);
		for (int c = 0; c < NCOSTS; c++)
			hp_jw_u64(w, NULL, left[i][c]);
		hp_jw_end_arr(w);
	}
	hp_jw_end_arr(w);
	hp_jw_end_obj(w);
	free(order);
	free(newid);
	free(left);
	return 0;
}

/* The page's own data at the end of each process: how many sites and leaks there are (the page says
 * how many it leaves out) and the flame graph of allocation costs. */
static int write_page_data(struct hp_jw *w, const struct hp_report *r, const struct hp_json_ext *ext)
{
	const struct hp_profile *p = r->profile;
	struct ftree t = {.node = calloc(1, sizeof(struct fnode)), .n = 1, .cap = 1};
	size_t leaks = 0;
	int rc = t.node ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < p->nsites; i++) {
		const struct hp_alloc_site *s = &p->sites[i];
		uint64_t cost[NCOSTS] = {s->allocs, s->bytes, s->temporary, s->peak_bytes, 0};
		rc = add_stack(&t, s->frames, s->stack_id, cost);
	}
	for (size_t i = 0; rc == 0 && i < p->nleaks; i++) {
		const struct hp_leak *l = &p->leaks[i];
		if (!hp_leak_shown(l))
			continue;
		leaks++;
		/* Leaked bytes as the folded export counts them: lost blocks, not still reachable ones. */
		uint64_t cost[NCOSTS] = {0, 0, 0, 0, l->kind != HP_LEAK_REACHABLE ? l->bytes : 0};
		if (cost[C_LEAKED])
			rc = add_stack(&t, l->frames, l->stack_id, cost);
	}
	if (rc == 0) {
		hp_jw_obj(w, "page");
		hp_jw_u64(w, "sites_top", ext->sites_top);
		hp_jw_u64(w, "sites_total", p->nsites);
		hp_jw_u64(w, "leaks_total", leaks);
		hp_jw_u64(w, "steady_heap_bytes", hp_steady_heap(p));
		/* Each score component's measure in its unit, as the text report writes it ("1.23M/s", "26.4x"). */
		hp_jw_arr(w, "score_measured");
		for (int i = 0; i < HP_SC_COUNT; i++) {
			char buf[HP_FMT_MAX];
			hp_jw_str(w, NULL, hp_fmt_component(buf, &r->score.comp[i]));
		}
		hp_jw_end_arr(w);
		rc = write_flame(w, &t);
		hp_jw_end_obj(w);
	}
	ftree_free(&t);
	return rc;
}

struct page_run {
	const struct hp_report *root, *children;
	size_t nchildren;
	const struct hp_report_opts *o;
};

static int write_run_data(FILE *data, const void *ctx)
{
	const struct page_run *r = ctx;
	/* The page sorts by itself: it gets every function, counter and mark, whatever --top says, and the
	 * per-thread figures; sites and leaks are those of the top --top by each order. */
	struct hp_report_opts all = *r->o;
	const struct hp_json_ext ext = {.sites_top = r->o->top, .extra = write_page_data};

	all.top = 0;
	all.threads = true;
	return hp_report_write_json_ext(data, r->root, r->children, r->nchildren, &all, &ext) < 0 ? -1 : 0;
}

int hp_report_write_html(FILE *out, const struct hp_report *root, const struct hp_report *children,
			 size_t nchildren, const struct hp_report_opts *o)
{
	const struct page_run run = {root, children, nchildren, o};

	return hp_html_page(out, hp_html_report_html, hp_html_report_html_len, hp_html_report_js,
			    hp_html_report_js_len, write_run_data, &run);
}
