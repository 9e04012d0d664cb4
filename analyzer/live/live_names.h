/* live_names.h: what the live view calls its zones and allocation sites, symbolized lazily and cached.
 *
 * Only the rows a frame shows are named. A name is cached once it is final: a zone whose site is not
 * defined yet, or a stack with a frame in no known module (its library's MODULE_LOAD may still be on
 * its way), is named again next time. The symbolizer is rebuilt when the trace's module map grows.
 */
#ifndef HP_LIVE_NAMES_H
#define HP_LIVE_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "util/idmap.h"
#include "model/symbolizer.h"
#include "read/trace.h"

struct hp_live_names {
	struct hp_symbolizer *sym;
	const struct hp_module *sym_modules; /* what sym was built from */
	size_t sym_nmodules;
	struct hp_idmap zone_index; /* zone key -> index + 1 in names */
	struct hp_idmap site_index; /* stack id + 1 -> index + 1 in names; the caller follows it */
	char **names;
	size_t nnames, cap;
	char scratch[2][512]; /* names that are not final */
};

/* Zero-initialise; release with hp_live_names_release. */
void hp_live_names_release(struct hp_live_names *n);

/* A zone's name: the HP_ZONE / HP_FUNC name with its file:line, or an instrumented function's
 * symbolized name (key as struct hp_live_zone). The string lives until the next call or, once
 * cached, until release. */
const char *hp_live_zone_name(struct hp_live_names *n, const struct hp_defs *defs, uint64_t key);

/* Where the allocation stack allocates: its first frame outside the allocator, "fn (file.c:42)"; and
 * in *caller the frame that called it ("" when none), to tell apart sites of one wrapper. Strings live
 * as hp_live_zone_name's. */
const char *hp_live_site_name(struct hp_live_names *n, const struct hp_defs *defs, uint32_t stack,
			      const char **caller);

#endif
