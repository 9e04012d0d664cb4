/* fuzz_live_follow.c: libFuzzer target for the live view over hostile bytes: the trace arrives in pieces
 * (byte by byte when small) through the follower, its totals are kept, and frames are drawn from them.
 *
 * Seeds: the fuzz_trace corpus (whole traces: the pieces are cut here).
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "read/live_follow.h"
#include "live/live_names.h"
#include "live/live_stats.h"
#include "live/live_view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void frame(struct hp_live *l, struct hp_defs *defs, uint64_t now, unsigned rows)
{
	struct hp_live_names names = {0};
	size_t nmodules = defs->nmodules;
	FILE *out = fopen("/dev/null", "w");
	struct hp_live_view v = {
		.live = l, .defs = defs, .names = &names, .now_ns = now, .window_min_ns = 1000,
		.state = "running", .cols = 80, .rows = rows, .top = 10,
	};

	if (!out)
		return;
	/* No module file is opened: the symbolizer would read whatever paths the input names. */
	defs->nmodules = 0;
	hp_live_credit(l, now);
	hp_live_render(out, &v);
	hp_live_mark(l, now);
	defs->nmodules = nmodules;
	hp_live_names_release(&names);
	fclose(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz.hpt", MFD_CLOEXEC);
	char path[64];
	struct hp_defs defs;
	struct hp_live l;
	struct hp_follow f;

	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	hp_defs_init(&defs);
	hp_live_init(&l);
	if (hp_follow_open(&f, path, &defs, hp_live_event, &l) == 0) {
		size_t step = size < 512 ? 1 : size / 3 + 1;
		uint64_t chunks = 0;
		int rc = 0;
		for (size_t at = 0; at < size && rc == 0; at += step) {
			size_t n = size - at < step ? size - at : step;
			if (write(fd, data + at, n) != (ssize_t)n)
				break;
			rc = hp_follow_poll(&f);
			if (rc == 0 && f.chunks != chunks) {
				chunks = f.chunks;
				frame(&l, &defs, hp_follow_now_ns(&f), 24);
			}
		}
		if (rc == 0)
			rc = hp_follow_finish(&f);
		/* A failure says why: a message, or the totals out of memory. */
		if (rc && !f.error[0] && !l.oom)
			__builtin_trap();
		frame(&l, &defs, hp_follow_now_ns(&f), 0);
		/* The sites account for every live block. */
		uint64_t blocks = 0, bytes = 0;
		for (size_t i = 0; i < l.nsites; i++) {
			blocks += l.sites[i].live_blocks;
			bytes += l.sites[i].live_bytes;
		}
		if (!l.oom && (blocks != l.heap.used || bytes != l.heap_bytes))
			__builtin_trap();
		hp_follow_close(&f);
	}
	hp_live_release(&l);
	hp_defs_release(&defs);
	close(fd);
	return 0;
}
