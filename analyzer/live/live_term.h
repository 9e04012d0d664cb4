/* live_term.h: the live view's terminal: keys without Enter, no echo, a hidden cursor, and the terminal
 * given back as it was on every way out (q, Ctrl-C, SIGTERM, SIGHUP, exit) and around Ctrl-Z.
 *
 * One terminal per process (the state is global: signal handlers restore it). Ctrl-C keeps raising
 * SIGINT for the whole foreground process group, so that under `hookprof record --live` it still
 * reaches the program as it would without hookprof.
 */
#ifndef HP_LIVE_TERM_H
#define HP_LIVE_TERM_H

#include <signal.h>
#include <stdbool.h>

/* Set by the handlers hp_term_signals installs; the main loop reads and clears them. */
extern volatile sig_atomic_t hp_term_quit;    /* SIGINT, SIGTERM or SIGHUP arrived: its number */
extern volatile sig_atomic_t hp_term_resized; /* SIGWINCH */
extern volatile sig_atomic_t hp_term_resumed; /* continued after Ctrl-Z: redraw everything */

/* Handlers for the signals above and for SIGTSTP (which gives the terminal back before stopping). */
void hp_term_signals(void);

/* Whether this process is in the foreground of the terminal on fd (may change its modes, read keys). */
bool hp_term_foreground(int fd);

/* Takes the terminal: keys from in_fd one at a time without echo, cursor hidden on out_fd. 0, or -1
 * when in_fd is not a terminal in whose foreground this process is (nothing changed then). */
int hp_term_enter(int in_fd, int out_fd);

/* Gives back what hp_term_enter changed; does nothing when nothing is taken. Async-signal-safe. */
void hp_term_leave(void);

/* Reads the keys waiting on the terminal taken: true when one of them asks to quit (q, Q). */
bool hp_term_quit_key(void);

/* The size of the terminal on fd; 80x24 when it cannot be known. */
void hp_term_size(int fd, unsigned *cols, unsigned *rows);

/* write(2) of all n bytes. 0, or -1 with errno. */
int hp_term_write(int fd, const void *buf, size_t n);

#endif
