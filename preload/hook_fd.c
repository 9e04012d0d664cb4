/* hook_fd.c: the program's ways of closing or replacing descriptors by number pass over ours.
 *
 * A program that closes every descriptor it did not open (daemons, close_range(3, ~0U, 0), closefrom)
 * would close the trace; one that dup2's onto a number would replace it. Ours are skipped: closing
 * one "succeeds" without effect, and a dup2 onto one first moves ours to another number. What a raw
 * system call does to them is caught before their next use (own_fd.h).
 */
#include <errno.h>
#include <linux/close_range.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "own_fd.h"
#include "recorder.h"

HP_EXPORT int close(int fd)
{
	static int (*real)(int);

	if (hp_own_fd_is_ours(fd) && !(hp_tls.in_unwind && hp_own_fd_release(fd)))
		return 0; /* the program's: ours stays; the unwinder's own: closed below */
	if (!real)
		*(void **)&real = hp_real("close");
	return real ? real(fd) : (int)syscall(SYS_close, fd);
}

/* close_range over [lo, hi] less ours: the pieces between them. */
static int close_around(unsigned lo, unsigned hi, unsigned flags)
{
	int ours[8], n = hp_own_fds_in(lo, hi, ours, 8);
	uint64_t from = lo;

	for (int i = 0; i < n; i++) {
		if ((unsigned)ours[i] > from && syscall(SYS_close_range, (unsigned)from, (unsigned)ours[i] - 1, flags))
			return -1;
		from = (uint64_t)(unsigned)ours[i] + 1;
	}
	if (from <= hi && syscall(SYS_close_range, (unsigned)from, hi, flags))
		return -1;
	return 0;
}

HP_EXPORT int close_range(unsigned lo, unsigned hi, int flags)
{
	if (flags & CLOSE_RANGE_CLOEXEC || lo > hi)
		return (int)syscall(SYS_close_range, lo, hi, flags); /* ours are close-on-exec already */
	return close_around(lo, hi, (unsigned)flags);
}

HP_EXPORT void closefrom(int lo)
{
	static void (*real)(int);

	if (lo < 0)
		lo = 0;
	int e = errno;
	if (close_around((unsigned)lo, ~0U, 0) == 0) {
		errno = e;
		return;
	}
	/* No close_range in this kernel: glibc's own fallback (ours are then checked at their next use). */
	if (!real)
		*(void **)&real = hp_real("closefrom");
	errno = e;
	if (real)
		real(lo);
}

/* libunwind checks that memory is readable by writing it to a pipe, which it opens in the thread it
 * unwinds: one of the program's threads. Its ends are ours: kept high and out of the program's way. */
static struct hp_own_fd unwind_pipe[2][2];

static int own_pipe(int fds[2])
{
	static _Atomic unsigned turn;
	struct hp_own_fd *f = unwind_pipe[atomic_fetch_add(&turn, 1) & 1];

	hp_own_fd_release(atomic_load(&f[0].fd));
	hp_own_fd_release(atomic_load(&f[1].fd));
	fds[0] = hp_own_fd_adopt(&f[0], fds[0]);
	fds[1] = hp_own_fd_adopt(&f[1], fds[1]);
	return 0;
}

HP_EXPORT int pipe2(int fds[2], int flags)
{
	if (syscall(SYS_pipe2, fds, flags))
		return -1;
	return hp_tls.in_unwind ? own_pipe(fds) : 0;
}

HP_EXPORT int pipe(int fds[2])
{
	return pipe2(fds, 0);
}

HP_EXPORT int dup2(int old, int fd)
{
	static int (*real)(int, int);

	if (old != fd)
		hp_own_fd_evacuate(fd);
	if (!real)
		*(void **)&real = hp_real("dup2");
	return real ? real(old, fd) : (int)syscall(SYS_dup2, old, fd);
}

HP_EXPORT int dup3(int old, int fd, int flags)
{
	static int (*real)(int, int, int);

	if (old != fd)
		hp_own_fd_evacuate(fd);
	if (!real)
		*(void **)&real = hp_real("dup3");
	return real ? real(old, fd, flags) : (int)syscall(SYS_dup3, old, fd, flags);
}
