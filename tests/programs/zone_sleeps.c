/* zone_sleeps.c: zones whose durations are known from sleeps, for the report's time statistics.
 *
 * outer() is called 5 times; each call sleeps 10 ms itself and calls inner() twice, which sleeps
 * 20 ms each. So outer: 5 calls, total >= 250 ms, self >= 50 ms; inner: 10 calls, total >= 200 ms,
 * self = total. A counter adds 3 per inner call (30 in all); a mark per outer call.
 * An argument changes inner()'s sleep (milliseconds): a deliberate regression for `check`.
 */
#include <stdlib.h>
#include <time.h>

#include "hookprof.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts))
		;
}

static long inner_ms = 20;

__attribute__((noinline)) static void inner(void)
{
	HP_FUNC();
	sleep_ms(inner_ms);
	HP_COUNT("items", 3);
}

__attribute__((noinline)) static void outer(void)
{
	HP_FUNC();
	sleep_ms(10);
	inner();
	inner();
	HP_MARK("outer done");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		inner_ms = atol(argv[1]);
	for (int i = 0; i < 5; i++)
		outer();
	return 0;
}
