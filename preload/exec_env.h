/* exec_env.h: the environment a program started by a recorded process gets: a sanitizer's runtime it
 * needs first (common/sanitizer_runtimes.h) comes before the recorder in LD_PRELOAD, as the launcher
 * does for the program it starts, so that it runs as it does without hookprof. */
#ifndef HP_EXEC_ENV_H
#define HP_EXEC_ENV_H

#include <stddef.h>

#include "recorder.h"

struct hp_exec_env {
	char *const *envp; /* what to pass: the caller's environment, or the copy below */
	void *map;         /* the copy (its array, then its LD_PRELOAD), or NULL */
	size_t map_size;
};

/* Notes this library's own file, which an LD_PRELOAD must name for the change to be ours to make. */
void hp_exec_env_init(void) HP_HIDDEN;

/* e for a program about to be started with envp: the file `file` (searched in PATH when `search` and
 * it has no slash) or, when file is NULL, the open descriptor fd. The copy is made only when the program
 * lists a runtime that must come first, envp's LD_PRELOAD names this library, and does not start with
 * that runtime; otherwise, or without memory, e->envp is envp. Only system calls: it may run in a
 * vfork child, whose memory is its parent's. errno is kept. */
void hp_exec_env_make(struct hp_exec_env *e, const char *file, int fd, int search, char *const envp[]) HP_HIDDEN;

/* After an exec that failed, or a spawn: the copy goes. errno is kept. */
void hp_exec_env_done(struct hp_exec_env *e) HP_HIDDEN;

#endif
