/* export_folded.c: folded stacks (flamegraph.pl, speedscope, inferno) of zone time or allocation costs. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export/export.h"
#include "util/grow.h"
#include "util/idmap.h"
#include "report/report.h"

char *hp_export_frame_name(char *buf, size_t len, const struct hp_frame *f)
{
	if (f->function && *f->function)
		snprintf(buf, len, "%s", f->function);
	else if (f->module)
		snprintf(buf, len, "%s+0x%" PRIx64, hp_basename(f->module), f->module_offset);
	else
		snprintf(buf, len, "0x%" PRIx64, f->ip);
	for (char *c = buf; *c; c++) {
		if (*c == ';')
			*c = ':';
		else if (*c == '\n' || *c == '\r')
			*c = ' ';
	}
	return buf;
}

struct line {
	char *stack;
	uint64_t count;
};

struct lines {
	struct line *v;
	size_t n, cap;
	/* Lines that read the same are one line: zone paths cut to their innermost frames repeat once
	 * per level of a deep recursion, and memory must follow the distinct lines, not the nodes. */
	struct hp_idmap line_of_hash; /* probed by content → index + 1 in v */
};

/* hp_idmap_probe's test: line value - 1 of the lines ctx points to reads like ctx's stack. */
struct line_match {
	const struct lines *l;
	const char *stack;
};

static bool same_line(uint32_t value, const void *ctx)
{
	const struct line_match *m = ctx;
	return !strcmp(m->l->v[value - 1].stack, m->stack);
}

/* Takes stack (malloc'ed; freed here when it reads like a line kept already); -1 on ENOMEM. */
static int add_line(struct lines *l, char *stack, uint64_t count)
{
	if (!stack)
		return -1;
	struct line_match m = {l, stack};
	uint32_t *slot = hp_idmap_probe(&l->line_of_hash, hp_hash_str(stack), same_line, &m);
	if (!slot) {
		free(stack);
		return -1;
	}
	if (*slot) {
		/* Saturates: a count is a number of bytes or nanoseconds, never wrapped round. */
		uint64_t *c = &l->v[*slot - 1].count;
		*c = *c > UINT64_MAX - count ? UINT64_MAX : *c + count;
		free(stack);
		return 0;
	}
	struct line *v = hp_grow(l->v, &l->cap, l->n + 1, sizeof(*v));
	if (!v) {
		free(stack);
		return -1;
	}
	l->v = v;
	l->v[l->n++] = (struct line){stack, count};
	*slot = (uint32_t)l->n;
	return 0;
}

/* Appends name to the growing string *s (with a ';' before all but the first). */
static int append(char **s, size_t *len, const char *name)
{
	size_t n = strlen(name), extra = *len ? 1 : 0;
	char *r = realloc(*s, *len + extra + n + 1);
	if (!r)
		return -1;
	if (extra)
		r[(*len)++] = ';';
	memcpy(r + *len, name, n + 1);
	*len += n;
	*s = r;
	return 0;
}

/* One path of the zone tree, root first: its function names. */
static char *zone_path(const struct hp_profile *p, size_t node)
{
	uint32_t chain[HP_EXPORT_MAX_ZONE_DEPTH];
	size_t depth = 0, len = 0;
	char *s = NULL;

	/* Parents have smaller indexes, so the walk ends; paths deeper than the chain keep their tail. */
	for (size_t i = node; i && depth < sizeof(chain) / sizeof(chain[0]); i = p->zone_tree[i].parent)
		chain[depth++] = (uint32_t)i;
	while (depth--) {
		char name[512];
		const struct hp_frame f = {.function = p->functions[p->zone_tree[chain[depth]].function].name};
		if (append(&s, &len, hp_export_frame_name(name, sizeof(name), &f))) {
			free(s);
			return NULL;
		}
	}
	return s ? s : strdup("");
}

/* An allocation stack, outermost frame first, from the program's first own frame outwards. */
static char *stack_path(const struct hp_stack_frames *st, uint32_t stack_id)
{
	size_t len = 0;
	char *s = NULL, name[512];

	if (!st || !st->nframes) {
		snprintf(name, sizeof(name), "stack #%" PRIu32, stack_id);
		return strdup(name);
	}
	for (size_t i = st->nframes; i-- > st->user_frame;) {
		if (append(&s, &len, hp_export_frame_name(name, sizeof(name), st->frames[i]))) {
			free(s);
			return NULL;
		}
	}
	return s;
}

static uint64_t site_cost(const struct hp_alloc_site *s, enum hp_fold_cost cost)
{
	switch (cost) {
	case HP_FOLD_ALLOCS: return s->allocs;
	case HP_FOLD_BYTES: return s->bytes;
	case HP_FOLD_TEMPORARY: return s->temporary;
	case HP_FOLD_PEAK: return s->peak_bytes;
	default: return 0;
	}
}

static int cmp_line(const void *x, const void *y)
{
	return strcmp(((const struct line *)x)->stack, ((const struct line *)y)->stack);
}

static int collect(struct lines *l, const struct hp_profile *p, enum hp_fold_cost cost)
{
	if (cost == HP_FOLD_TIME) {
		for (size_t i = 1; i < p->nzone_nodes; i++)
			if (p->zone_tree[i].self_ns && add_line(l, zone_path(p, i), p->zone_tree[i].self_ns))
				return -1;
	} else if (cost == HP_FOLD_LEAKED) {
		for (size_t i = 0; i < p->nleaks; i++) {
			const struct hp_leak *k = &p->leaks[i];
			if (hp_leak_shown(k) && k->kind != HP_LEAK_REACHABLE && k->bytes &&
			    add_line(l, stack_path(k->frames, k->stack_id), k->bytes))
				return -1;
		}
	} else {
		for (size_t i = 0; i < p->nsites; i++) {
			const struct hp_alloc_site *s = &p->sites[i];
			uint64_t c = site_cost(s, cost);
			if (c && add_line(l, stack_path(s->frames, s->stack_id), c))
				return -1;
		}
	}
	return 0;
}

int hp_export_folded(FILE *out, const struct hp_profile *p, enum hp_fold_cost cost, char *err, size_t errlen)
{
	struct lines l = {0};
	int rc = collect(&l, p, cost);

	if (rc)
		snprintf(err, errlen, "%s: out of memory while folding stacks", p->path);
	/* Stacks that read the same (frames before the program's own cut off, namesakes) were added up
	 * by add_line: every line is distinct. */
	if (!rc && l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), cmp_line);
	for (size_t i = 0; !rc && i < l.n; i++)
		fprintf(out, "%s %" PRIu64 "\n", l.v[i].stack, l.v[i].count);
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i].stack);
	free(l.v);
	hp_idmap_free(&l.line_of_hash);
	return rc;
}
