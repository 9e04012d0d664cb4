/* rec_longjmp.c: longjmp out of nested zones, ROUNDS times.
 *
 * Per round: HP_ZONE("outer") in round(); setjmp; jumper() (HP_FUNC) opens HP_ZONE("inner") and
 * longjmps back into round() from inside both: neither of their cleanups runs. round() returns and
 * closes "outer". So per round the trace gets: begin outer, begin jumper, begin inner, end outer.
 */
#include <hookprof.h>
#include <setjmp.h>
#include <stdio.h>

#define ROUNDS 100

static jmp_buf env;
static volatile int jumps;

__attribute__((noinline)) static void jumper(void)
{
	HP_FUNC();
	{
		HP_ZONE("inner");
		jumps++;
		longjmp(env, 1);
	}
}

__attribute__((noinline)) static void round_(void)
{
	HP_ZONE("outer");
	if (!setjmp(env))
		jumper();
}

int main(void)
{
	for (int i = 0; i < ROUNDS; i++)
		round_();
	printf("jumps %d\n", jumps);
	return 0;
}
