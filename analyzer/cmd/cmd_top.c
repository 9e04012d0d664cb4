/* cmd_top.c: `hookprof-analyze top`: a refreshing view of a trace while its process is writing it.
 *
 * On a terminal the view is redrawn every --interval until the process ends (its final frame stays on
 * the screen) or q / Ctrl-C. Off a terminal, or with --once, one frame of what the trace holds now;
 * --wait first waits for the process to end. A process that replaces itself by exec is followed into
 * the trace its new image writes. Exit 0; 1 when the trace cannot be read; 2 on a usage error.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "cmd/options.h"
#include "hpt_format.h"
#include "read/live_follow.h"
#include "live/live_names.h"
#include "live/live_process.h"
#include "live/live_stats.h"
#include "live/live_term.h"
#include "live/live_view.h"
#include "report/report.h"

#define POLL_NS 100000000ull       /* the file is read this often: the recorder writes every 100 ms */
#define NO_PROCESS_NS 2000000000ull /* a file with no process record that long is not being written */
#define MAX_COLS 1000
#define PATH_CAP 4200 /* a trace path, with room for the .<pid>.<n> of an exec'd image's trace */

static const char usage_line[] = "usage: hookprof-analyze top [--interval SEC] [--once | --wait] [--top N] TRACE";

static void help(void)
{
	printf("%s\n\n"
	       "Shows a trace while its process is writing it: elapsed time, heap now and at its peak,\n"
	       "allocations per second, RSS and CPU, events recorded and lost, the hottest zones and the\n"
	       "allocation sites with the most live bytes, threads. On a terminal the view is redrawn until\n"
	       "the process ends, and its final frame stays; q or Ctrl-C quits earlier. A finished trace\n"
	       "shows its final state. A process that runs another program by exec is followed into the\n"
	       "trace of its new image (TRACE.<pid>); the processes it forks are not (their traces are\n"
	       "TRACE.<pid> too: run top on them).\n\n"
	       "  --interval SEC  time between frames, and the window of the rates (default 1)\n"
	       "  --once          print one frame of what the trace holds now, and exit\n"
	       "  --wait          do not exit before the process ends; off a terminal, print only the\n"
	       "                  final frame (what `hookprof record --live` does without a terminal)\n"
	       "  --top N         rows per table off a terminal (default 10; on a terminal its height decides)\n",
	       usage_line);
}

#define usage_error(...) hp_usage_error("top", __VA_ARGS__)

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One trace being shown: the reader, what it has defined and the totals so far. */
struct shown {
	char path[PATH_CAP];
	struct hp_defs defs;
	struct hp_follow follow;
	struct hp_live live;
	struct hp_live_names names;
	uint64_t last_size;      /* file size at the last poll */
	uint64_t last_growth_ns; /* when it last grew (monotonic) */
	bool ended;              /* nothing more will come: hp_follow_finish was called */
};

static int shown_open(struct shown *s, const char *path)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", path);
	hp_defs_init(&s->defs);
	hp_live_init(&s->live);
	s->last_growth_ns = mono_ns();
	if (hp_follow_open(&s->follow, s->path, &s->defs, hp_live_event, &s->live)) {
		fprintf(stderr, "hookprof: %s\n", s->follow.error);
		return -1; /* s is still to be closed */
	}
	return 0;
}

static void shown_close(struct shown *s)
{
	hp_follow_close(&s->follow);
	hp_live_names_release(&s->names);
	hp_live_release(&s->live);
	hp_defs_release(&s->defs);
}

/* After a reader call: 0, or -1 having said why. */
static int read_result(struct shown *s, int rc)
{
	if (rc == 0)
		return 0;
	if (s->follow.error[0])
		fprintf(stderr, "hookprof: %s\n", s->follow.error);
	else
		fprintf(stderr, "hookprof: %s: out of memory\n", s->path);
	return -1;
}

/* The trace the image that `s`'s process exec'd writes: the recorder names it PATH.<pid>, or
 * PATH.<pid>.<n> when that is taken, PATH being the run's root trace. The newest of that pid's traces
 * past s's own; 0 with its path in out, -1 when there is none (yet). */
