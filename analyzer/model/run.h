/* run.h: one recorded run loaded: the root process's profile and its children's, in start order. */
#ifndef HP_RUN_H
#define HP_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "model/profile.h"

struct hp_run {
	struct hp_profile *root;
	struct hp_profile **children; /* ordered by the time each process started */
	size_t nchildren;
	char **paths; /* the children's trace paths: their profiles point at them */
	size_t npaths;
};

/* Loads the trace at path and, when with_children, the child traces next to it (child_traces.h)
 * except those named in skip[0..nskip). A child that cannot be loaded is left out: its message goes
 * to on_error (when not NULL) and the call still succeeds. Returns 0, or -1 when the root cannot be loaded or memory
 * runs out (message in err). Release with hp_run_release. */
int hp_run_load(struct hp_run *run, const char *path, bool with_children, const char *const *skip, size_t nskip,
		void (*on_error)(const char *msg, void *ctx), void *ctx, char *err, size_t errlen);
void hp_run_release(struct hp_run *run);

/* Process i of a run (0 <= i <= nchildren): the root first, then the children in start order. */
static inline const struct hp_profile *hp_run_process(const struct hp_run *run, size_t i)
{
	return i == 0 ? run->root : run->children[i - 1];
}

/* Every later hp_run_load shows the pass over its root trace to obs (profile.h; NULL: none), for a
 * command whose output needs each event: the trace is then read once. Children are not observed. */
void hp_run_observe_root(const struct hp_profile_observer *obs);

/* Leak options shared by the commands that load runs: `--suppressions FILE` (repeatable, LSan
 * format), `--no-builtin-suppressions LIST` (names, or "all") and `--leak-check-heuristics LIST`. Consumes argv[*i] (and its value)
 * and returns 1 when it is one of them, 0 when not, -1 after printing a usage error. The options
 * apply to every later hp_run_load. */
int hp_run_leak_option(int argc, const char **argv, int *i);
#define HP_RUN_LEAK_OPTIONS_HELP                                                                      \
	"  --suppressions FILE  leak suppressions in LeakSanitizer's format (leak:PATTERN lines);\n"   \
	"                   repeatable\n"                                                              \
	"  --no-builtin-suppressions LIST  turn off built-in suppressions: stdio, loader, locale,\n"  \
	"                   time, nss, tty, environ, libstdc++, or all\n"                                             \
	"  --leak-check-heuristics LIST  which interior pointers count as start pointers, as in\n"     \
	"                   memcheck: stdstring, length64, newarray, multipleinheritance, all\n"     \
	"                   (default) or none\n"

/* `--window FROM..TO` (window.h), for report, diff, check and history add: consumes argv[*i] (and
 * its value) and returns 1 when it is that option, 0 when not, -1 after printing why the value is
 * wrong. The window applies to every later hp_run_load; hp_run_window() is its spec, or NULL. */
int hp_run_window_option(int argc, const char **argv, int *i);
const char *hp_run_window(void);
#define HP_RUN_WINDOW_OPTION_HELP                                                                     \
	"  --window FROM..TO  count only that stretch of each process: each side a mark name (HP_MARK),\n" \
	"                   a time since the process started (1.5s, 200ms) or empty (warmed-up..)\n"

#endif
