/* profile_finish.c: the end of a profile build: symbolized stacks, sorted tables, leaks grouped
 * and matched against suppressions. */
#include <stdio.h>
#include <string.h>

#include "hpt_format.h"
#include "model/profile_build_internal.h"
#include "model/suppressions.h"

static const char *const allocator_functions[] = {
	"malloc", "calloc", "realloc", "reallocarray", "free", "posix_memalign", "aligned_alloc",
	"memalign", "valloc", "pvalloc", "strdup", "strndup", "__strdup", "__strndup", "operator new",
	"operator delete", "_Znwm", "_Znam", "_ZnwmSt11align_val_t", "_ZnamSt11align_val_t",
	"_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t", "__libc_malloc", "__libc_calloc", "__libc_realloc",
	"__libc_memalign", "__gnu_cxx::new_allocator", "std::allocator", "std::__new_allocator",
};

static bool is_allocator_frame(const struct hp_frame *f)
{
	if (!f->function)
		return false;
	for (size_t i = 0; i < sizeof(allocator_functions) / sizeof(allocator_functions[0]); i++) {
		size_t n = strlen(allocator_functions[i]);
		if (!strncmp(f->function, allocator_functions[i], n) &&
		    (f->function[n] == 0 || f->function[n] == '(' || f->function[n] == '<' || f->function[n] == ':' || f->function[n] == '['))
			return true;
	}
	return f->module && strstr(f->module, "libhookprof.so");
}

static struct hp_stack_frames *symbolize_stack(struct hp_profile *p, uint32_t id)
{
	const struct hp_stack *s = hp_defs_stack(&p->defs, id);
	/* Every inline level of every address: as many as the symbolizer finds, with no cap. */
	size_t total = 0;
	for (uint32_t i = 0; s && i < s->depth; i++)
		total += p->sym ? (size_t)hp_symbolize_depth(p->sym, s->ips[i], true) : 1;
	/* The pointers to the frames after the header, in one allocation. */
	struct hp_stack_frames *out = calloc(1, sizeof(*out) + total * sizeof(*out->frames));

	if (!out)
		return NULL;
	out->stack_id = id;
	out->frames = (const struct hp_frame **)(void *)(out + 1);
	for (uint32_t i = 0; s && i < s->depth; i++) {
		int n = p->sym ? hp_symbolize_shared(p->sym, s->ips[i], true, out->frames + out->nframes,
						     (int)(total - out->nframes)) : 0;
		if (n > 0) {
			out->nframes += (size_t)n;
			continue;
		}
		/* No symbolizer, or no memory for its frames: the bare address, in frames of the stack's own. */
		if (!out->own && !(out->own = calloc(s->depth, sizeof(*out->own))))
			break;
		out->own[i] = (struct hp_frame){.ip = s->ips[i], .module_offset = p->sym ? s->ips[i] : 0};
		out->frames[out->nframes++] = &out->own[i];
	}
	out->user_frame = hp_first_user_frame(out->frames, out->nframes);
	return out;
}

size_t hp_first_user_frame(const struct hp_frame *const *frames, size_t nframes)
{
	size_t at = 0;

	/* Past allocator entry points, past a nameless frame (a stripped library's internal
	 * allocation wrapper) whose caller in the same module has a name, and past the C++ library's
	 * templates inlined into the program (a std::map's node allocation): the site is the
	 * program's own code that used the container. */
	while (at + 1 < nframes) {
		const struct hp_frame *f = frames[at], *next = frames[at + 1];
		bool nameless = !f->function && next->function && f->module && next->module && !strcmp(f->module, next->module);
		bool cxx_inline = f->inlined && f->file && strstr(f->file, "/include/c++/");
		if (!is_allocator_frame(f) && !nameless && !cxx_inline)
			break;
		at++;
	}
	return at;
}

