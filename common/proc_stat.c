/* proc_stat.c: a process's line of /proc/PID/stat, past its command name. */
#include "common/proc_stat.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *hp_proc_stat_fields(unsigned pid, char *buf, size_t size)
{
	char path[64];
	int fd;

	if (!pid || size < 2)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses, the last ')' ends it. */
	const char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] ? p + 2 : NULL;
}
