/* child_traces.h: the traces a recorded run's children wrote next to the root trace (PATH.<pid>[.<n>]).
 *
 * The recorder writes the first process's trace at PATH and every other process's (fork children,
 * exec'd programs) at PATH.<pid>, or PATH.<pid>.<n> when that name is taken (the same pid after exec).
 */
#ifndef HP_CHILD_TRACES_H
#define HP_CHILD_TRACES_H

#include <stddef.h>

/* Sets *paths to the child traces of root, ordered by pid then n (malloc'd array of malloc'd strings,
 * free with hp_child_traces_free) and *n to their number. 0, or -1 with errno set (ENOMEM, or why
 * the directory cannot be read). */
int hp_child_traces(const char *root, char ***paths, size_t *n);
void hp_child_traces_free(char **paths, size_t n);

#endif