static int exec_successor(const struct shown *s, char *out, size_t len)
{
	char base[PATH_CAP], suffix[32], name[PATH_CAP];
	size_t n = strlen(s->path), k = (size_t)snprintf(suffix, sizeof(suffix), ".%" PRIu32, s->defs.process.pid);
	const char *dot = strrchr(s->path, '.');
	int first, found = -1;
	struct stat sb;

	/* base is PATH.<pid>; number 0 stands for base itself, i for base.i. */
	if (n > k && !strcmp(s->path + n - k, suffix)) {
		snprintf(base, sizeof(base), "%s", s->path);
		first = 1;
	} else if (dot && atoi(dot + 1) > 0 && (size_t)(dot - s->path) > k && !strncmp(dot - k, suffix, k)) {
		snprintf(base, sizeof(base), "%.*s", (int)(dot - s->path), s->path);
		first = atoi(dot + 1) + 1;
	} else {
		snprintf(base, sizeof(base), "%s%s", s->path, suffix);
		first = 0;
	}
	for (int i = first; i < 1000; i++) {
		int w = i ? snprintf(name, sizeof(name), "%s.%d", base, i) : snprintf(name, sizeof(name), "%s", base);
		if (w < 0 || (size_t)w >= sizeof(name) || stat(name, &sb))
			break;
		snprintf(out, len, "%s", name);
		found = 0;
	}
	return found;
}

enum step { STEP_GO_ON, STEP_ENDED, STEP_SWITCHED, STEP_FAILED };

/* Reads what the trace has gained, and decides whether the process has ended. */
static enum step advance(struct shown *s, bool waiting)
{
	const struct hp_process_info *pi = &s->defs.process;
	uint64_t now = mono_ns();

	if (read_result(s, hp_follow_poll(&s->follow)))
		return STEP_FAILED;
	if (s->follow.size != s->last_size) {
		s->last_size = s->follow.size;
		s->last_growth_ns = now;
	}
	bool gone;
	if (hp_follow_complete(&s->follow))
		gone = true;
	else if (pi->seen)
		gone = !hp_process_running(pi->pid, pi->start_real_ns);
	else
		gone = !waiting || now - s->last_growth_ns > NO_PROCESS_NS;
	if (s->follow.end_seen && !hp_follow_complete(&s->follow) && pi->seen) {
		/* Exec: the same process goes on as another program, in a trace of its own. */
		char next[PATH_CAP];
		if (exec_successor(s, next, sizeof(next)) == 0 && waiting) {
			shown_close(s);
			return shown_open(s, next) ? STEP_FAILED : STEP_SWITCHED;
		}
		if (!waiting)
			gone = true;
	}
	if (!gone)
		return STEP_GO_ON;
	/* Checked before this last read: whatever the process wrote is in the file now. */
	if (read_result(s, hp_follow_finish(&s->follow)))
		return STEP_FAILED;
	s->ended = true;
	return STEP_ENDED;
}

static void describe(const struct shown *s, char *buf, size_t len)
{
	const struct hp_process_info *pi = &s->defs.process;

	if (!s->ended)
		snprintf(buf, len, "running");
	else if (!pi->seen)
		snprintf(buf, len, "no process recorded");
	else if (!pi->ended)
		snprintf(buf, len, "ended, no end recorded (killed?)");
	else if (pi->end_how == HPT_END_SIGNAL)
		snprintf(buf, len, "killed by signal %" PRId64 " (%s)", pi->end_status, strsignal((int)pi->end_status));
	else if (pi->end_how == HPT_END_EXEC)
		snprintf(buf, len, "replaced by exec");
	else
		snprintf(buf, len, "exited with status %" PRId64, pi->end_status);
}

struct screen {
	bool tty;         /* redrawn in place on a terminal */
	bool keys;        /* the terminal is taken: keys are read */
	bool clear;       /* the next frame clears the screen first */
	bool drawn;       /* a frame is on the screen */
	unsigned cols, rows;
	unsigned top;
	uint64_t interval_ns;
};

