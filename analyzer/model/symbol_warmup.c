/* symbol_warmup.c: a symbolizer preloaded on a thread of its own with the first stacks' addresses.
 *
 * Threads: once started, the thread alone uses w (its symbolizer, module copies and addresses) until
 * it is joined; it never reads the definitions, which the reading thread goes on changing.
 */
#include "model/symbol_warmup.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"

/* Enough to reach the modules nearly every stack goes through (the program, libc, the loader). */
#define WARMUP_STACKS 64

struct hp_warmup {
	pthread_t thread;
	struct hp_symbolizer *sym;
	struct hp_module *modules; /* copies of the entries, sharing their strings and segments */
	uint64_t *ips;
	size_t nips, cap, nstacks;
};

static void take_stack(const struct hp_stack *st, void *arg)
{
	struct hp_warmup *w = arg;

	if (w->nstacks == WARMUP_STACKS || !w->ips)
		return;
	w->nstacks++;
	uint64_t *n = hp_grow(w->ips, &w->cap, w->nips + st->depth, sizeof(*n));
	if (!n) {
		free(w->ips);
		w->ips = NULL;
		return;
	}
	w->ips = n;
	memcpy(w->ips + w->nips, st->ips, st->depth * sizeof(*st->ips));
	w->nips += st->depth;
}

static void *warm(void *arg)
{
	struct hp_warmup *w = arg;

	hp_symbolizer_preload(w->sym, w->ips, w->nips);
	return NULL;
}

static void warmup_free(struct hp_warmup *w)
{
	free(w->ips);
	free(w->modules);
	free(w);
}

struct hp_warmup *hp_warmup_start(const struct hp_defs *defs)
{
	struct hp_warmup *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->cap = 256;
	w->ips = malloc(w->cap * sizeof(*w->ips));
	hp_defs_foreach_stack(defs, take_stack, w);
	if (!w->ips || !w->nips || !defs->nmodules || !(w->modules = malloc(defs->nmodules * sizeof(*w->modules))))
		goto fail;
	memcpy(w->modules, defs->modules, defs->nmodules * sizeof(*w->modules));
	if (!(w->sym = hp_symbolizer_new(w->modules, defs->nmodules)))
		goto fail;
	if (pthread_create(&w->thread, NULL, warm, w)) {
		hp_symbolizer_free(w->sym);
		goto fail;
	}
	return w;
fail:
	warmup_free(w);
	return NULL;
}

struct hp_symbolizer *hp_warmup_finish(struct hp_warmup *w, const struct hp_module *modules, size_t nmodules)
{
	struct hp_symbolizer *sym = w->sym;

	pthread_join(w->thread, NULL);
	if (hp_symbolizer_set_modules(sym, modules, nmodules)) {
		hp_symbolizer_free(sym);
		sym = NULL;
	}
	warmup_free(w);
	return sym;
}

void hp_warmup_cancel(struct hp_warmup *w)
{
	pthread_join(w->thread, NULL);
	hp_symbolizer_free(w->sym);
	warmup_free(w);
}
