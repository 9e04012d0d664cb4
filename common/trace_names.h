/* trace_names.h: the names of a run's traces: the root PATH, and PATH.<pid>[.<n>] for every other process.
 *
 * The recorder writes the first process's trace at PATH and every other process's (fork children,
 * exec'd programs) at PATH.<pid>, or PATH.<pid>.<n> (n >= 1) when that name is taken (the same pid
 * after exec). The recorder makes these names, the analyzer and the launcher recognise them; so too
 * the name of the recorder's thread in the program, which the launcher looks for.
 */
#ifndef HP_COMMON_TRACE_NAMES_H
#define HP_COMMON_TRACE_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the trace name of process pid into buf (size bytes): root.<pid> for n == 0, root.<pid>.<n>
 * otherwise. Returns what snprintf returns (the length it needed; >= size when truncated).
 * Async-signal-safe in practice (snprintf of %s and %d only); the recorder calls it at fork. */
int hp_trace_name(char *buf, size_t size, const char *root, int pid, int n);

/* The writer thread's name (its comm), once the process recorded its first event. */
#define HP_WRITER_THREAD_NAME "hookprof-writer"

/* Is suffix (what follows "root.") "<pid>" or "<pid>.<n>", digits only, the whole string? Then sets
 * *pid and *order (0 for "<pid>", n + 1 for "<pid>.<n>": the order in which the names were taken). */
bool hp_trace_name_suffix(const char *suffix, unsigned long *pid, unsigned long *order);

#endif