/* One symbolized stack per id, shared by the site and the leaks that use it. */
static struct hp_stack_frames *frames_for(struct hp_profile *p, struct hp_idmap *done, struct hp_stack_frames ***all,
					  size_t *nall, size_t *cap, uint32_t id)
{
	uint32_t *slot = hp_idmap_slot(done, (uint64_t)id + 1, true);

	if (!slot)
		return NULL;
	if (*slot)
		return (*all)[*slot - 1];
	struct hp_stack_frames *f = symbolize_stack(p, id);
	struct hp_stack_frames **n = f ? hp_grow(*all, cap, *nall + 1, sizeof(*n)) : NULL;
	if (!n) {
		free(f);
		return NULL;
	}
	*all = n;
	n[(*nall)++] = f;
	*slot = (uint32_t)*nall;
	return f;
}

static int cmp_site(const void *x, const void *y)
{
	const struct hp_alloc_site *a = x, *c = y;
	return a->bytes < c->bytes ? 1 : a->bytes > c->bytes ? -1 : 0;
}

struct user_frame_of {
	uint64_t ip;
	struct hp_stack_frames *frames;
};

static int cmp_user_frame_of(const void *x, const void *y)
{
	const struct user_frame_of *a = x, *c = y;
	return a->ip < c->ip ? -1 : a->ip > c->ip;
}

/* Marks the stacks whose user frame another site's stack starts at too, once for the profile: the
 * locations of the diff's and the history's every site each looked through every site (O(sites^2)).
 * A site is one stack, so a run of two or more at one address is shared. */
static int mark_shared_user_frames(struct hp_profile *p)
{
	struct user_frame_of *v = malloc((p->nsites ? p->nsites : 1) * sizeof(*v));
	size_t n = 0;

	if (!v)
		return -1;
	for (size_t i = 0; i < p->nsites; i++) {
		struct hp_stack_frames *f = p->sites[i].frames;
		if (hp_user_frame(f))
			v[n++] = (struct user_frame_of){hp_user_frame(f)->ip, f};
	}
	qsort(v, n, sizeof(*v), cmp_user_frame_of);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && v[j].ip == v[i].ip; j++)
			;
		for (size_t k = i; j - i > 1 && k < j; k++)
			v[k].frames->user_frame_shared = true;
	}
	free(v);
	return 0;
}

static int cmp_leak(const void *x, const void *y)
{
	const struct hp_leak *a = x, *c = y;

	/* A total order: the heap's slots, where the leaks were gathered, follow no meaningful order. */
	if (a->bytes != c->bytes)
		return a->bytes < c->bytes ? 1 : -1;
	if (a->kind != c->kind)
		return (int)a->kind - (int)c->kind;
	return a->stack_id < c->stack_id ? -1 : a->stack_id > c->stack_id;
}

/* Keeps str (owned from now on) for the profile's lifetime; false when memory runs out (str freed). */
bool pb_keep_string(struct hp_profile_private *priv, char *str)
{
	char **strings = str ? hp_grow(priv->strings, &priv->strings_cap, priv->nstrings + 1, sizeof(*strings)) : NULL;

	if (!strings) {
		free(str);
		return false;
	}
	priv->strings = strings;
	strings[priv->nstrings++] = str;
	return true;
}

/* The blocks alive at the end, grouped by (stack, kind) into p->leaks, unsymbolized; then the table of
 * live blocks is freed. Before anything is symbolized: the table is the largest part of a large
 * report's memory (python3: 63 MB), and the symbolizer's line tables (40 MB there) would come on top. 0, or -1
 * when memory runs out. */
static int gather_leaks(struct builder *b)
{
	struct hp_profile *p = b->p;
	struct hp_summary *sum = &p->summary;
	struct hp_idmap group = {0};
	size_t leaks_cap = 0;
	int rc = 0;

	/* A process that ended by exec has none: its image was replaced, nothing was lost (memcheck does
	 * not check there either). */
	bool execed = sum->ended && sum->end_how == HPT_END_EXEC && !p->classified;
	struct hp_heap_walk walk = {0};
	for (struct hp_block *blk; !execed && !rc && (blk = hp_heap_next(&b->heap, &walk));) {
		/* A live block names its site in the builder's order (sorted later): leaks name stacks. */
		uint32_t stack = b->sites[blk->site].stack_id;
		uint32_t *slot = hp_idmap_slot(&group, ((uint64_t)stack << 3 | blk->kind) + 1, true);
		if (!slot) {
			rc = -1;
			break;
		}
		if (!*slot) {
			struct hp_leak *l = hp_grow(p->leaks, &leaks_cap, p->nleaks + 1, sizeof(*l));
			if (!l) {
				rc = -1;
				break;
			}
			p->leaks = l;
			l[p->nleaks] = (struct hp_leak){stack, (enum hp_leak_kind)blk->kind, 0, 0, NULL, NULL};
			*slot = (uint32_t)++p->nleaks;
		}
		p->leaks[*slot - 1].bytes += blk->size;
		p->leaks[*slot - 1].blocks++;
	}
	hp_idmap_free(&group);
	hp_heap_free(&b->heap);
	return rc;
}

