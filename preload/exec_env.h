/* exec_env.h: the environment a program started by a recorded process gets. When children are
 * followed, it gets the recorder back if its environment was made without it (`env -i`, python's
 * subprocess with env=, a build tool's clean environment), and a sanitizer's runtime it needs first
 * (common/preload_reach.h) comes before the recorder in LD_PRELOAD, as the launcher does for the
 * program it starts, so that it runs as it does without hookprof. */
#ifndef HP_EXEC_ENV_H
#define HP_EXEC_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "recorder.h"

#define HP_EXEC_ENV_BUF 16384

struct hp_exec_env {
	char *const *envp; /* what to pass: the caller's environment, or the copy in buf or map */
	void *map;         /* a copy too large for buf, or NULL */
	size_t map_size;
	/* Why the program cannot be recorded (enum hpt_unrecorded_why: statically linked), or 0. Known
	 * only when its environment was looked at: children are followed. */
	unsigned unrecorded;
	/* On the caller's stack: in a vfork child, whose memory is its parent's, a mapping made before
	 * a successful exec would stay in the parent. */
	char buf[HP_EXEC_ENV_BUF] __attribute__((aligned(16)));
};

/* Notes this library's own file and the recorder's HOOKPROF_* settings, which a child's environment
 * gets back. At the recorder's start, before the program can change its environment. */
void hp_exec_env_init(void) HP_HIDDEN;

/* e for a program about to be started with envp: the file `file` (searched in PATH when `search` and
 * it has no slash) or, when file is NULL, the open descriptor fd. envp itself (e->envp) unless it
 * must change: when children are followed, a HOOKPROF_* setting it lacks is added, and its
 * LD_PRELOAD names this library (first, when it had none or another list); a runtime the program
 * lists that must come first goes before the list that names this library. Without room, envp.
 * Only system calls: it may run in a vfork child. errno is kept. */
void hp_exec_env_make(struct hp_exec_env *e, const char *file, int fd, bool search, char *const envp[]) HP_HIDDEN;

/* Notes in the trace, when e says the program `file` cannot be recorded, that this process started it
 * (UNRECORDED_PROGRAM): by exec in a forked child, before the flush that ends its trace; from a
 * vfork child, in its parent's trace, whose thread's ring it shares. errno is kept. */
void hp_exec_env_note(const struct hp_exec_env *e, const char *file) HP_HIDDEN;

/* After an exec that failed, or a spawn: a mapped copy goes. errno is kept. */
void hp_exec_env_done(struct hp_exec_env *e) HP_HIDDEN;

#endif
