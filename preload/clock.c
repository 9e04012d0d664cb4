/* clock.c: decides whether the TSC can serve as the trace clock. */
#include "clock.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

bool hp_clock_tsc_invariant(void)
{
#if defined(__x86_64__)
	unsigned a, b, c, d;

	if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x80000007)
		return false;
	__get_cpuid(0x80000007, &a, &b, &c, &d);
	return (d >> 8) & 1;
#else
	return false;
#endif
}