/* The leaks gather_leaks found, symbolized, matched against suppressions and counted into the summary
 * and the sites. 0, or -1 (err set when it is not memory). */
static int finish_leaks(struct builder *b, const struct hp_profile_options *opts, struct hp_idmap *done, char *err,
			size_t errlen)
{
	struct hp_profile *p = b->p;
	struct hp_summary *sum = &p->summary;
	struct hp_profile_private *priv = (struct hp_profile_private *)p->priv;
	const struct hp_process_info *pi = &p->defs.process;
	int rc = -1;

	struct hp_suppressions sup;
	struct hp_idmap site_of_stack = {0}; /* stack id + 1 -> index + 1 in the sorted sites */
	hp_suppressions_init(&sup);
	for (size_t k = 0; k < p->nsites; k++) {
		uint32_t *slot = hp_idmap_slot(&site_of_stack, (uint64_t)p->sites[k].stack_id + 1, true);
		if (!slot)
			goto out_sup;
		*slot = (uint32_t)k + 1;
	}
	if (hp_suppressions_add_builtin(&sup, opts ? opts->no_builtin_suppressions : NULL, err, errlen))
		goto out_sup;
	for (size_t i = 0; opts && i < opts->nsuppression_files; i++)
		if (hp_suppressions_load(&sup, opts->suppression_files[i], err, errlen))
			goto out_sup;
	if (pi->lsan_suppressions &&
	    hp_suppressions_parse(&sup, pi->lsan_suppressions, strlen(pi->lsan_suppressions), "program", err, errlen))
		goto out_sup;
	for (size_t i = 0; i < p->nleaks; i++) {
		struct hp_leak *l = &p->leaks[i];
		l->frames = frames_for(p, done, &priv->stacks, &priv->nstacks, &priv->stacks_cap, l->stack_id);
		struct hp_suppression *m = l->frames ? hp_suppressions_match(&sup, l->frames->frames, l->frames->nframes) : NULL;
		if (m) {
			/* The pattern must outlive the suppression set: keep a copy. */
			char *pat = strdup(m->pattern);
			if (!pb_keep_string(priv, pat))
				goto out_sup;
			l->suppressed_by = pat;
			sum->suppressed_bytes += l->bytes;
			sum->suppressed_blocks += l->blocks;
			continue;
		}
		sum->leak_bytes[l->kind] += l->bytes;
		sum->leak_blocks[l->kind] += l->blocks;
		/* Lost is what a scan found lost: a block no scan saw is not known to be. */
		bool lost = l->kind == HP_LEAK_DEFINITE || l->kind == HP_LEAK_INDIRECT || l->kind == HP_LEAK_POSSIBLE;
		if (lost) {
			sum->leaked_bytes += l->bytes;
			sum->leaked_blocks += l->blocks;
		}
		uint32_t *site = hp_idmap_slot(&site_of_stack, (uint64_t)l->stack_id + 1, false);
		struct hp_alloc_site *s = site && *site ? &p->sites[*site - 1] : NULL;
		if (s && lost) {
			s->leaked_blocks += l->blocks;
			s->leaked_bytes += l->bytes;
		}
	}
	if (p->nleaks > 1)
		qsort(p->leaks, p->nleaks, sizeof(*p->leaks), cmp_leak);
	rc = 0;
out_sup:
	hp_suppressions_release(&sup);
	hp_idmap_free(&site_of_stack);
	return rc;
}

