/* trace_source.c: reading a trace's bytes from a file or from memory. */
#include "trace_source.h"

#include <errno.h>
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
