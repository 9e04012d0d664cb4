/* run.c: the recorded run: the program started with the recorder preloaded, signals forwarded to it,
 * the live view beside it, and its end reported as the shell would (128+N for a signal N).
 *
 * The launcher outlives the program: it blocks the signals it forwards and takes them, and SIGCHLD,
 * with sigtimedwait, so no signal can fall between a check and a wait (the race a shell's trap and
 * wait have, where Ctrl-C could end the launcher with 255 instead of the program's 130).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "launcher/launcher.h"

static const int forwarded[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};

struct proc {
	pid_t pid;
	int status;  /* wait status, once done */
	bool done;
};

struct run {
	sigset_t waited;    /* the forwarded signals not ignored at start, and SIGCHLD */
	sigset_t old_mask;
	bool tty_fg;	    /* in its terminal's foreground group */
	struct proc child, viewer;
};

/* Is this launcher in the foreground process group of its terminal? Then a terminal's SIGINT or
 * SIGQUIT reaches the program directly (same group) and must not be sent a second time. */
static bool in_terminal_foreground(void)
{
	int fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return false;
	pid_t fg = tcgetpgrp(fd);
	close(fd);
	return fg != -1 && fg == getpgrp();
}

static void reap(struct proc *p)
{
	if (p->pid > 0 && !p->done && waitpid(p->pid, &p->status, WNOHANG) == p->pid)
		p->done = true;
}

/* Reaps what has ended, then waits up to timeout_ms (-1: until a signal) for a signal, forwarding
 * it to the program. */
static void supervise(struct run *r, long timeout_ms)
{
	reap(&r->child);
	reap(&r->viewer);
	struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
	int sig = timeout_ms < 0 ? sigwaitinfo(&r->waited, NULL) : sigtimedwait(&r->waited, NULL, &ts);
	if (sig <= 0 || sig == SIGCHLD) {
		reap(&r->child);
		reap(&r->viewer);
		return;
	}
	if (r->tty_fg && (sig == SIGINT || sig == SIGQUIT))
		return;
	if (!r->child.done)
		kill(r->child.pid, sig);
}

/* The program's LD_PRELOAD: ours first (the first preloaded malloc is the one the program calls, and
 * ours passes each call on to whatever allocator was preloaded after it); an existing one is kept. A
 * sanitizer's runtime the program needs first comes before ours: the program then runs as it does
 * without hookprof, and its allocations, which that runtime's malloc takes, are said to be unseen. */
static char *preload_value(const char *first)
{
	const char *old = getenv("LD_PRELOAD");
	char *v, *ours;

	if (!old || !*old)
		ours = strdup(hl_lib);
	else {
		size_t n = strlen(hl_lib);
		bool has = false;
		for (const char *p = old; *p && !has;) {
			size_t len = strcspn(p, ": \t\n");
			has = len == n && !strncmp(p, hl_lib, n);
			p += len;
			p += strspn(p, ": \t\n");
		}
		ours = has ? strdup(old) : asprintf(&v, "%s:%s", hl_lib, old) < 0 ? NULL : v;
	}
	if (!ours || !first)
		return ours;
	if (asprintf(&v, "%s:%s", first, ours) < 0)
		v = NULL;
	free(ours);
	return v;
}

/* PWD as a shell sets it for what it runs: kept when it names the current directory, else made so
 * (a program such as sh then takes it instead of asking getcwd, as it would when run from a shell). */
