/* trace_output.h: opens this process's trace file under its name in the run. */
#ifndef HP_TRACE_OUTPUT_H
#define HP_TRACE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "recorder.h"

/* Opens the trace (own_fd.h, hp_chunks_trace). The root process creates the configured path; any
 * other process (fork child, exec'd program) takes PATH.<pid>, then PATH.<pid>.<n> (common/
 * trace_names.h), never overwriting a trace. `path` receives the name tried last; `*execed` is set
 * when the root's name was taken, so this image was exec'd by a recorded process. Returns 0, -1
 * (errno set), or -2 when this process is not to be recorded. */
int hp_trace_output_open(bool root, char *path, size_t size, bool *execed) HP_HIDDEN;

#endif
