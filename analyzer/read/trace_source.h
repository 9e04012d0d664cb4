/* trace_source.h: where a trace's bytes come from: a file, read with pread at given offsets (never
 * mapped, never read whole), or memory. */
#ifndef HP_TRACE_SOURCE_H
#define HP_TRACE_SOURCE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* A file descriptor (mem NULL) or memory. */
struct hp_source {
	int fd;
	const uint8_t *mem;
	uint64_t size;
};

/* Reads n bytes at off into dst; in memory, returns a pointer into it instead (no copy). NULL and
 * errno on a read error (EIO when the file ends early: it shrank). The caller has checked that
 * [off, off + n) lies inside the source. */
const uint8_t *hp_source_get(const struct hp_source *s, uint64_t off, void *dst, size_t n);

/* Opens the regular file at path for reading: a FIFO, a device, a socket or a directory is refused
 * by stat before any open (opening a FIFO blocks until a writer comes), and the file is opened with
 * O_NONBLOCK and checked again, in case it was replaced in between. Returns the descriptor (its size
 * in *size), or -1 with one line in err: "cannot open 'PATH': why" or "cannot read 'PATH': why". */
int hp_open_regular(const char *path, uint64_t *size, char *err, size_t errlen);

/* Words an error at byte off of the trace called name, the one way every reader says where:
 * "NAME: byte OFF: WHY", WHY from fmt and ap, into err[errlen]. */
void hp_source_verror(char *err, size_t errlen, const char *name, uint64_t off, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

#endif
