/* own_fd.c: the recorder's descriptors at high numbers, checked before each use (own_fd.h). */
#include "own_fd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The trace, two /proc files of the sampler, the writer's schedstat, libunwind's pipe; room for more. */
#define MAX_OWN_FDS 8
static struct hp_own_fd *_Atomic slots[MAX_OWN_FDS];

/* Below the soft limit, under 1024: out of reach of a program's open() unless it keeps about a
 * thousand files open, and not so high that the kernel grows the descriptor table for us. */
static int high_base(void)
{
	struct rlimit rl;
	rlim_t cur = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < cur)
		cur = rl.rlim_cur;
	return cur > 64 ? (int)cur - 32 : (int)cur / 2;
}

/* fd moved to a high number (close-on-exec); fd itself when that cannot be done. */
static int move_high(int fd)
{
	int base = high_base();

	if (fd >= base)
		return fd;
	int high = fcntl(fd, F_DUPFD_CLOEXEC, base);
	if (high < 0)
		return fd;
	syscall(SYS_close, fd);
	return high;
}

static void enroll(struct hp_own_fd *f)
{
	for (int i = 0; i < MAX_OWN_FDS; i++) {
		struct hp_own_fd *none = NULL;
		if (atomic_load(&slots[i]) == f || atomic_compare_exchange_strong(&slots[i], &none, f))
			return;
	}
}

static void withdraw(struct hp_own_fd *f)
{
	for (int i = 0; i < MAX_OWN_FDS; i++) {
		struct hp_own_fd *me = f;
		atomic_compare_exchange_strong(&slots[i], &me, NULL);
	}
}

/* Opens f->path with f->flags and checks it is the file we had; the descriptor, or -1. */
static int reopen(struct hp_own_fd *f)
{
	struct stat st;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, f->path, f->flags | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || st.st_dev != f->dev || st.st_ino != f->ino) {
		syscall(SYS_close, fd);
		return -1;
	}
	return move_high(fd);
}

int hp_own_fd_open(struct hp_own_fd *f, const char *path, int flags, mode_t mode)
{
	struct stat st;
	char link[64];
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, flags | O_CLOEXEC, mode);

	atomic_store(&f->fd, -1);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st)) {
		int e = errno;
		syscall(SYS_close, fd);
		errno = e;
		return -1;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->flags = flags & ~(O_CREAT | O_EXCL | O_TRUNC);
	if ((f->flags & O_ACCMODE) != O_RDONLY)
		f->flags |= O_APPEND; /* we only ever append: a reopened file goes on at its end */
	/* The absolute path, for reopening after the program changed directory. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, f->path, sizeof(f->path) - 1);
	if (n <= 0 || f->path[0] != '/')
		n = snprintf(f->path, sizeof(f->path), "%s", path);
	f->path[n < (ssize_t)sizeof(f->path) ? n : (ssize_t)sizeof(f->path) - 1] = 0;
	atomic_store(&f->fd, move_high(fd));
	enroll(f);
	return 0;
}

int hp_own_fd_adopt(struct hp_own_fd *f, int fd)
{
	f->path[0] = 0;
	f->dev = 0;
	f->ino = 0;
	atomic_store(&f->fd, move_high(fd));
	enroll(f);
	return atomic_load(&f->fd);
}

bool hp_own_fd_release(int fd)
{
	for (int i = 0; i < MAX_OWN_FDS; i++) {
		struct hp_own_fd *f = atomic_load(&slots[i]);
		int mine = fd;
		if (f && atomic_compare_exchange_strong(&f->fd, &mine, -1)) {
			withdraw(f);
			return true;
		}
	}
	return false;
}

int hp_own_fd_get(struct hp_own_fd *f)
{
	struct stat st;
	int fd = atomic_load(&f->fd);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && st.st_dev == f->dev && st.st_ino == f->ino)
		return fd;
	if (!f->path[0])
		return -1; /* adopted: its owner finds out and opens another */
	/* Closed behind our back (a raw close_range), maybe reused by the program: never touch that
	 * number again. */
	int again = reopen(f);
	atomic_store(&f->fd, again);
	if (again < 0)
		withdraw(f);
	return again;
}

void hp_own_fd_close(struct hp_own_fd *f)
{
	int fd = atomic_exchange(&f->fd, -1);

	withdraw(f);
	if (fd >= 0)
		syscall(SYS_close, fd);
}

bool hp_own_fd_is_ours(int fd)
{
	if (fd < 0)
		return false;
	for (int i = 0; i < MAX_OWN_FDS; i++) {
		struct hp_own_fd *f = atomic_load_explicit(&slots[i], memory_order_acquire);
		if (f && atomic_load_explicit(&f->fd, memory_order_relaxed) == fd)
			return true;
	}
	return false;
}

void hp_own_fd_evacuate(int fd)
{
	for (int i = 0; i < MAX_OWN_FDS; i++) {
		struct hp_own_fd *f = atomic_load(&slots[i]);
		if (!f || atomic_load(&f->fd) != fd)
			continue;
		int away = fcntl(fd, F_DUPFD_CLOEXEC, fd + 1);
		atomic_store(&f->fd, away); /* -1: lost; its user says so */
		if (away < 0)
			withdraw(f);
	}
}

int hp_own_fds_in(unsigned lo, unsigned hi, int *out, int max)
{
	int n = 0;

	for (int i = 0; i < MAX_OWN_FDS; i++) {
		struct hp_own_fd *f = atomic_load(&slots[i]);
		int fd = f ? atomic_load(&f->fd) : -1;
		if (fd < 0 || (unsigned)fd < lo || (unsigned)fd > hi || n == max)
			continue;
		int j = n++;
		for (; j > 0 && out[j - 1] > fd; j--)
			out[j] = out[j - 1];
		out[j] = fd;
	}
	return n;
}
