/* trace_output.c: opens this process's trace file: the configured path, or PATH.<pid>[.<n>]. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include "common/trace_names.h"
#include "own_fd.h"
#include "recorder.h"
#include "trace_chunks.h"
#include "trace_output.h"

int hp_trace_output_open(bool root, char *path, size_t size, bool *execed)
{
	struct hp_own_fd *trace = hp_chunks_trace();
	const int flags = O_WRONLY | O_CREAT | O_EXCL;

	if (root) {
		snprintf(path, size, "%s", hp_rec.cfg.output);
		if (hp_own_fd_open(trace, path, flags, 0644) == 0 || errno != EEXIST)
			return trace->fd >= 0 ? 0 : -1;
		if (!hp_rec.cfg.follow)
			return -2;
		*execed = true; /* the run's first trace exists: this image was exec'd by a recorded process */
	}
	for (int n = 0; n < 1000; n++) {
		hp_trace_name(path, size, hp_rec.cfg.output, (int)hp_rec.pid, n);
		if (hp_own_fd_open(trace, path, flags, 0644) == 0 || errno != EEXIST)
			return trace->fd >= 0 ? 0 : -1;
	}
	return -1;
}
