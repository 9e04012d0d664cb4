/* process_sampler.c: one sample of the process's resources, for the report's timelines.
 *
 * Runs on the writer thread only. The /proc files stay open (own_fd.h) and are re-read with pread, so
 * a sample costs a few syscalls and no allocation.
 */
#include "process_sampler.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "own_fd.h"
#include "proc_self.h"

static struct hp_own_fd statm = {.fd = -1}, io = {.fd = -1};
static long page_size;

void hp_sampler_open(void)
{
	hp_sampler_close();
	hp_own_fd_open(&statm, "/proc/self/statm", O_RDONLY, 0);
	hp_own_fd_open(&io, "/proc/self/io", O_RDONLY, 0);
	page_size = sysconf(_SC_PAGESIZE);
}

/* /proc/self/statm is the main thread's: once the main thread has left by pthread_exit, it reads
 * zeros (the main thread let go of the memory map) while the process runs on. The writer's own entry
 * reads the same map for as long as the writer runs. io stays /proc/self's: the thread group's sum,
 * which the main thread's entry keeps after it ended; the writer's own would count the writer only. */
static long open_statm(const char *path, void *arg)
{
	(void)arg;
	return hp_own_fd_open(&statm, path, O_RDONLY, 0);
}

void hp_sampler_thread_start(void)
{
	hp_own_fd_close(&statm);
	hp_proc_self_try("statm", open_statm, NULL);
}

void hp_sampler_close(void)
{
	hp_own_fd_close(&statm);
	hp_own_fd_close(&io);
}

static ssize_t read_all(struct hp_own_fd *f, char *buf, size_t size)
{
	int fd = hp_own_fd_get(f);

	if (fd < 0)
		return -1;
	ssize_t n = pread(fd, buf, size - 1, 0);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

static uint64_t field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

void hp_sampler_read(struct hp_proc_sample *s)
{
	char buf[512];
	struct rusage ru;

	memset(s, 0, sizeof(*s));
	if (read_all(&statm, buf, sizeof(buf)) > 0) {
		char *p = buf;
		strtoull(p, &p, 10); /* size */
		s->rss = strtoull(p, NULL, 10) * (uint64_t)page_size;
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		s->utime_ns = (uint64_t)ru.ru_utime.tv_sec * 1000000000u + (uint64_t)ru.ru_utime.tv_usec * 1000u;
		s->stime_ns = (uint64_t)ru.ru_stime.tv_sec * 1000000000u + (uint64_t)ru.ru_stime.tv_usec * 1000u;
		s->minflt = (uint64_t)ru.ru_minflt;
		s->majflt = (uint64_t)ru.ru_majflt;
	}
	if (read_all(&io, buf, sizeof(buf)) > 0) {
		/* rchar/wchar (bytes through read/write calls) are always readable, unlike read_bytes. */
		s->read_bytes = field(buf, "rchar: ");
		s->write_bytes = field(buf, "\nwchar: ");
	}
}
