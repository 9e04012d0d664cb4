/* live_churn.c: a program to watch with `hookprof top`: a steady allocation rate and a heap that grows
 * at a known pace, inside known zones, printing nothing.
 *
 *   live_churn [STATUS [STEPS [STEP_MS]]]   defaults: 0, 300, 10 (about 3 s)
 *
 * Everything runs inside the zone "churn_loop" (1 call). Each of the STEPS steps is one call of the
 * zone churn_step(), which makes TEMPS temporary allocations of TEMP_SIZE bytes (each freed at once)
 * and keeps one block of KEEP_SIZE bytes, allocated by keep_block(), then sleeps STEP_MS. So at the
 * end: STEPS * (TEMPS + 1) allocations, STEPS * TEMPS frees, STEPS live blocks of KEEP_SIZE bytes
 * (the live heap grows by KEEP_SIZE per step), and exit(STATUS) with the blocks still allocated.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hookprof.h"

#define TEMPS 50
#define TEMP_SIZE 100
#define KEEP_SIZE 4096
#define MAX_STEPS 100000

static void *kept[MAX_STEPS];

__attribute__((noinline)) static void *keep_block(void)
{
	void *p = malloc(KEEP_SIZE);

	if (p)
		memset(p, 0x5a, KEEP_SIZE);
	return p;
}

__attribute__((noinline)) static void churn_step(int i)
{
	HP_FUNC();
	for (int k = 0; k < TEMPS; k++) {
		char *volatile t = malloc(TEMP_SIZE);
		if (t)
			t[0] = (char)k;
		free(t);
	}
	kept[i] = keep_block();
}

int main(int argc, char **argv)
{
	int status = argc > 1 ? atoi(argv[1]) : 0;
	int steps = argc > 2 ? atoi(argv[2]) : 300;
	long step_ms = argc > 3 ? atol(argv[3]) : 10;

	if (steps < 0 || steps > MAX_STEPS || step_ms < 0)
		return 2;
	{
		HP_ZONE("churn_loop");
		for (int i = 0; i < steps; i++) {
			churn_step(i);
			struct timespec ts = {step_ms / 1000, (step_ms % 1000) * 1000000};
			while (nanosleep(&ts, &ts))
				;
		}
	}
	exit(status);
}
