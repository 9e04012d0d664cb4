/* output.c: the trace path of a run, checked and cleared before it, and where its traces went after. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/child_traces.h"
#include "common/commands.h"
#include "common/proc_stat.h"
#include "launcher/launcher.h"

/* hookprof.<cmd>.<YYYYmmdd-HHMMSS>.hpt */
static char *default_name(const char *cmd)
{
	const char *slash = strrchr(cmd, '/');
	const char *base = slash ? slash + 1 : cmd;
	char stamp[32], *name;
	time_t now = time(NULL);

	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&now));
	if (asprintf(&name, "hookprof.%s.%s.hpt", *base ? base : "cmd", stamp) < 0)
		hl_die(2, "out of memory");
	return name;
}

void hl_prepare_output(const struct hl_options *o, struct hl_output *out)
{
	out->shown = o->output ? strdup(o->output) : default_name(o->cmd[0]);
	const char *shown = out->shown;
	size_t len = strlen(shown);
	if (shown[len - 1] == '/')
		hl_die(2, "cannot write the trace to '%s': it names a directory", shown);
	char cwd[PATH_MAX];
	if (shown[0] == '/')
		out->abs = strdup(shown);
	else if (!getcwd(cwd, sizeof(cwd)) || asprintf(&out->abs, "%s/%s", cwd, shown) < 0)
		hl_die(2, "cannot write the trace to '%s': the current directory cannot be read", shown);
	char *dir = strndup(out->abs, (size_t)(strrchr(out->abs, '/') - out->abs));
	if (!dir[0]) {
		free(dir);
		dir = strdup("/");
	}
	struct stat st;
	if (stat(out->abs, &st) == 0 && S_ISDIR(st.st_mode))
		hl_die(2, "cannot write the trace to '%s': it is a directory", shown);
	if (stat(dir, &st) < 0 && errno == ENOENT)
		hl_die(2, "cannot write the trace to '%s': directory '%s' does not exist", shown, dir);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		hl_die(2, "cannot write the trace to '%s': '%s' is not a directory", shown, dir);
	if (eaccess(dir, W_OK | X_OK) < 0)
		hl_die(2, "cannot write the trace to '%s': directory '%s' is not writable", shown, dir);
	free(dir);
	/* A stale trace of the same name (and its children) would be mistaken for this run's. */
	char **kids;
	size_t n;
	if (hp_child_traces(out->abs, &kids, &n) < 0)
		hl_die(2, "cannot list the stale traces of '%s': %s", shown, strerror(errno));
	bool failed = unlink(out->abs) < 0 && errno != ENOENT;
	for (size_t i = 0; i < n; i++)
		failed |= unlink(kids[i]) < 0 && errno != ENOENT;
	hp_child_traces_free(kids, n);
	if (failed)
		hl_die(2, "cannot remove the stale trace '%s'", shown);
}

/* The analyzer's "PATH: complete" or "PATH: incomplete: WHY" about each trace, one line a trace in
 * order; NULL when it could not say. */
static char *statuses(char **traces, size_t n)
{
	char **argv = calloc(n + 3, sizeof(*argv));
	char *out = NULL;

	if (!argv)
		return NULL;
	argv[0] = (char *)hl_analyze;
	argv[1] = "status";
	memcpy(argv + 2, traces, n * sizeof(*traces));
	if (hl_spawn(argv, &out) < 0)
		out = NULL;
	free(argv);
	return out;
}

/* Whether pid runs: alive and not a zombie (a zombie's trace was ended before it exited). */
static bool runs(long pid)
{
	char buf[1024];
	const char *p = pid > 0 ? hp_proc_stat_fields((unsigned)pid, buf, sizeof(buf)) : NULL;

	return p && !hp_proc_state_ended(*p);
}

/* Processes of the run that outlive its first one by a moment (python's multiprocessing resource
 * tracker leaves when its pipe closes, as its parent exits) are waited for, up to OUTLIVE_MS, before
 * their traces are listed; a daemon runs on, and is listed as running. True when one of them ended
 * meanwhile: the statuses are asked for again. */
#define OUTLIVE_MS 1000

