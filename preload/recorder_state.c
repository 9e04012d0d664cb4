/* recorder_state.c: the recorder's global and per-thread state, the calling thread's stack, and the
 * recorder's one-line warning. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "recorder.h"

struct hp_recorder hp_rec;
__thread struct hp_tls hp_tls;

int hp_thread_stack(uint64_t *lo, uint64_t *hi)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;

	if (pthread_getattr_np(pthread_self(), &attr))
		return -1;
	int got = pthread_attr_getstack(&attr, &addr, &size);
	pthread_attr_destroy(&attr);
	if (got || !size)
		return -1;
	*lo = (uint64_t)addr;
	*hi = (uint64_t)addr + size;
	return 0;
}

static _Atomic int warned;

void hp_warn(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (hp_rec.cfg.quiet || atomic_exchange(&warned, 1))
		return;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)!write(2, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}
