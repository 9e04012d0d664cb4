/* own_fd.h: the descriptors the recorder holds, kept out of the program's way.
 *
 * A program may close descriptors it did not open (daemons, close_range(3, ~0U, 0), closefrom) and then
 * open files of its own, which take the numbers ours had: writing to a number we once opened could land
 * in the program's files. So each descriptor we hold is moved to a high number, where the program's
 * open() does not reach and a lowered RLIMIT_NOFILE does not count it; the program's close, close_range,
 * closefrom, dup2 and dup3 leave it alone (hook_fd.c); and every use first checks that the number still
 * names the file we opened (device and inode), reopening it by path when a raw system call closed it.
 * When even that fails, the descriptor is lost and its user says so once.
 *
 * Threading: a descriptor is opened, used and closed by one thread (the writer, or the one starting
 * the recorder before the writer exists); the hooks, on any thread, only read `fd` and may move it.
 */
#ifndef HP_OWN_FD_H
#define HP_OWN_FD_H

#include <stdbool.h>
#include <sys/types.h>

#include "recorder.h"

struct hp_own_fd {
	_Atomic int fd; /* -1: none */
	int flags;      /* for reopening: the open flags less O_CREAT, O_EXCL and O_TRUNC */
	dev_t dev;
	ino_t ino;
	char path[4200]; /* absolute */
};

/* Opens path (flags as open(2); O_CLOEXEC is added), moves the descriptor high and registers it.
 * Returns 0, or -1 with errno set. */
int hp_own_fd_open(struct hp_own_fd *f, const char *path, int flags, mode_t mode) HP_HIDDEN;
/* Takes fd (opened by code the recorder runs, such as libunwind's pipe) as ours: moved high and
 * registered, never reopened. Returns its new number. */
int hp_own_fd_adopt(struct hp_own_fd *f, int fd) HP_HIDDEN;
/* The recorder's own code closes fd: true when it was ours (now unregistered, still open). */
bool hp_own_fd_release(int fd) HP_HIDDEN;
/* The descriptor, checked to still be ours (reopened by path if the program closed it): >= 0, or -1
 * when it is lost (then closed and unregistered). */
int hp_own_fd_get(struct hp_own_fd *f) HP_HIDDEN;
/* Closes and unregisters (nothing when not open). */
void hp_own_fd_close(struct hp_own_fd *f) HP_HIDDEN;
/* True when fd is one of ours (for the hooks: a relaxed look at a few slots). */
bool hp_own_fd_is_ours(int fd) HP_HIDDEN;
/* Moves ours away from fd before the program's dup2/dup3 replaces that number (no-op when not ours). */
void hp_own_fd_evacuate(int fd) HP_HIDDEN;
/* Our descriptors in [lo, hi], in increasing order: their count (at most max). */
int hp_own_fds_in(unsigned lo, unsigned hi, int *out, int max) HP_HIDDEN;

#endif
