/* live_term.c: termios and signals for the live view; restoring the terminal never depends on stdio. */
#include "live/live_term.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define HIDE_CURSOR "\033[?25l"
#define SHOW_CURSOR "\033[?25h"

volatile sig_atomic_t hp_term_quit;
volatile sig_atomic_t hp_term_resized;
volatile sig_atomic_t hp_term_resumed;

/* The terminal taken: written by hp_term_enter before any handler may read it. */
static struct termios saved, raw;
static int in = -1, out = -1;
static volatile sig_atomic_t taken;

int hp_term_write(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

bool hp_term_foreground(int fd)
{
	return isatty(fd) && tcgetpgrp(fd) == getpgrp();
}

int hp_term_enter(int in_fd, int out_fd)
{
	if (!hp_term_foreground(in_fd) || tcgetattr(in_fd, &saved))
		return -1;
	raw = saved;
	/* Keys as typed, unechoed; ISIG stays: Ctrl-C is the foreground group's SIGINT. */
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(in_fd, TCSANOW, &raw))
		return -1;
	in = in_fd;
	out = out_fd;
	taken = 1;
	hp_term_write(out, HIDE_CURSOR, sizeof(HIDE_CURSOR) - 1);
	return 0;
}

void hp_term_leave(void)
{
	int saved_errno = errno;

	if (taken) {
		taken = 0;
		tcsetattr(in, TCSANOW, &saved);
		hp_term_write(out, SHOW_CURSOR, sizeof(SHOW_CURSOR) - 1);
	}
	errno = saved_errno;
}

bool hp_term_quit_key(void)
{
	char keys[64];
	ssize_t n;
	bool quit = false;

	if (!taken)
		return false;
	while ((n = read(in, keys, sizeof(keys))) > 0)
		for (ssize_t i = 0; i < n; i++)
			quit |= keys[i] == 'q' || keys[i] == 'Q';
	return quit;
}

void hp_term_size(int fd, unsigned *cols, unsigned *rows)
{
	struct winsize ws;

	*cols = 80;
	*rows = 24;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

static void on_quit(int sig)
{
	hp_term_quit = sig;
}

static void on_winch(int sig)
{
	(void)sig;
	hp_term_resized = 1;
}

/* Ctrl-Z: the shell gets its terminal back as it gave it, then this process stops for real. */
static void on_tstp(int sig)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL}, self = {.sa_handler = on_tstp, .sa_flags = SA_NODEFER};

	hp_term_leave();
	sigaction(sig, &dfl, NULL);
	raise(sig); /* SA_NODEFER: stops here, until SIGCONT */
	sigaction(sig, &self, NULL);
	/* Back, maybe in the background: the main loop takes the terminal again only from the foreground. */
	hp_term_resumed = 1;
}

void hp_term_signals(void)
{
	struct sigaction q = {.sa_handler = on_quit}, w = {.sa_handler = on_winch},
			 t = {.sa_handler = on_tstp, .sa_flags = SA_NODEFER};

	sigemptyset(&q.sa_mask);
	sigemptyset(&w.sa_mask);
	sigemptyset(&t.sa_mask);
	sigaction(SIGINT, &q, NULL);
	sigaction(SIGTERM, &q, NULL);
	sigaction(SIGHUP, &q, NULL);
	sigaction(SIGWINCH, &w, NULL);
	sigaction(SIGTSTP, &t, NULL);
}
