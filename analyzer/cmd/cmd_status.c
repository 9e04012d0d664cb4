/* cmd_status.c: `hookprof-analyze status TRACE...`: does each trace end with its process's end?
 *
 * The launcher asks after a run, to say "incomplete" instead of "trace written" when the recorder
 * lost its trace (the program took it away) or the process was killed. Only the chunk headers are
 * read, and the first and the last whole chunk decoded: PROCESS_END (or STOPPED), when written, is in
 * the last (trace_writer.c ends every way out with one and a flush), and PROCESS, which says which
 * process it was (still running? its own malloc?), in the first; the answer costs no pass over the
 * events.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "common/commands.h"
#include "cmd/options.h"
#include "live/live_process.h"
#include "read/chunk_order.h"
#include "read/chunk_reader.h"
#include "read/trace.h"
#include "hpt_format.h"
#include "read/trace_source.h"

static const char usage[] = "usage: hookprof-analyze status TRACE...\n"
			    "Prints 'TRACE: complete', 'TRACE: incomplete: WHY' or 'TRACE: " HP_STATUS_UNREADABLE "' (and why on\n"
			    "stderr) for each trace, in order, the first two followed by\n"
			    "'" HP_STATUS_OWN_MALLOC "' when its program's calls to malloc did\n"
			    "not reach hookprof; exit 0 when all are complete, 1 when one is not, 2 when one cannot be read.\n";

static void help(void)
{
	fputs(usage, stdout);
}

/* The end the raw records hold: PROCESS_END, STOPPED (recording stopped, the process went on), or
 * none. */
enum end_found { END_NONE, END_PROCESS, END_STOPPED };

static enum end_found end_in(const uint8_t *raw, size_t n)
{
	struct hpt_cursor c = {raw, raw + n};

	while (c.p < c.end) {
		uint8_t type = *c.p++;
		uint64_t len;
		if (hpt_get_u(&c, &len) || len > (uint64_t)(c.end - c.p))
			return END_NONE;
		if (type == HPT_PROCESS_END)
			return END_PROCESS;
		if (type == HPT_STOPPED)
			return END_STOPPED;
		c.p += len;
	}
	return END_NONE;
}

/* 1 complete, 0 incomplete (why says why; *stopped when recording stopped on purpose, the process
 * going on), -1 unreadable (why says why). The chunks are walked as the reader walks them
 * (chunk_order.h: duplicates left out, the last in sequence is the last written). */
static int trace_status(const char *path, char *why, size_t size, bool *stopped)
{
	uint8_t h[HPT_CHUNK_HEADER_SIZE > HPT_HEADER_SIZE ? HPT_CHUNK_HEADER_SIZE : HPT_HEADER_SIZE];
	struct hp_source src = {.fd = -1};
	struct hp_chunk_order order = {0};
	int rc = -1;

	src.fd = hp_open_regular(path, &src.size, why, size);
	if (src.fd < 0)
		return -1;
	if (src.size < HPT_HEADER_SIZE || !hp_source_get(&src, 0, h, HPT_HEADER_SIZE) ||
	    memcmp(h, HPT_MAGIC, HPT_MAGIC_SIZE)) {
		snprintf(why, size, "'%s' is not a hookprof trace", path);
		goto out;
	}
	/* Version 1 chunks carry no sequence numbers: read in file order, all of them, by the loop below. */
	if (hpt_get_le16(h + 8) < 2)
		order.resume = hpt_get_le32(h + 12);
	else if (hp_chunk_order_scan(&src, hpt_get_le32(h + 12), &order)) {
		snprintf(why, size, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
	if (order.resume == UINT64_MAX) {
		snprintf(why, size, "a chunk is missing");
		goto out;
	}
	/* The list's last chunk, then any read in file order after it (a version 1 trace: all). */
	uint64_t last = order.n ? order.off[order.n - 1] : UINT64_MAX;
	for (uint64_t at = order.resume; at < src.size; at += HPT_CHUNK_HEADER_SIZE + hpt_get_le32(h + 4)) {
		if (src.size - at < HPT_CHUNK_HEADER_SIZE || !hp_source_get(&src, at, h, HPT_CHUNK_HEADER_SIZE) ||
		    memcmp(h, HPT_CHUNK_MAGIC, 4) || src.size - at - HPT_CHUNK_HEADER_SIZE < hpt_get_le32(h + 4)) {
			snprintf(why, size, "cut at byte %llu: the process was killed, or its trace taken away",
				 (unsigned long long)at);
			goto out;
		}
		last = at;
	}
	snprintf(why, size, "the process's end is not recorded: killed, ended past libc's exit handlers as Go's "
			    "runtime does, or its trace taken away");
	uint8_t *raw;
	size_t n;
	if (last != UINT64_MAX && hp_chunk_load(&src, last, &raw, &n) == 0) {
		enum end_found end = end_in(raw, n);
		if (end == END_PROCESS)
			rc = 1;
		else if ((*stopped = end == END_STOPPED))
			snprintf(why, size, "%s", HP_STATUS_STOPPED_SECCOMP);
		free(raw);
	}
out:
	hp_chunk_order_release(&order);
	close(src.fd);
	return rc;
}

/* Whether the process that wrote a trace still runs (hp_process_running: alive, not a zombie, started
 * no later than the trace) and runs the trace's program: a process in a pid namespace wrote the pid
 * it had there, and pid 1 here is another program. A daemon outlives the program the launcher
 * started, which is when the launcher asks. */
static bool still_runs(const struct hp_process_info *pi)
{
	char path[64], exe[4096];

	snprintf(path, sizeof(path), "/proc/%u/exe", (unsigned)pi->pid);
	ssize_t len = pi->pid && pi->exe ? readlink(path, exe, sizeof(exe) - 1) : -1;
	if (len < 0)
		return false;
	exe[len] = '\0';
	return !strcmp(exe, pi->exe) && hp_process_running(pi->pid, pi->start_real_ns);
}

int cmd_status(int argc, const char **argv)
{
	const struct hp_option opts[] = {HP_OPT_END};
	const char **traces;
	size_t ntraces;
	int worst = 0;

	int parsed = hp_options_front("status", opts, help, argc, argv, true, false, &traces, &ntraces);
	if (parsed >= 0)
		return parsed;
	for (size_t i = 0; i < ntraces; i++) {
		char why[256];
		bool stopped = false;
		int s = trace_status(traces[i], why, sizeof(why), &stopped);
		struct hp_process_info pi = {0};
		bool known = s >= 0 && hp_trace_process(traces[i], true, &pi) == 0;
		const char *note = known && pi.own_malloc ? HP_STATUS_OWN_MALLOC : "";
		if (s == 0 && !stopped && known && still_runs(&pi))
			snprintf(why, sizeof(why), HP_STATUS_RUNS "%u" HP_STATUS_RUNS_END, (unsigned)pi.pid);
		if (s < 0) {
			/* A line of its own too: the launcher reads one line per trace, in order. */
			fprintf(stderr, "hookprof: %s\n", why);
			printf("%s: %s\n", traces[i], HP_STATUS_UNREADABLE);
			worst = 2;
		} else if (s == 0) {
			printf("%s: incomplete: %s%s\n", traces[i], why, note);
			worst = worst ? worst : 1;
		} else {
			printf("%s: complete%s\n", traces[i], note);
		}
		hp_process_info_release(&pi);
	}
	free((void *)traces);
	return worst;
}
