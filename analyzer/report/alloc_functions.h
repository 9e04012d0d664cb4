/* alloc_functions.h: allocation sites merged by the function that allocates (heaptrack's bottom-up). */
#ifndef HP_ALLOC_FUNCTIONS_H
#define HP_ALLOC_FUNCTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "model/profile.h"

/*
 * The sites of one function: those whose user frame (hp_user_frame) names the same function in the
 * same module (an unnamed frame: the same module and offset; a site not symbolized is a group of its
 * own). Each figure is the sum over its sites, so the groups add up to the sites section.
 */
/* The sites of a function that allocate at the same line of it, called from the same place. */
struct hp_alloc_substack {
	unsigned line;                 /* the function's line; 0 when unknown */
	const struct hp_frame *caller; /* the frame that called it; NULL when it has none */
	struct hp_alloc_costs cost;
	size_t nsites;
};

struct hp_alloc_function {
	const struct hp_frame *frame; /* the user frame of its largest site; NULL: not symbolized */
	struct hp_alloc_costs cost;
	size_t *sites; /* indexes into p->sites, the most bytes first */
	size_t nsites;
	struct hp_alloc_substack *subs; /* the most bytes first */
	size_t nsubs;
};

/* Groups p's sites into *out (*n of them, the most allocations first, then the most bytes). 0, or
 * -1 when memory runs out (nothing to free then). Free with hp_alloc_functions_free. */
int hp_alloc_functions(const struct hp_profile *p, struct hp_alloc_function **out, size_t *n);
void hp_alloc_functions_free(struct hp_alloc_function *f, size_t n);

#endif
