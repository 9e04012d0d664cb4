/* site_registry.c: assigns site ids and keeps the list of sites seen. */
#include "site_registry.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* Copies, not pointers into the program: a site of a library that was dlclose'd must stay readable. */
static struct hp_site_def_ref *sites;
static size_t nsites, cap;

static const char *dup(const char *s)
{
	return s ? strndup(s, 4096) : NULL;
}

uint32_t hp_site_id(struct hp_site *site, bool *is_new)
{
	uint32_t id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);

	*is_new = false;
	if (HP_LIKELY(id))
		return id;
	pthread_mutex_lock(&lock);
	id = site->id;
	if (!id) {
		if (nsites == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct hp_site_def_ref *n = realloc(sites, ncap * sizeof(*n));
			if (!n)
				goto out;
			sites = n;
			cap = ncap;
		}
		id = (uint32_t)nsites + 1;
		sites[nsites++] = (struct hp_site_def_ref){id, site->kind, site->line, dup(site->name),
							     dup(site->function), dup(site->file)};
		__atomic_store_n(&site->id, id, __ATOMIC_RELEASE);
		*is_new = true;
	}
out:
	pthread_mutex_unlock(&lock);
	return id;
}

void hp_sites_foreach(void (*fn)(const struct hp_site_def_ref *s, void *arg), void *arg)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nsites; i++) {
		fn(&sites[i], arg);
	}
	pthread_mutex_unlock(&lock);
}

void hp_sites_fork_prepare(void)
{
	pthread_mutex_lock(&lock);
}

void hp_sites_fork_parent_child(void)
{
	pthread_mutex_unlock(&lock);
}
