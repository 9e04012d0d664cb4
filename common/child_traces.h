/* child_traces.h: the traces a recorded run's children wrote next to the root trace (PATH.<pid>[.<n>]).
 * How they are named: common/trace_names.h. Used by the analyzer and the launcher. */
#ifndef HP_CHILD_TRACES_H
#define HP_CHILD_TRACES_H

#include <stddef.h>

/* Sets *paths to the child traces of root, ordered by pid then n (malloc'd array of malloc'd strings,
 * free with hp_child_traces_free) and *n to their number. 0, or -1 with errno set (ENOMEM, or why
 * the directory cannot be read). */
int hp_child_traces(const char *root, char ***paths, size_t *n);
void hp_child_traces_free(char **paths, size_t n);

#endif