static int set_pwd(void)
{
	const char *pwd = getenv("PWD");
	struct stat a, b;
	char cwd[4096];

	if (pwd && pwd[0] == '/' && stat(pwd, &a) == 0 && stat(".", &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		return 0;
	return getcwd(cwd, sizeof(cwd)) ? setenv("PWD", cwd, 1) : 0;
}

/* In the child: the recorder's environment, the signal mask hookprof was started with, then exec. */
static void exec_program(const struct run *r, const struct hl_options *o, const struct hl_program *p,
			 const struct hl_output *out)
{
	char *preload = preload_value(p->first);
	if (!preload || setenv("LD_PRELOAD", preload, 1) || setenv("HOOKPROF_OUTPUT", out->abs, 1) ||
	    (o->depth && setenv("HOOKPROF_DEPTH", o->depth, 1)) ||
	    (o->interval && setenv("HOOKPROF_INTERVAL_MS", o->interval, 1)) ||
	    (o->cpu_time && setenv("HOOKPROF_CPU_TIME", "1", 1)) ||
	    (o->follow >= 0 && setenv("HOOKPROF_FOLLOW", o->follow ? "1" : "0", 1)) ||
	    (o->quiet && setenv("HOOKPROF_QUIET", "1", 1)) || set_pwd()) {
		fprintf(stderr, "hookprof: cannot set the recorder's environment: %s\n", strerror(errno));
		_exit(2);
	}
	/* --live in a terminal: the view owns the terminal's keys (see start_view). */
	if (o->live && r->tty_fg && isatty(0)) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd >= 0 && fd != 0) {
			dup2(fd, 0);
			close(fd);
		}
	}
	sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
	if (p->via_sh) {
		int n = 0;
		while (o->cmd[n])
			n++;
		char **argv = calloc((size_t)n + 2, sizeof(*argv));
		if (argv) {
			argv[0] = "/bin/sh";
			argv[1] = p->resolved;
			memcpy(argv + 2, o->cmd + 1, (size_t)n * sizeof(*argv));
			execv("/bin/sh", argv);
		}
	} else {
		execv(p->resolved, o->cmd);
	}
	fprintf(stderr, "hookprof: %s: %s\n", o->cmd[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* --live: hookprof-analyze top follows the trace while the program runs, and exits once the program
 * has ended and its trace is complete (or on q, Ctrl-C). In the terminal's foreground it reads the
 * terminal's keys one at a time, so a program whose stdin was that terminal was given /dev/null:
 * two readers of one terminal would each get a random share of the keys. Without a terminal, the
 * view prints its final frame on stdout when the program ends. */
static void live_view(struct run *r, const struct hl_options *o, const struct hl_output *out)
{
	struct stat st;
	struct termios modes;
	bool have_modes = false;

	/* The recorder creates the trace as the program starts; without one there is nothing to show. */
	while (stat(out->abs, &st) < 0 || st.st_size == 0) {
		if (r->child.done && (stat(out->abs, &st) < 0 || st.st_size == 0))
			return;
		supervise(r, 20);
	}
	int tty = r->tty_fg ? open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
	if (tty >= 0)
		have_modes = tcgetattr(tty, &modes) == 0;
	fflush(NULL);
	r->viewer.pid = fork();
	if (r->viewer.pid == 0) {
		int in = tty >= 0 ? tty : open("/dev/null", O_RDONLY);
		dup2(in, 0);
		if (tty >= 0)
			dup2(tty, 1);
		sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
		execl(hl_analyze, hl_analyze, "top", "--wait", out->abs, (char *)NULL);
		fprintf(stderr, "hookprof: cannot run %s: %s\n", hl_analyze, strerror(errno));
		_exit(127);
	}
	if (r->viewer.pid < 0)
		hl_warn("cannot start the live view: %s", strerror(errno));
	/* Waited for like the program: a signal is forwarded to the program, whose end ends the view. */
	while (r->viewer.pid > 0 && !r->viewer.done)
		supervise(r, -1);
	/* The view gives the terminal back itself; this is for a view that could not (killed, crashed). */
	if (have_modes) {
		tcsetattr(tty, TCSADRAIN, &modes);
		if (write(tty, "\033[?25h", 6) < 0) {
			/* the terminal is gone: nothing to restore */
		}
	}
	if (tty >= 0)
		close(tty);
	if (!r->child.done && !o->quiet)
		hl_warn("live view closed; %s (pid %d) is still running and recorded", o->cmd[0], (int)r->child.pid);
}

int hl_run_recorded(const struct hl_options *o, const struct hl_program *p, const struct hl_output *out,
		    int *wait_status)
{
	struct run r = {.tty_fg = in_terminal_foreground()};

	/* A signal ignored by hookprof's parent stays ignored and reaches nobody, as in a shell. */
	sigemptyset(&r.waited);
	sigaddset(&r.waited, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++) {
		struct sigaction sa;
		if (sigaction(forwarded[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
			sigaddset(&r.waited, forwarded[i]);
	}
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_BLOCK, &r.waited, &r.old_mask);
	fflush(NULL);
	r.child.pid = fork();
	if (r.child.pid < 0)
		hl_die(2, "cannot start %s: %s", o->cmd[0], strerror(errno));
	if (r.child.pid == 0)
		exec_program(&r, o, p, out);
	if (o->live)
		live_view(&r, o, out);
	while (!r.child.done)
		supervise(&r, -1);
	/* Signals taken while the program ended were for it; they must not end the launcher now. */
	struct timespec zero = {0, 0};
	while (sigtimedwait(&r.waited, NULL, &zero) > 0)
		continue;
	sigprocmask(SIG_SETMASK, &r.old_mask, NULL);
	*wait_status = r.child.status;
	if (WIFSIGNALED(r.child.status))
		return 128 + WTERMSIG(r.child.status);
	return WEXITSTATUS(r.child.status);
}