int pb_finish(struct builder *b, const struct hp_profile_options *opts, char *err, size_t errlen)
{
	struct hp_profile *p = b->p;
	struct hp_summary *sum = &p->summary;
	struct hp_profile_private *priv = (struct hp_profile_private *)p->priv;
	struct hp_idmap done = {0};
	int rc = -1;

	pb_finish_peaks(b);
	/* Zones still open at the end close at their thread's last event. */
	for (size_t i = 0; i < b->nthreads; i++)
		while (b->threads[i].depth)
			pb_close_frame(b, &b->threads[i], b->threads[i].last_ns);
	if (b->oom)
		goto out; /* the observer of those closes ran out of memory */

	const struct hp_process_info *pi = &p->defs.process;
	sum->pid = pi->pid;
	sum->program = pi->exe;
	char why[384];
	if (hp_window_finish(&b->win, pi->ended ? pi->end_ns : pi->last_ns, &sum->window_from_ns, &sum->run_ns, why,
			     sizeof(why))) {
		snprintf(err, errlen, "%s: %s", p->path, why);
		goto out;
	}
	sum->window = b->win.w ? b->win.w->spec : NULL;
	p->cpu_time = (p->defs.features & HPT_FEAT_CPU_TIME) != 0;
	sum->threads = p->defs.nthreads;
	sum->ended = pi->ended;
	sum->end_how = pi->end_how;
	sum->end_status = pi->end_status;
	sum->truncated = p->status.truncated;
	if (sum->run_ns)
		sum->allocs_per_second_x1000 = (uint64_t)((double)sum->allocations * 1e12 / (double)sum->run_ns);

	if (gather_leaks(b))
		goto out;
	if (b->warmup) {
		p->sym = hp_warmup_finish(b->warmup, p->defs.modules, p->defs.nmodules);
		b->warmup = NULL;
	} else {
		p->sym = hp_symbolizer_new(p->defs.modules, p->defs.nmodules);
	}

	if (pb_finish_zones(b, priv))
		goto out;
	pb_finish_names(b);

	/* Allocation sites: growth, symbols. */
	for (size_t i = 0; i < b->nsites; i++) {
		struct hp_alloc_site *s = &b->sites[i];
		if (s->min_size == UINT64_MAX)
			s->min_size = 0;
		if (s->realloc_const_step == UINT64_MAX || s->reallocs < 4)
			s->realloc_const_step = 0;
		double slope, r2;
		if (hp_growth_fit(&b->growth[i], &slope, &r2)) {
			s->growth_rate = slope;
			s->growth_r2 = r2;
		}
		/* Steady: ≥ 8 points, ≥ 1 KiB/s, r² ≥ 0.9, ≥ 64 KiB gained (thresholds: docs/report-guide.md). */
		s->growing = hp_growth_steady(&b->growth[i], 8, 1024, 0.9, 65536);
		s->frames = frames_for(p, &done, &priv->stacks, &priv->nstacks, &priv->stacks_cap, s->stack_id);
	}
	/* Arrays that grew by doubling, trimmed to what they hold: a run keeps every process's. */
	p->sites = b->nsites ? realloc(b->sites, b->nsites * sizeof(*b->sites)) : b->sites;
	if (!p->sites)
		p->sites = b->sites; /* could not move: keep it whole */
	p->nsites = b->nsites;
	b->sites = NULL;
	struct hp_timeline_point *tl = p->ntimeline ? realloc(p->timeline, p->ntimeline * sizeof(*tl)) : NULL;
	if (tl)
		p->timeline = tl;
	if (p->nsites > 1)
		qsort(p->sites, p->nsites, sizeof(*p->sites), cmp_site);
	if (mark_shared_user_frames(p)) {
		rc = -1;
		goto out;
	}

	rc = finish_leaks(b, opts, &done, err, errlen);
	/* Every stack the profile names is symbolized now, its addresses in its frames: a run keeps
	 * every process's profile, and a recorded make held 123 MB of them. */
	if (!rc)
		hp_defs_drop_stacks(&p->defs);
out:
	hp_idmap_free(&done);
	if (rc && !err[0])
		snprintf(err, errlen, "%s: out of memory while building the profile", p->path);
	return rc;
}
