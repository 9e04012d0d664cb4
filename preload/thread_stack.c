/* thread_stack.c: the calling thread's stack bounds, read from /proc/self/maps with raw system calls,
 * and another thread's stack pointer while it waits in a system call.
 *
 * pthread_getattr_np would say the same, but it takes the thread's own lock and allocates (the main
 * thread's version reads /proc/self/maps through stdio). A program inside pthread_getattr_np (Rust's
 * runtime and the JVM call it at start) whose allocation reaches a thread's first event would wait on
 * itself there. So nothing here takes a lock or allocates: system calls and a small buffer on the
 * stack (a thread may have a small stack, and this runs inside its malloc).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "recorder.h"
#include "proc_self.h"

struct maps_scan {
	uint64_t addr;     /* the mapping holding this address is wanted */
	uint64_t prev_end; /* end of the mapping before the current line */
	uint64_t lo, hi;
	bool found;
};

static uint64_t parse_hex(const char **s, const char *end)
{
	uint64_t v = 0;

	for (; *s < end; (*s)++) {
		char c = **s;
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;
		if (d == 16)
			break;
		v = v << 4 | d;
	}
	return v;
}

/* One line's head ("start-end ..."); true when the scan is over. */
static bool scan_line(struct maps_scan *m, const char *s, const char *end)
{
	uint64_t start = parse_hex(&s, end);

	if (s >= end || *s != '-')
		return false;
	s++;
	uint64_t stop = parse_hex(&s, end);
	if (m->addr >= start && m->addr < stop) {
		m->lo = start;
		m->hi = stop;
		m->found = true;
		return true;
	}
	m->prev_end = stop;
	return false;
}

/* Finds the mapping holding m->addr; 0 when found. */
static int scan_maps(struct maps_scan *m)
{
	char buf[512];
	size_t have = 0;
	bool skipping = false; /* the head of the current line was read; its (long) path is skipped */
	int fd = hp_proc_self_open("maps");

	if (fd < 0)
		return -1;
	while (!m->found) {
		long n = syscall(SYS_read, fd, buf + have, sizeof(buf) - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		char *line = buf, *end = buf + have, *nl;
		while (!m->found && (nl = memchr(line, '\n', (size_t)(end - line)))) {
			if (!skipping)
				scan_line(m, line, nl);
			skipping = false;
			line = nl + 1;
		}
		if (!m->found && line == buf && have == sizeof(buf)) {
			/* No end of line in a full buffer: a long path. Its head is all we need. */
			if (!skipping)
				scan_line(m, buf, end);
			skipping = true;
			line = end;
		}
		have = (size_t)(end - line);
		memmove(buf, line, have);
	}
	syscall(SYS_close, fd);
	return m->found ? 0 : -1;
}

int hp_thread_stack(uint64_t *lo, uint64_t *hi)
{
	struct maps_scan m = {.addr = (uint64_t)__builtin_frame_address(0)};

	if (scan_maps(&m))
		return -1;
	*lo = m.lo;
	*hi = m.hi;
	if (syscall(SYS_gettid) == getpid()) {
		/* The main thread's stack grows on demand, down to its rlimit or the mapping below it
		 * (the bound glibc gives it too): frames may later lie below what is mapped now. */
		struct rlimit rl;
		uint64_t limit = 8u << 20;
		if (syscall(SYS_getrlimit, RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			limit = rl.rlim_cur;
		if (limit > (1ull << 30))
			limit = 1ull << 30;
		uint64_t floor = m.hi > limit ? m.hi - limit : 0;
		*lo = floor > m.prev_end ? floor : m.prev_end;
		if (*lo > m.lo)
			*lo = m.lo;
	}
	return 0;
}

uint64_t hp_thread_stack_pointer(uint32_t tid)
{
	char path[64], buf[512];
	int n = 0;

	/* "/proc/self/task/<tid>/syscall", without snprintf (it may allocate for locales). */
	memcpy(path, "/proc/self/task/", 16);
	char digits[12];
	do
		digits[n++] = (char)('0' + tid % 10);
	while ((tid /= 10) && n < (int)sizeof(digits));
	for (int i = 0; i < n; i++)
		path[16 + i] = digits[n - 1 - i];
	memcpy(path + 16 + n, "/syscall", 9);
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t len = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, fd);
	if (len <= 0)
		return 0;
	/* "nr a1 a2 a3 a4 a5 a6 sp pc" while in a system call; "running", or "-1 sp pc" when not in one. */
	const char *s = buf, *end = buf + len;
	int field = 0;
	if (*s == 'r' || *s == '-')
		return 0;
	for (; s < end && field < 7; s++)
		field += *s == ' ';
	if (field < 7 || end - s < 3 || s[0] != '0' || s[1] != 'x')
		return 0;
	s += 2;
	return parse_hex(&s, end);
}
