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

/* Calls attempt(path, arg) with "/proc/thread-self/NAME", then with "/proc/self/NAME" where the
 * kernel has no thread-self (ENOENT); returns what the last call returned (< 0: failed, errno set). */
static inline long hp_proc_self_try(const char *name, long (*attempt)(const char *path, void *arg), void *arg)
{
	char buf[64];
	long rc = -1;

	for (int thread = 1; thread >= 0 && rc < 0; thread--) {
		const char *path = hp_proc_self_path(buf, name, thread);
		rc = path ? attempt(path, arg) : -1;
		if (rc < 0 && errno != ENOENT)
			break;
	}
	return rc;
}

static inline long hp_proc_self_open_at(const char *path, void *arg)
{
	(void)arg;
	return syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
}

static inline int hp_proc_self_open(const char *name)
{
	return (int)hp_proc_self_try(name, hp_proc_self_open_at, NULL);
}

struct hp_proc_self_link {
	char *out;
	size_t size;
};

static inline long hp_proc_self_readlink_at(const char *path, void *arg)
{
	const struct hp_proc_self_link *l = arg;

	return syscall(SYS_readlinkat, AT_FDCWD, path, l->out, l->size);
}

static inline ssize_t hp_proc_self_readlink(const char *name, char *out, size_t size)
{
	struct hp_proc_self_link l = {out, size};

	return (ssize_t)hp_proc_self_try(name, hp_proc_self_readlink_at, &l);
}

#endif
