/* site_registry.h: ids for the program's tagging sites (struct hp_site of hookprof.h).
 *
 * Threading: a site's id is read lock-free on every event; the first event of a site takes `lock`
 * to assign the id and remember the site, so a forked child can define it again in its own trace.
 */
#ifndef HP_SITE_REGISTRY_H
#define HP_SITE_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "hookprof.h"
#include "recorder.h"

struct hp_site_def_ref {
	uint32_t id;
	unsigned kind;
	unsigned line;
	const char *name;
	const char *function;
	const char *file;
};

/* Returns the site's id, assigning one on first use (*is_new: write the SITE record first);
 * 0 when no memory is left to remember the site. */
uint32_t hp_site_id(struct hp_site *site, bool *is_new) HP_HIDDEN;
void hp_sites_foreach(void (*fn)(const struct hp_site_def_ref *s, void *arg), void *arg) HP_HIDDEN;
void hp_sites_fork_prepare(void) HP_HIDDEN;
void hp_sites_fork_parent_child(void) HP_HIDDEN;

#endif