static bool outlived_by_a_moment(const char *status)
{
	long pids[64];
	size_t n = 0;
	bool ended = false;

	for (const char *p = status; n < 64 && (p = strstr(p, HP_STATUS_RUNS)); p += strlen(HP_STATUS_RUNS))
		pids[n++] = strtol(p + strlen(HP_STATUS_RUNS), NULL, 10);
	for (int waited = 0; n && waited < OUTLIVE_MS; waited += 10) {
		struct timespec tick = {0, 10000000};
		nanosleep(&tick, NULL);
		for (size_t i = 0; i < n;)
			if (!runs(pids[i])) {
				pids[i] = pids[--n];
				ended = true;
			} else {
				i++;
			}
	}
	return ended;
}

bool hl_list_traces(const struct hl_options *o, const struct hl_output *out, int wait_status)
{
	if (access(out->abs, F_OK) < 0) {
		hl_warn("no trace was written to %s: the recorder did not start (its message, if any, is above) or the "
			"program removed LD_PRELOAD from its environment", out->shown);
		return false;
	}
	if (o->quiet)
		return true;
	char **kids;
	size_t nkids;
	if (hp_child_traces(out->abs, &kids, &nkids) < 0)
		nkids = 0, kids = NULL;
	char **traces = malloc((nkids + 1) * sizeof(*traces));
	if (!traces)
		hl_die(2, "out of memory");
	traces[0] = out->abs;
	memcpy(traces + 1, kids, nkids * sizeof(*kids));
	char *status = statuses(traces, nkids + 1);
	if (status && strstr(status, HP_STATUS_RUNS) && outlived_by_a_moment(status)) {
		free(status);
		status = statuses(traces, nkids + 1);
	}
	/* The traces whose program's allocations did not reach us: the first OWN_NAMED named. */
	enum { OWN_NAMED = 3 };
	char owners[3 * PATH_MAX];
	size_t nown = 0, at = 0;
	/* A trace without its process's end (killed, or taken away from the recorder) is incomplete. */
	char *line = status;
	size_t abslen = strlen(out->abs);
	for (size_t i = 0; i <= nkids; i++) {
		char *eol = line ? strchrnul(line, '\n') : NULL;
		if (eol)
			*eol = '\0';
		const char *kind = i ? "child trace" : "trace", *suffix = traces[i] + abslen;
		size_t tlen = strlen(traces[i]);
		char *own = line ? strstr(line, HP_STATUS_OWN_MALLOC) : NULL;
		if (own) {
			*own = '\0';
			if (nown++ < OWN_NAMED && at < sizeof(owners))
				at += (size_t)snprintf(owners + at, sizeof(owners) - at, "%s%s%s", nown > 1 ? ", " : "",
						       out->shown, suffix);
		}
		bool ours = line && !strncmp(line, traces[i], tlen) && !strncmp(line + tlen, ": ", 2);
		bool incomplete = ours && !strncmp(line + tlen, ": incomplete: ", 14);
		bool unreadable = ours && !strcmp(line + tlen + 2, HP_STATUS_UNREADABLE);
		/* The root exited, yet its recorder could not finish: nothing of the process ran at its
		 * exit, the recorder's handlers included. */
		bool stopped = incomplete && !strcmp(line + tlen + 14, HP_STATUS_STOPPED_SECCOMP);
		if (incomplete && i == 0 && WIFEXITED(wait_status) && !stopped)
			hl_warn("incomplete %s at %s%s (the process exited, status %d, without running its exit handlers, "
				"as a raw exit_group system call does, which is how Go's runtime exits: its last 100 ms of events and "
				"the leak scan at exit are missing)",
				kind, out->shown, suffix, WEXITSTATUS(wait_status));
		else if (incomplete)
			hl_warn("incomplete %s at %s%s (%s)", kind, out->shown, suffix, line + tlen + 14);
		else if (unreadable)
			hl_warn("unreadable %s at %s%s (the reason is above: an empty file is one its recorder could not "
				"write, as on a full disk)", kind, out->shown, suffix);
		else
			hl_warn("%s written to %s%s", kind, out->shown, suffix);
		line = eol && eol[1] ? eol + 1 : NULL;
	}
	/* Said once for the run: Chromium starts a dozen processes of its own malloc. */
	if (nown) {
		char more[48] = "";
		if (nown > OWN_NAMED)
			snprintf(more, sizeof(more), " and %zu more", nown - OWN_NAMED);
		hl_warn("the allocations of %s%s were not recorded: %s a malloc of %s own, which hookprof's hooks do "
			"not reach ('hookprof report' names it)",
			owners, more, nown > 1 ? "their programs call" : "the program calls", nown > 1 ? "their" : "its");
	}
	free(status);
	free(traces);
	hp_child_traces_free(kids, nkids);
	return true;
}
