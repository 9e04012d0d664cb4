/* proc_self.h: the process's own files of /proc, reached through the calling thread's entry.
 *
 * /proc/self is the main thread's entry: once the main thread has ended by pthread_exit while others
 * run on, its maps read empty and its exe link is gone, and the leak scan at the end of such a program
 * saw no memory to read. /proc/thread-self (Linux 3.17) is the caller's own, alive while it runs; a
 * kernel without it gets /proc/self. Raw system calls only: thread_stack.c calls these where libc
 * may be busy. errno is what the last attempt left.
 */
#ifndef HP_PROC_SELF_H
#define HP_PROC_SELF_H

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* "/proc/thread-self/NAME" (thread) or "/proc/self/NAME" into buf[64]; NULL when NAME is too long. */
static inline const char *hp_proc_self_path(char *buf, const char *name, int thread)
{
	const char *dir = thread ? "/proc/thread-self/" : "/proc/self/";
	size_t n = 0;

	while (*dir)
		buf[n++] = *dir++;
	while (*name && n < 63)
		buf[n++] = *name++;
	buf[n] = 0;
	return *name ? NULL : buf;
}

static inline int hp_proc_self_open(const char *name)
{
	char buf[64];
	int fd = -1;

	for (int thread = 1; thread >= 0 && fd < 0; thread--) {
		const char *path = hp_proc_self_path(buf, name, thread);
		fd = path ? (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC) : -1;
		if (fd < 0 && errno != ENOENT)
			break;
	}
	return fd;
}

static inline ssize_t hp_proc_self_readlink(const char *name, char *out, size_t size)
{
	char buf[64];
	ssize_t n = -1;

	for (int thread = 1; thread >= 0 && n < 0; thread--) {
		const char *path = hp_proc_self_path(buf, name, thread);
		n = path ? (ssize_t)syscall(SYS_readlinkat, AT_FDCWD, path, out, size) : -1;
		if (n < 0 && errno != ENOENT)
			break;
	}
	return n;
}

#endif