/* Renders a frame; on a terminal, over the previous one. 0, or -1 when writing fails. */
static int show(struct shown *s, struct screen *scr, bool final)
{
	char state[160], note[PATH_CAP + 64];
	char *frame = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&frame, &size);
	uint64_t now = hp_follow_now_ns(&s->follow);
	int rc = -1;

	if (!mem)
		return -1;
	if (s->ended && s->defs.process.ended && s->defs.process.end_ns > now)
		now = s->defs.process.end_ns;
	hp_live_credit(&s->live, now);
	describe(s, state, sizeof(state));
	note[0] = 0;
	if (s->ended && s->defs.process.ended && s->defs.process.end_how == HPT_END_EXEC) {
		char next[PATH_CAP];
		if (exec_successor(s, next, sizeof(next)) == 0)
			snprintf(note, sizeof(note), "the program it exec'd is in %s", next);
		else
			snprintf(note, sizeof(note), "the program it exec'd was not recorded");
	} else if (s->follow.truncated)
		snprintf(note, sizeof(note), "trace cut inside a chunk at byte %" PRIu64 " (process killed while writing?)",
			 s->follow.off);
	else if (s->live.oom)
		snprintf(note, sizeof(note), "out of memory: the totals are incomplete");
	else if (scr->tty && !final)
		snprintf(note, sizeof(note), "q: quit   refresh every %.3g s", (double)scr->interval_ns / 1e9);
	if (scr->tty) {
		hp_term_size(STDOUT_FILENO, &scr->cols, &scr->rows);
		if (scr->cols > MAX_COLS)
			scr->cols = MAX_COLS;
	}
	struct hp_live_view v = {
		.live = &s->live,
		.defs = &s->defs,
		.names = &s->names,
		.now_ns = now,
		.window_min_ns = scr->interval_ns / 2,
		.state = state,
		.ended = s->ended,
		.note = note[0] ? note : NULL,
		.trace_bytes = s->follow.off,
		.cols = scr->cols,
		/* One line short of the screen: the newline after the last frame must not scroll it. */
		.rows = scr->tty ? (scr->rows > 1 ? scr->rows - 1 : 1) : 0,
		.top = scr->top,
	};
	if (hp_live_render(mem, &v)) {
		fclose(mem);
		goto out;
	}
	if (fclose(mem))
		goto out;
	if (!scr->tty || !hp_term_foreground(STDOUT_FILENO)) {
		rc = fwrite(frame, 1, size, stdout) == size && fflush(stdout) == 0 ? 0 : -1;
		goto out;
	}
	/* In place: home, each line then erase to its end, erase below; no newline after the last
	 * line, which on the bottom row would scroll the frame. */
	size_t cap = size * 2 + 64, len = 0;
	char *ansi = malloc(cap);
	if (!ansi)
		goto out;
	len += (size_t)snprintf(ansi, cap, "%s\033[H", scr->clear ? "\033[2J" : "");
	for (char *p = frame, *nl; (nl = memchr(p, '\n', size - (size_t)(p - frame))); p = nl + 1) {
		memcpy(ansi + len, p, (size_t)(nl - p));
		len += (size_t)(nl - p);
		memcpy(ansi + len, "\033[K", 3);
		len += 3;
		if (nl + 1 < frame + size)
			ansi[len++] = '\n';
	}
	memcpy(ansi + len, "\033[J", 3);
	len += 3;
	rc = hp_term_write(STDOUT_FILENO, ansi, len);
	free(ansi);
	scr->clear = false;
	scr->drawn = true;
out:
	free(frame);
	/* The rates of the next frame start here, once this window is long enough to mean something. */
	if (now - s->live.mark[0].ns >= scr->interval_ns / 2 && now > s->live.mark[0].ns)
		hp_live_mark(&s->live, now);
	return rc;
}

/* Waits until deadline (monotonic ns), a key, or a signal. */
static void pause_until(const struct screen *scr, uint64_t deadline)
{
	uint64_t now = mono_ns();
	int ms = deadline > now ? (int)((deadline - now + 999999) / 1000000) : 0;
	struct pollfd p = {STDIN_FILENO, POLLIN, 0};

	if (scr->keys)
		poll(&p, 1, ms);
	else
		poll(NULL, 0, ms);
}

/* --interval SEC, 0.05 to 3600, into the uint64_t nanoseconds at opt->dest. */
static int parse_seconds(const struct hp_option *opt, const char *s)
{
	uint64_t *ns = opt->dest;
	char *end;
	errno = 0;
	double v = strtod(s, &end);

	if (end == s || *end || errno || !isfinite(v) || v < 0.05 || v > 3600)
		return -1;
	*ns = (uint64_t)(v * 1e9);
	return 0;
}

