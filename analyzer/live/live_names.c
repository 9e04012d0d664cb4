/* live_names.c: zone and allocation-site names for the live view, through the symbolizer, cached. */
#include "live/live_names.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live/live_stats.h"
#include "model/profile.h"
#include "report/report.h"
#include "util/grow.h"

#define MAX_FRAMES_PER_IP 8

void hp_live_names_release(struct hp_live_names *n)
{
	hp_symbolizer_free(n->sym);
	for (size_t i = 0; i < n->nnames; i++)
		free(n->names[i]);
	free(n->names);
	hp_idmap_free(&n->zone_index);
	hp_idmap_free(&n->site_index);
	memset(n, 0, sizeof(*n));
}

/* The symbolizer of the modules the trace has mapped so far (NULL when it cannot be made). */
static struct hp_symbolizer *symbolizer(struct hp_live_names *n, const struct hp_defs *defs)
{
	if (n->sym && n->sym_modules == defs->modules && n->sym_nmodules == defs->nmodules)
		return n->sym;
	/* It points into defs->modules, which grows by realloc: never keep it across a change. */
	hp_symbolizer_free(n->sym);
	n->sym = hp_symbolizer_new(defs->modules, defs->nmodules);
	n->sym_modules = defs->modules;
	n->sym_nmodules = defs->nmodules;
	return n->sym;
}

/* Caches a (and b after it, when not NULL) under key; returns the cached a, or a itself when memory
 * runs out (the name is then simply made again next time). */
static const char *keep(struct hp_live_names *n, struct hp_idmap *map, uint64_t key, const char *a, const char *b)
{
	char **grown = hp_grow(n->names, &n->cap, n->nnames + (b ? 2 : 1), sizeof(*grown));

	if (!grown)
		return a;
	n->names = grown;
	char *ca = strdup(a), *cb = b ? strdup(b) : NULL;
	uint32_t *slot = ca && (cb || !b) ? hp_idmap_slot(map, key, true) : NULL;
	if (!slot) {
		free(ca);
		free(cb);
		return a;
	}
	*slot = (uint32_t)n->nnames + 1;
	n->names[n->nnames++] = ca;
	if (cb)
		n->names[n->nnames++] = cb;
	return ca;
}

const char *hp_live_zone_name(struct hp_live_names *n, const struct hp_defs *defs, uint64_t key)
{
	uint32_t *slot = hp_idmap_slot(&n->zone_index, key, false);
	char *buf = n->scratch[0];
	size_t len = sizeof(n->scratch[0]);
	bool final;

	if (slot)
		return n->names[*slot - 1];
	if (key & HP_LIVE_FN) {
		struct hp_frame fr[MAX_FRAMES_PER_IP];
		struct hp_symbolizer *sym = symbolizer(n, defs);
		uint64_t addr = key & ~HP_LIVE_FN;
		int k = sym ? hp_symbolize(sym, addr, false, fr, MAX_FRAMES_PER_IP) : 0;
		/* An entry address names the function itself: the outermost of its inlined frames. */
		if (k > 0) {
			hp_fmt_frame(buf, len, &fr[k - 1]);
			final = fr[k - 1].module != NULL;
		} else {
			snprintf(buf, len, "0x%" PRIx64, addr);
			final = false;
		}
	} else {
		const struct hp_site_def *s = hp_defs_site(defs, (uint32_t)key);
		final = s != NULL;
		if (!s)
			snprintf(buf, len, "zone #%" PRIu64, key);
		else if (s->file && s->line)
			snprintf(buf, len, "%s (%s:%u)", s->name, hp_basename(s->file), s->line);
		else
			snprintf(buf, len, "%s", s->name);
	}
	return final ? keep(n, &n->zone_index, key, buf, NULL) : buf;
}

/* The frame after the user frame that says which caller this is: the first one with a name, else
 * the next one (as the report's site names do). */
static const struct hp_frame *caller_frame(const struct hp_frame *const *frames, size_t nframes, size_t user)
{
	for (size_t k = user + 1; k < nframes; k++)
		if (frames[k]->function)
			return frames[k];
	return user + 1 < nframes ? frames[user + 1] : NULL;
}

/* keep() for a site: its name and its caller, both from the cache once cached. */
static const char *keep_site(struct hp_live_names *n, uint64_t key, const char *name, const char *caller,
			     const char **caller_out)
{
	const char *kept = keep(n, &n->site_index, key, name, caller);
	uint32_t *slot = hp_idmap_slot(&n->site_index, key, false);

	if (slot)
		*caller_out = n->names[*slot];
	return kept;
}

const char *hp_live_site_name(struct hp_live_names *n, const struct hp_defs *defs, uint32_t stack,
			      const char **caller)
{
	uint32_t *slot = hp_idmap_slot(&n->site_index, (uint64_t)stack + 1, false);
	const struct hp_stack *s = stack ? hp_defs_stack(defs, stack) : NULL;
	char *buf = n->scratch[0], *cbuf = n->scratch[1];
	size_t len = sizeof(n->scratch[0]);
	const struct hp_frame **frames = NULL;
	struct hp_frame *own = NULL; /* the bare addresses the symbolizer gives no frame for */
	size_t nframes = 0;
	bool final = true;

	if (slot) {
		*caller = n->names[*slot];
		return n->names[*slot - 1];
	}
	cbuf[0] = 0;
	*caller = cbuf;
	if (!stack) {
		snprintf(buf, len, "(no stack recorded)");
		return keep_site(n, 1, buf, cbuf, caller);
	}
	if (s && (frames = calloc((size_t)s->depth * MAX_FRAMES_PER_IP, sizeof(*frames))) &&
	    (own = calloc(s->depth, sizeof(*own)))) {
		struct hp_symbolizer *sym = symbolizer(n, defs);
		for (uint32_t i = 0; i < s->depth; i++) {
			int k = sym ? hp_symbolize_shared(sym, s->ips[i], true, frames + nframes, MAX_FRAMES_PER_IP) : 0;
			if (k <= 0) {
				own[i] = (struct hp_frame){.ip = s->ips[i]};
				frames[nframes] = &own[i];
				k = 1;
			}
			for (int j = 0; j < k; j++)
				final &= frames[nframes + (size_t)j]->module != NULL;
			nframes += (size_t)k;
		}
	}
	if (!nframes) {
		/* Not defined yet (its STACK record comes later), or no memory to name it now. */
		snprintf(buf, len, "stack #%" PRIu32, stack);
		free(frames);
		free(own);
		return buf;
	}
	size_t user = hp_first_user_frame(frames, nframes);
	const struct hp_frame *c = caller_frame(frames, nframes, user);
	hp_fmt_frame(buf, len, frames[user]);
	if (c)
		hp_fmt_frame(cbuf, len, c);
	free(frames);
	free(own);
	return final ? keep_site(n, (uint64_t)stack + 1, buf, cbuf, caller) : buf;
}
