/* places.h: sites, or leaks of one kind, that read as one place: one row of a site table, one piece of advice. */
#ifndef HP_PLACES_H
#define HP_PLACES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/profile.h"
#include "report/report.h"

/* A place is the same call in the program's first frame and in its caller (hp_site_place): what a
 * site's location shows. Call paths that differ only past it read alike, so a table listed them as
 * rows no reader could tell apart (python3's report: ten "PyUnicode_New (unicodeobject.c:1425)"
 * rows by count), and advice was given twice (rustup: two "Temporary allocations at
 * regex_syntax::utf8::…" of 777 and 774 allocations). Their figures add up. */
struct hp_place {
	enum hp_leak_kind kind; /* leaks: the kind; sites: 0 */
	uint64_t key[2];        /* hp_site_place */
	/* The call path of the most bytes, which names the place (and shows its callers). */
	const struct hp_stack_frames *frames;
	uint32_t stack_id;
	struct hp_alloc_costs cost; /* sites: their costs; leaks: bytes only */
	uint64_t min_size, max_size, reallocs;              /* sites */
	uint64_t blocks, indirect_bytes, indirect_blocks;   /* leaks */
	size_t paths;
};

/* v[0..k), each made for one site or leak (paths 1): each place once, in v[0..returned), its paths
 * added up, in the order of (kind, key). */
size_t hp_places_group(struct hp_place *v, size_t k);

/* The places of p's sites with an allocation (and a temporary one, when `temporary`); NULL when memory
 * runs out. Free with free(). */
struct hp_place *hp_site_places(const struct hp_profile *p, bool temporary, size_t *n);

/* Sorts v[0..n) largest first by `key` (ties by bytes, then by place) and returns how many have a
 * non-zero key: the rows of a site table. */
size_t hp_places_by(struct hp_place *v, size_t n, enum hp_site_order key);

#endif
