/* trace_source.c: reading a trace's bytes from a file or from memory. */
#include "read/trace_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const uint8_t *hp_source_get(const struct hp_source *s, uint64_t off, void *dst, size_t n)
{
	if (s->mem)
		return s->mem + off;
	for (size_t got = 0; got < n;) {
		ssize_t k = pread(s->fd, (uint8_t *)dst + got, n - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = EIO; /* the file shrank under us */
			return NULL;
		}
		got += (size_t)k;
	}
	return dst;
}

static const char *not_regular(const struct stat *sb)
{
	return S_ISDIR(sb->st_mode)    ? "Is a directory"
	       : S_ISFIFO(sb->st_mode) ? "a FIFO, not a trace file"
	       : S_ISSOCK(sb->st_mode) ? "a socket, not a trace file"
	       : S_ISCHR(sb->st_mode) || S_ISBLK(sb->st_mode) ? "a device, not a trace file"
	       : !S_ISREG(sb->st_mode) ? "not a regular file"
				       : NULL;
}

int hp_open_regular(const char *path, uint64_t *size, char *err, size_t errlen)
{
	struct stat sb;
	const char *why;
	int fd;

	if (stat(path, &sb)) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if ((why = not_regular(&sb))) {
		snprintf(err, errlen, "cannot read '%s': %s", path, why);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	why = fstat(fd, &sb) ? strerror(errno) : not_regular(&sb);
	if (why) {
		snprintf(err, errlen, "cannot read '%s': %s", path, why);
		close(fd);
		return -1;
	}
	*size = (uint64_t)sb.st_size;
	return fd;
}

void hp_source_verror(char *err, size_t errlen, const char *name, uint64_t off, const char *fmt, va_list ap)
{
	char why[400];

	vsnprintf(why, sizeof(why), fmt, ap);
	snprintf(err, errlen, "%s: byte %llu: %s", name, (unsigned long long)off, why);
}