/* Gives the terminal back and leaves the cursor below the final frame. */
static void leave_screen(struct screen *scr)
{
	if (!scr->tty)
		return;
	hp_term_leave();
	if (scr->drawn)
		hp_term_write(STDOUT_FILENO, "\n", 1);
	scr->keys = false;
	scr->tty = false;
}

int cmd_top(int argc, const char **argv)
{
	const char *trace = NULL;
	bool once = false, wait_end = false;
	struct screen scr = {.cols = 80, .rows = 24, .top = 10, .interval_ns = 1000000000ull, .clear = true};

	size_t top = scr.top, ntraces;
	const char **traces;
	const struct hp_option opts[] = {
		HP_OPT_PARSE(INTERVAL, "seconds, from 0.05 to 3600", parse_seconds, &scr.interval_ns, 0, 0),
		HP_OPT_FLAG(ONCE, &once),
		HP_OPT_FLAG(WAIT, &wait_end),
		HP_OPT_TOP("a number of rows, 1 to 1000", &top, 1, 1000),
		HP_OPT_END,
	};
	int parsed = hp_options_front("top", opts, help, argc, argv, false, true, &traces, &ntraces);
	if (parsed >= 0)
		return parsed;
	trace = ntraces ? traces[0] : NULL;
	free((void *)traces);
	scr.top = (unsigned)top;
	if (!trace)
		return usage_error("no trace given");
	if (once && wait_end)
		return usage_error("--once and --wait contradict each other");

	struct shown *s = malloc(sizeof(*s));
	if (!s) {
		fprintf(stderr, "hookprof: top: out of memory\n");
		return 1;
	}
	if (shown_open(s, trace)) {
		shown_close(s);
		free(s);
		return 1;
	}
	/* A view redrawn in place needs the terminal's foreground: a background job would draw over
	 * whatever the shell shows, so it prints as off a terminal. */
	scr.tty = !once && hp_term_foreground(STDOUT_FILENO);
	bool waiting = scr.tty || wait_end;
	uint64_t next_frame = 0;
	int rc = 0;
	/* A file that is no trace is said so before the terminal is touched. */
	enum step st = advance(s, waiting);

	if (st != STEP_FAILED && scr.tty) {
		hp_term_signals();
		scr.keys = hp_term_enter(STDIN_FILENO, STDOUT_FILENO) == 0;
	}
	for (;; st = advance(s, waiting)) {
		if (st == STEP_FAILED) {
			leave_screen(&scr);
			rc = 1;
			break;
		}
		if (st == STEP_SWITCHED) {
			scr.clear = true;
			next_frame = 0;
			continue;
		}
		if (hp_term_resumed) {
			hp_term_resumed = 0;
			scr.keys = hp_term_foreground(STDIN_FILENO) && hp_term_enter(STDIN_FILENO, STDOUT_FILENO) == 0;
			scr.clear = true;
			next_frame = 0;
		}
		if (hp_term_resized) {
			hp_term_resized = 0;
			scr.clear = true;
			next_frame = 0;
		}
		bool ended = st == STEP_ENDED;
		/* Stopped with Ctrl-Z and sent to the background: frames wait for the foreground. */
		bool hidden = scr.tty && !hp_term_foreground(STDOUT_FILENO);
		if (ended || !waiting || (scr.tty && !hidden && mono_ns() >= next_frame)) {
			if (show(s, &scr, ended) && errno != EINTR) {
				leave_screen(&scr);
				fprintf(stderr, "hookprof: top: cannot write the view: %s\n", strerror(errno));
				rc = 1;
				break;
			}
			next_frame = mono_ns() + scr.interval_ns;
		}
		if (ended || !waiting)
			break;
		uint64_t wake = mono_ns() + POLL_NS;
		pause_until(&scr, scr.tty && next_frame < wake ? next_frame : wake);
		if (hp_term_quit_key() || hp_term_quit)
			break;
	}
	leave_screen(&scr);
	/* One frame of a trace without its process's end: the other commands warn of it, so does this. */
	if (!rc && !waiting && !s->follow.end_seen)
		fprintf(stderr, "hookprof: warning: %s: the trace does not record the end of the process (still "
				"running, or killed?)\n", s->path);
	shown_close(s);
	free(s);
	if (hp_term_quit) {
		/* Interrupted: die of the signal, as a shell expects of a program it ran. */
		int sig = hp_term_quit;
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return rc;
}
