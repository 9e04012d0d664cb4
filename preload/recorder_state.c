/* recorder_state.c: the recorder's global and per-thread state, and the recorder's one-line warning. */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "recorder.h"

struct hp_recorder hp_rec;
__thread struct hp_tls hp_tls;

void *hp_real(const char *name)
{
	hp_tls.guard++; /* dlsym's own allocations are the recorder's */
	void *f = dlsym(RTLD_NEXT, name);
	hp_tls.guard--;
	return f;
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
