/* rules.h: evidence in a profile turned into specific recommendations that name the site and the numbers.
 *
 * Every rule, its thresholds (config keys) and its advice are described in docs/report-guide.md.
 * Rules only read the profile; the thresholds come from the config.
 */
#ifndef HP_RULES_H
#define HP_RULES_H

#include <stddef.h>

#include "report/config.h"
#include "model/profile.h"
#include "report/report.h"

/* Runs every rule over p. On success returns 0 and sets *recs (malloc'd, the caller frees it; NULL
 * when nothing fired) and *n, most severe first; -1 when memory runs out. */
int hp_rules_run(const struct hp_profile *p, const struct hp_config *cfg, struct hp_recommendation **recs,
		 size_t *n);

#endif
