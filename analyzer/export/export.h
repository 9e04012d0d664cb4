/* export.h: writers of a profile in other tools' formats (docs/export.md); cmd_export.c picks one.
 *
 * Each writes to out and returns 0, or -1 with a one-line message in err (memory). Output errors are
 * the caller's to check with ferror(out).
 *
 * Chrome and massif need each event, not only the profile: their pass recorder, made before the
 * profile is built, fills in the observer to give to the build (hp_profile_options.observer, or
 * hp_run_observe_root) and keeps what it needs; the writer uses it once the profile is built. The
 * trace is read once. The caller frees the pass with its _pass_free, whatever happened.
 */
#ifndef HP_EXPORT_H
#define HP_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "model/profile.h"

/* What a folded stack's count measures. */
enum hp_fold_cost {
	HP_FOLD_TIME,      /* self nanoseconds of each path of nested zones */
	HP_FOLD_ALLOCS,    /* allocations made from each allocation stack */
	HP_FOLD_BYTES,     /* bytes allocated */
	HP_FOLD_TEMPORARY, /* temporary allocations */
	HP_FOLD_LEAKED,    /* bytes never freed and lost (every kind but still reachable, suppressed left out) */
	HP_FOLD_PEAK,      /* bytes live at the heap's peak */
};

/* A zone path deeper than this (deep recursion of a tagged or instrumented function) is exported
 * with its innermost frames only: a path per node of the zone tree, written whole, would make the
 * output grow with the square of the depth. */
#define HP_EXPORT_MAX_ZONE_DEPTH 256

/* `frame;frame;frame COUNT` lines, outermost frame first, sorted, one line per distinct stack. */
int hp_export_folded(FILE *out, const struct hp_profile *p, enum hp_fold_cost cost, char *err, size_t errlen);

/* Chrome's Trace Event Format (JSON): zones as slices per thread, marks, counters, heap and RSS as
 * counter tracks; for Perfetto UI and chrome://tracing. watch: NULL when memory runs out. */
struct hp_chrome_pass;
struct hp_chrome_pass *hp_export_chrome_watch(struct hp_profile_observer *obs);
int hp_export_chrome(FILE *out, const struct hp_profile *p, struct hp_chrome_pass *pass, char *err, size_t errlen);
void hp_export_chrome_pass_free(struct hp_chrome_pass *pass);

/* massif's out format for ms_print and massif-visualizer: heap snapshots over time, detailed ones
 * (allocation trees) among them and at the peak. watch: NULL when memory runs out. */
struct hp_massif_pass;
struct hp_massif_pass *hp_export_massif_watch(struct hp_profile_observer *obs);
int hp_export_massif(FILE *out, const struct hp_profile *p, struct hp_massif_pass *pass, char *err, size_t errlen);
void hp_export_massif_pass_free(struct hp_massif_pass *pass);

/* pprof's profile.proto, gzip-compressed, for `go tool pprof`: allocation stacks with what they
 * allocated and what is live at the end, and zone paths with their self time. */
int hp_export_pprof(FILE *out, const struct hp_profile *p, char *err, size_t errlen);

/* A frame as one name: the function, else module+offset, else the address; ';' and line breaks
 * replaced, so that it can stand in a folded stack. Writes into buf. */
char *hp_export_frame_name(char *buf, size_t len, const struct hp_frame *f);

#endif
